// Fuzz targets: one per decoder, each with valid seed inputs for the mutator in bench/fuzz.ts. In: a
// Buffer of arbitrary bytes. Out: whatever the decoder returns; a BgpError is an accepted outcome,
// any other exception (or a slow input) is a bug the fuzzer reports. Where we have an encoder, an
// accepted input must also survive decode -> encode -> decode unchanged.
// Seeds are built by our own encoders or written by hand, plus the real daemons' captures in
// test/golden when present: for fuzzing they only need to be valid starting points.
import { buildOpen, negotiate } from '../bgp/negotiate.ts';
import { capabilityBytes, decodeCapabilities, formatCapability } from '../bgp/wire/capabilities.ts';
import { isBgpError } from '../bgp/wire/errors.ts';
import { Framer } from '../bgp/wire/header.ts';
import {
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
} from '../bgp/wire/iana/message-types.ts';
import { decodeKeepalive, encodeKeepalive } from '../bgp/wire/keepalive.ts';
import {
  decodeNotification,
  describeNotification,
  encodeNotification,
  shutdownNotification,
} from '../bgp/wire/notification.ts';
import { decodeOpen, encodeOpen } from '../bgp/wire/open.ts';
import { decodeRouteRefresh, encodeRouteRefresh } from '../bgp/wire/route-refresh.ts';
import { decodeUpdate } from '../bgp/wire/update.ts';
import { type CodecContext, DEFAULT_CONTEXT, type OpenMessage } from '../bgp/wire/types.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

export interface FuzzTarget {
  readonly name: string;
  /** Valid inputs the mutator starts from. */
  readonly seeds: readonly Buffer[];
  decode(buf: Buffer): unknown;
}

// ---- UPDATE decoder (bgp/wire/update.ts, the UPDATE-side engineer's) ------------------------------
type UpdateDecoder = (body: Buffer, ctx: CodecContext) => unknown;
const UPDATE_DECODER: UpdateDecoder | null = decodeUpdate;
/** UPDATE bodies written by hand from RFC 4271 §4.3 / RFC 4760 §3 layouts (4-octet AS context). */
const UPDATE_SEEDS: readonly Buffer[] = [
  // IPv4 End-of-RIB (RFC 4724 §2): no withdrawn routes, no attributes.
  '00000000',
  // ORIGIN IGP, AS_PATH SEQUENCE [65001], NEXT_HOP 192.0.2.1, NLRI 10.0.0.0/8.
  '0000 0014 40010100 4002060201 0000fde9 400304c0000201 080a',
  // ORIGIN, AS_PATH, MP_REACH_NLRI IPv6 unicast next hop 2001:db8::1, NLRI 2001:db8::/32.
  '0000 002b 40010100 4002060201 0000fde9 900e001a 0002 01 10 20010db8000000000000000000000001 00 20 20010db8',
  // Withdrawn 10.0.0.0/8 and 11.0.0.0/24, no attributes.
  '0006 080a 180b0000 0000',
  // MP_UNREACH_NLRI IPv6 unicast End-of-RIB (RFC 4724 §2).
  '0000 0006 800f03 000201',
].map((h) => Buffer.from(h.replace(/\s+/g, ''), 'hex'));
// -------------------------------------------------------------------------------------------------

const body = (message: Buffer): Buffer => message.subarray(19);

/** Whole messages captured from real daemons (test/golden/*.json, when present), by message type. */
const CAPTURED: ReadonlyMap<number, Buffer[]> = (() => {
  const out = new Map<number, Buffer[]>();
  const dir = new URL('../test/golden/', import.meta.url);
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    for (const c of JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as { hex?: string }[]) {
      if (typeof c.hex !== 'string') continue;
      const m = Buffer.from(c.hex, 'hex');
      if (m.length < 19) continue;
      out.set(m[18]!, [...(out.get(m[18]!) ?? []), m]);
    }
  }
  return out;
})();
/**
 * Captures of one type usable as seeds. UPDATEs from ADD-PATH or 2-octet-AS sessions do not decode in
 * the default context the targets use, so only those that do are kept.
 */
const captured = (type: number): Buffer[] =>
  (CAPTURED.get(type) ?? []).filter((m) => {
    if (type !== MessageType.UPDATE) return true;
    try {
      decodeUpdate(body(m), DEFAULT_CONTEXT);
      return true;
    } catch {
      return false;
    }
  });

const richOpen = buildOpen({
  asn: 4200000000,
  holdTime: 90,
  bgpId: 0x0a000001,
  families: [
    { afi: 1, safi: 1 },
    { afi: 2, safi: 1 },
  ],
  addPath: [{ afi: 1, safi: 1, sendReceive: 3 }],
  gracefulRestart: {
    restartTime: 120,
    notification: true,
    families: [{ afi: 1, safi: 1, forwardingPreserved: true }],
  },
  longLivedGracefulRestart: [{ afi: 2, safi: 1, forwardingPreserved: true, staleTime: 3600 }],
  enhancedRouteRefresh: true,
  extendedMessage: true,
  extendedNextHop: [{ afi: 1, safi: 1, nextHopAfi: 2 }],
  role: 4,
  hostname: 'node-1',
  domain: 'cluster.local',
});
const plainOpen = buildOpen({ asn: 65001, holdTime: 180, bgpId: 0x0a000002 });
const extendedOpen: OpenMessage = { ...richOpen, extendedOptionalParameters: true };
const unknownCapOpen: OpenMessage = {
  ...plainOpen,
  capabilities: [...plainOpen.capabilities, { kind: 'unknown', code: 200, value: Uint8Array.of(1, 2, 3) }],
};
const OPEN_MESSAGES = [richOpen, plainOpen, extendedOpen, unknownCapOpen].map((m) => encodeOpen(m));

const NOTIFICATION_MESSAGES = [
  encodeNotification(shutdownNotification('maintenance window – back at 10:00')),
  encodeNotification({
    type: 'notification',
    code: 2,
    subcode: 7,
    data: Buffer.from('01040002000141040000fde9', 'hex'),
  }),
  encodeNotification({
    type: 'notification',
    code: 6,
    subcode: 1,
    data: Buffer.from('00010100000064', 'hex'),
  }),
  encodeNotification({ type: 'notification', code: 1, subcode: 2, data: Uint8Array.of(0x13, 0x88) }),
];
const ROUTE_REFRESH_MESSAGES = [0, 1, 2].map((subtype) =>
  encodeRouteRefresh({ type: 'route-refresh', afi: 2, safi: 1, subtype }),
);

/** Our side of the session the 'open' target negotiates against. */
const LOCAL_OPEN = buildOpen({
  asn: 65001,
  holdTime: 90,
  bgpId: 0x0a000001,
  families: [
    { afi: 1, safi: 1 },
    { afi: 2, safi: 1 },
  ],
  addPath: [{ afi: 1, safi: 1, sendReceive: 3 }],
  gracefulRestart: { restartTime: 120, notification: true, families: [] },
  role: 4,
});

/** Decodes one framed message body by type, as the session would. */
function decodeBody(type: number, b: Buffer, ctx: CodecContext): unknown {
  switch (type) {
    case MessageType.OPEN:
      return decodeOpen(b);
    case MessageType.UPDATE:
      return UPDATE_DECODER ? UPDATE_DECODER(b, ctx) : null;
    case MessageType.NOTIFICATION:
      return describeNotification(decodeNotification(b));
    case MessageType.KEEPALIVE:
      return decodeKeepalive(b);
    case MessageType.ROUTE_REFRESH:
      return decodeRouteRefresh(b);
    default:
      throw new Error(`framer returned a message of type ${type}`);
  }
}

const framer: FuzzTarget = {
  name: 'framer',
  seeds: [
    Buffer.concat([
      OPEN_MESSAGES[1]!,
      encodeKeepalive(),
      ...ROUTE_REFRESH_MESSAGES,
      NOTIFICATION_MESSAGES[0]!,
    ]),
    Buffer.concat([
      OPEN_MESSAGES[0]!,
      encodeKeepalive(),
      ...UPDATE_SEEDS.map((u) => withHeader(MessageType.UPDATE, u)),
    ]),
    ...[...CAPTURED.keys()].map((type) => Buffer.concat(captured(type))),
  ],
  decode(buf) {
    // The last octet picks the limit and the split point, so both vary with the input.
    const last = buf.length > 0 ? buf[buf.length - 1]! : 0;
    const f = new Framer(last & 1 ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH);
    const cut = buf.length === 0 ? 0 : last % (buf.length + 1);
    const out: unknown[] = [];
    for (const chunk of [buf.subarray(0, cut), buf.subarray(cut)]) {
      f.push(chunk);
      for (let m = f.next(); m !== null; m = f.next()) out.push(decodeBody(m.type, m.body, DEFAULT_CONTEXT));
    }
    if (f.buffered > f.maxLength) throw new Error(`framer holds ${f.buffered} octets, more than one message`);
    return out;
  },
};

function withHeader(type: number, b: Buffer): Buffer {
  const m = Buffer.alloc(19 + b.length, 0xff);
  m.writeUInt16BE(m.length, 16);
  m[18] = type;
  b.copy(m, 19);
  return m;
}

const open: FuzzTarget = {
  name: 'open',
  seeds: [...OPEN_MESSAGES, ...captured(MessageType.OPEN)].map(body),
  decode(buf) {
    const remote = decodeOpen(buf);
    for (const c of remote.capabilities) formatCapability(c);
    // Round trip: whatever we accepted, we can write, and reading that back gives the same OPEN.
    const again = decodeOpen(body(encodeOpen(remote)));
    if (
      !isDeepStrictEqual(
        { ...again, extendedOptionalParameters: 0 },
        { ...remote, extendedOptionalParameters: 0 },
      )
    ) {
      throw new Error('OPEN changed in a decode/encode/decode round trip');
    }
    return negotiate(LOCAL_OPEN, remote, { localAs: 65001, localBgpId: 0x0a000001, minHoldTime: 3 });
  },
};

const capabilities: FuzzTarget = {
  name: 'capabilities',
  seeds: OPEN_MESSAGES.map((m) => {
    // The value of the one Capabilities parameter. Opt Parm Len is body[9]; the plain form has Parm.
    // Type and Parm. Length after it (value at 12); the RFC 9072 form has 255, Ext. Length (2), Type,
    // Length (2) (value at 16).
    const b = body(m);
    return b[9] === 255 && b[10] === 255 ? b.subarray(16) : b.subarray(12);
  }),
  decode(buf) {
    const caps = decodeCapabilities(buf);
    const again = decodeCapabilities(Buffer.concat(caps.map((c) => capabilityBytes(c))));
    if (!isDeepStrictEqual(again, caps))
      throw new Error('capabilities changed in a decode/encode/decode round trip');
    return caps.map(formatCapability);
  },
};

const notification: FuzzTarget = {
  name: 'notification',
  seeds: [...NOTIFICATION_MESSAGES, ...captured(MessageType.NOTIFICATION)].map(body),
  decode(buf) {
    const n = decodeNotification(buf);
    // encodeNotification cuts data to the message limit; compare only bodies a framer could deliver.
    const fits = buf.length <= MAX_EXTENDED_MESSAGE_LENGTH - 19;
    if (
      fits &&
      !isDeepStrictEqual(decodeNotification(body(encodeNotification(n, MAX_EXTENDED_MESSAGE_LENGTH))), n)
    ) {
      throw new Error('NOTIFICATION changed in a decode/encode/decode round trip');
    }
    return describeNotification(n);
  },
};

const routeRefresh: FuzzTarget = {
  name: 'route-refresh',
  seeds: [...ROUTE_REFRESH_MESSAGES, ...captured(MessageType.ROUTE_REFRESH)].map(body),
  decode(buf) {
    const m = decodeRouteRefresh(buf);
    if (!isDeepStrictEqual(decodeRouteRefresh(body(encodeRouteRefresh(m))), m)) {
      throw new Error('ROUTE-REFRESH changed in a decode/encode/decode round trip');
    }
    return m;
  },
};

const keepalive: FuzzTarget = {
  name: 'keepalive',
  seeds: [Buffer.alloc(0)],
  decode: (buf) => decodeKeepalive(buf),
};

const update: FuzzTarget | null = UPDATE_DECODER
  ? {
      name: 'update',
      seeds: [...UPDATE_SEEDS, ...captured(MessageType.UPDATE).map(body)],
      decode(buf) {
        // Once in a context picked by the last octet (ADD-PATH, 2-octet AS, extended message, iBGP),
        // where a BgpError is fine, then in the default context, whose outcome is the target's.
        const last = buf.length > 0 ? buf[buf.length - 1]! : 0;
        const varied: CodecContext = {
          ...DEFAULT_CONTEXT,
          fourOctetAs: (last & 1) === 0,
          addPathReceive: last & 2 ? new Set([0x0101, 0x0201]) : new Set(),
          extendedMessage: (last & 4) !== 0,
          ibgp: (last & 8) !== 0,
        };
        try {
          UPDATE_DECODER(buf, varied);
        } catch (e) {
          if (!isBgpError(e)) throw e;
        }
        return UPDATE_DECODER(buf, DEFAULT_CONTEXT);
      },
    }
  : null;

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  framer,
  open,
  capabilities,
  notification,
  routeRefresh,
  keepalive,
  ...(update ? [update] : []),
];

export function findTarget(name: string): FuzzTarget | undefined {
  return FUZZ_TARGETS.find((t) => t.name === name);
}
