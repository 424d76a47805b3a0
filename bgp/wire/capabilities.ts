// BGP Capabilities (RFC 5492) as a table keyed by capability code: one descriptor per code with its
// name, decode (value bytes -> Capability), length (Capability -> value octets) and encode.
// In: the Capability Optional Parameter value of an OPEN (a run of <code, length, value> triples).
// Out: Capability objects (types.ts); unknown codes are kept as {kind:'unknown', code, value}.
// A capability we know whose value has the wrong shape is "recognized, but malformed": RFC 4271
// §6.2 says the Error Subcode is then 0 (Unspecific) of OPEN Message Error.
import { openMessageError } from './errors.ts';
import { ErrorCode } from './iana/error-codes.ts';
import { familyName } from './iana/afi-safi.ts';
import { CAPABILITY_NAMES, CapabilityCode } from './iana/capability-codes.ts';
import { Reader } from './reader.ts';
import type { Capability, FamilyRef } from './types.ts';
import { Writer } from './writer.ts';

/** RFC 5492 §4 pre-standard code for route refresh, still sent by some peers; decoded as route-refresh. */
export const OLD_ROUTE_REFRESH_CODE = 128;

/** OPEN Message Error subcode 0: RFC 4271 §6.2 "recognized, but is malformed". */
const UNSPECIFIC = 0;

type Kind = Capability['kind'];
type Of<K extends Kind> = Extract<Capability, { kind: K }>;

export interface CapabilityDescriptor<K extends Kind = Kind> {
  readonly code: number;
  readonly kind: K;
  readonly name: string;
  /**
   * Decodes a value whose length the caller has already cut (r is bounded to it). Usually returns
   * kind K; may return an 'unknown' capability for a value kept raw (FQDN that is not UTF-8).
   */
  decode(r: Reader, code: number): Of<K> | Of<'unknown'>;
  /** Octets of the Capability Value (not counting the code and length octets). */
  length(c: Of<K>): number;
  encode(w: Writer, c: Of<K>): void;
}

function malformed(code: number, detail: string): Error {
  return openMessageError(UNSPECIFIC, `capability ${code} (${capabilityName(code)}): ${detail}`);
}

function fixedLength(r: Reader, code: number, n: number): void {
  if (r.remaining !== n) throw malformed(code, `length ${r.remaining}, expected ${n}`);
}

function multipleOf(r: Reader, code: number, n: number, base = 0): number {
  const body = r.remaining - base;
  if (body < 0 || body % n !== 0) {
    throw malformed(code, `length ${r.remaining} is not ${base ? `${base} + ` : ''}a multiple of ${n}`);
  }
  return body / n;
}

const empty = <K extends 'route-refresh' | 'extended-message' | 'enhanced-route-refresh'>(
  code: number,
  kind: K,
): CapabilityDescriptor<K> => ({
  code,
  kind,
  name: kind,
  decode(r, c) {
    // RFC 2918 §2, RFC 8654 §3, RFC 7313 §3.1: the Capability Length is 0.
    fixedLength(r, c, 0);
    return { kind } as Of<K>;
  },
  length: () => 0,
  encode: () => undefined,
});

const multiprotocol: CapabilityDescriptor<'multiprotocol'> = {
  code: CapabilityCode.MULTIPROTOCOL,
  kind: 'multiprotocol',
  name: 'multiprotocol',
  decode(r, code) {
    // RFC 4760 §8: AFI (2 octets), Res. (1 octet, 0), SAFI (1 octet).
    fixedLength(r, code, 4);
    const afi = r.u16();
    r.u8();
    return { kind: 'multiprotocol', afi, safi: r.u8() };
  },
  length: () => 4,
  encode(w, c) {
    w.u16(c.afi);
    w.u8(0);
    w.u8(c.safi);
  },
};

const extendedNextHop: CapabilityDescriptor<'extended-next-hop'> = {
  code: CapabilityCode.EXTENDED_NEXT_HOP,
  kind: 'extended-next-hop',
  name: 'extended-next-hop',
  decode(r, code) {
    // RFC 8950 §3: triples of NLRI AFI (2), NLRI SAFI (2), Nexthop AFI (2).
    const n = multipleOf(r, code, 6);
    const entries: (FamilyRef & { nextHopAfi: number })[] = [];
    for (let i = 0; i < n; i++) entries.push({ afi: r.u16(), safi: r.u16(), nextHopAfi: r.u16() });
    return { kind: 'extended-next-hop', entries };
  },
  length: (c) => 6 * c.entries.length,
  encode(w, c) {
    for (const e of c.entries) {
      w.u16(e.afi);
      w.u16(e.safi);
      w.u16(e.nextHopAfi);
    }
  },
};

const role: CapabilityDescriptor<'role'> = {
  code: CapabilityCode.ROLE,
  kind: 'role',
  name: 'role',
  decode(r, code) {
    // RFC 9234 §4.1: Capability Length 1, the BGP Role value.
    fixedLength(r, code, 1);
    return { kind: 'role', role: r.u8() };
  },
  length: () => 1,
  encode(w, c) {
    w.u8(c.role);
  },
};

/** RFC 4724 §3 Restart Flags (high 4 bits of the first octet) and RFC 8538 §2 N bit. */
const GR_RESTART_STATE = 0x8000;
const GR_NOTIFICATION = 0x4000;
const GR_TIME_MASK = 0x0fff;
/** RFC 4724 §3 / RFC 9494 §3: the most significant bit of the per-family Flags is F. */
const FORWARDING_STATE = 0x80;

const gracefulRestart: CapabilityDescriptor<'graceful-restart'> = {
  code: CapabilityCode.GRACEFUL_RESTART,
  kind: 'graceful-restart',
  name: 'graceful-restart',
  decode(r, code) {
    // RFC 4724 §3: Restart Flags (4 bits), Restart Time in seconds (12 bits), then
    // <AFI (2), SAFI (1), Flags for Address Family (1)> repeated.
    const n = multipleOf(r, code, 4, 2);
    const head = r.u16();
    const families: (FamilyRef & { forwardingPreserved: boolean })[] = [];
    for (let i = 0; i < n; i++) {
      const afi = r.u16();
      const safi = r.u8();
      families.push({ afi, safi, forwardingPreserved: (r.u8() & FORWARDING_STATE) !== 0 });
    }
    return {
      kind: 'graceful-restart',
      restarting: (head & GR_RESTART_STATE) !== 0,
      notification: (head & GR_NOTIFICATION) !== 0,
      restartTime: head & GR_TIME_MASK,
      families,
    };
  },
  length: (c) => 2 + 4 * c.families.length,
  encode(w, c) {
    if (c.restartTime < 0 || c.restartTime > GR_TIME_MASK) {
      throw new RangeError(`graceful restart time ${c.restartTime} does not fit in 12 bits`);
    }
    w.u16((c.restarting ? GR_RESTART_STATE : 0) | (c.notification ? GR_NOTIFICATION : 0) | c.restartTime);
    for (const f of c.families) {
      w.u16(f.afi);
      w.u8(f.safi);
      w.u8(f.forwardingPreserved ? FORWARDING_STATE : 0);
    }
  },
};

const fourOctetAs: CapabilityDescriptor<'four-octet-as'> = {
  code: CapabilityCode.FOUR_OCTET_AS,
  kind: 'four-octet-as',
  name: 'four-octet-as',
  decode(r, code) {
    // RFC 6793 §3: "the Capability Length field of the Capability is set to 4".
    fixedLength(r, code, 4);
    return { kind: 'four-octet-as', asn: r.u32() };
  },
  length: () => 4,
  encode(w, c) {
    w.u32(c.asn);
  },
};

const addPath: CapabilityDescriptor<'add-path'> = {
  code: CapabilityCode.ADD_PATH,
  kind: 'add-path',
  name: 'add-path',
  decode(r, code) {
    // RFC 7911 §4: <AFI (2), SAFI (1), Send/Receive (1)> repeated. Values other than 1-3 are kept
    // here; negotiate.ts ignores them.
    const n = multipleOf(r, code, 4);
    const families: (FamilyRef & { sendReceive: number })[] = [];
    for (let i = 0; i < n; i++) families.push({ afi: r.u16(), safi: r.u8(), sendReceive: r.u8() });
    return { kind: 'add-path', families };
  },
  length: (c) => 4 * c.families.length,
  encode(w, c) {
    for (const f of c.families) {
      w.u16(f.afi);
      w.u8(f.safi);
      w.u8(f.sendReceive);
    }
  },
};

const MAX_STALE_TIME = 0xffffff;

const longLivedGracefulRestart: CapabilityDescriptor<'long-lived-graceful-restart'> = {
  code: CapabilityCode.LONG_LIVED_GRACEFUL_RESTART,
  kind: 'long-lived-graceful-restart',
  name: 'long-lived-graceful-restart',
  decode(r, code) {
    // RFC 9494 §3: <AFI (2), SAFI (1), Flags (1), Long-lived Stale Time (3)> repeated.
    const n = multipleOf(r, code, 7);
    const families: (FamilyRef & { forwardingPreserved: boolean; staleTime: number })[] = [];
    for (let i = 0; i < n; i++) {
      const afi = r.u16();
      const safi = r.u8();
      const flags = r.u8();
      const staleTime = (r.u8() << 16) | r.u16();
      families.push({ afi, safi, forwardingPreserved: (flags & FORWARDING_STATE) !== 0, staleTime });
    }
    return { kind: 'long-lived-graceful-restart', families };
  },
  length: (c) => 7 * c.families.length,
  encode(w, c) {
    for (const f of c.families) {
      if (f.staleTime < 0 || f.staleTime > MAX_STALE_TIME) {
        throw new RangeError(`long-lived stale time ${f.staleTime} does not fit in 24 bits`);
      }
      w.u16(f.afi);
      w.u8(f.safi);
      w.u8(f.forwardingPreserved ? FORWARDING_STATE : 0);
      w.u8(f.staleTime >>> 16);
      w.u16(f.staleTime & 0xffff);
    }
  },
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

const fqdn: CapabilityDescriptor<'fqdn'> = {
  code: CapabilityCode.FQDN,
  kind: 'fqdn',
  name: 'fqdn',
  decode(r, code) {
    // draft-walton-bgp-hostname-capability §3: Hostname Length (1), Hostname, Domain Name Length
    // (1), Domain Name. Some senders omit the domain part entirely; we accept that as "".
    const start = r.pos;
    const hostLength = r.u8();
    if (hostLength > r.remaining) throw malformed(code, `hostname length ${hostLength} exceeds the value`);
    const host = r.bytes(hostLength);
    let domain: Buffer = Buffer.alloc(0);
    if (!r.done) {
      const domainLength = r.u8();
      if (domainLength !== r.remaining) {
        throw malformed(code, `domain length ${domainLength}, ${r.remaining} octet(s) left`);
      }
      domain = r.rest();
    }
    try {
      return { kind: 'fqdn', hostname: utf8.decode(host), domain: utf8.decode(domain) };
    } catch {
      // Names that are not UTF-8 are kept as raw bytes, so they are passed on and shown unchanged.
      return unknown.decode(new Reader(r.buf, start, r.end, r.code, r.subcode, r.what), code);
    }
  },
  length: (c) => 2 + Buffer.byteLength(c.hostname, 'utf8') + Buffer.byteLength(c.domain, 'utf8'),
  encode(w, c) {
    const host = Buffer.from(c.hostname, 'utf8');
    const domain = Buffer.from(c.domain, 'utf8');
    w.u8(host.length);
    w.bytes(host);
    w.u8(domain.length);
    w.bytes(domain);
  },
};

const unknown: CapabilityDescriptor<'unknown'> = {
  code: -1,
  kind: 'unknown',
  name: 'unknown',
  decode: (r, code) => ({ kind: 'unknown', code, value: Uint8Array.from(r.rest()) }),
  length: (c) => c.value.length,
  encode(w, c) {
    w.bytes(c.value);
  },
};

/** The capability table: one descriptor per code we understand. */
export const CAPABILITIES: ReadonlyMap<number, CapabilityDescriptor> = new Map<number, CapabilityDescriptor>(
  (
    [
      multiprotocol,
      empty(CapabilityCode.ROUTE_REFRESH, 'route-refresh'),
      extendedNextHop,
      empty(CapabilityCode.EXTENDED_MESSAGE, 'extended-message'),
      role,
      gracefulRestart,
      fourOctetAs,
      addPath,
      empty(CapabilityCode.ENHANCED_ROUTE_REFRESH, 'enhanced-route-refresh'),
      longLivedGracefulRestart,
      fqdn,
      { ...empty(OLD_ROUTE_REFRESH_CODE, 'route-refresh'), code: OLD_ROUTE_REFRESH_CODE },
    ] as CapabilityDescriptor[]
  ).map((d) => [d.code, d]),
);

/** The descriptor used to encode a capability of this kind (route-refresh is written as code 2). */
const BY_KIND: ReadonlyMap<Kind, CapabilityDescriptor> = new Map<Kind, CapabilityDescriptor>([
  ...[...CAPABILITIES.values()]
    .filter((d) => d.code !== OLD_ROUTE_REFRESH_CODE)
    .map((d) => [d.kind, d] as const),
  ['unknown', unknown as CapabilityDescriptor],
]);

export function capabilityName(code: number): string {
  return CAPABILITY_NAMES[code] ?? `capability-${code}`;
}

/** The capability code a Capability is written with. */
export function capabilityCode(c: Capability): number {
  return c.kind === 'unknown' ? c.code : BY_KIND.get(c.kind)!.code;
}

function descriptorFor(c: Capability): CapabilityDescriptor {
  return BY_KIND.get(c.kind)!;
}

/** Octets one capability takes in an OPEN: code (1) + length (1) + value. */
export function capabilityLength(c: Capability): number {
  return 2 + descriptorFor(c).length(c as never);
}

/** Writes <code, length, value>. A value over 255 octets is our bug and throws a RangeError. */
export function encodeCapability(w: Writer, c: Capability): void {
  const d = descriptorFor(c);
  const valueLength = d.length(c as never);
  if (valueLength > 0xff)
    throw new RangeError(`capability ${c.kind} value of ${valueLength} octets exceeds 255`);
  w.u8(capabilityCode(c));
  w.u8(valueLength);
  const start = w.pos;
  d.encode(w, c as never);
  if (w.pos - start !== valueLength) {
    throw new Error(`capability ${c.kind}: length() said ${valueLength}, wrote ${w.pos - start}`);
  }
}

/** Decodes one capability from r (at its code octet); r's errors are OPEN Message Error / Unspecific. */
export function decodeCapability(r: Reader): Capability {
  const code = r.u8();
  const length = r.u8();
  if (length > r.remaining) {
    throw malformed(code, `length ${length} exceeds the ${r.remaining} octet(s) left in the parameter`);
  }
  const value = r.sub(length, `capability ${code}`, ErrorCode.OPEN_MESSAGE, UNSPECIFIC);
  const d = CAPABILITIES.get(code) ?? unknown;
  return d.decode(value, code);
}

/**
 * Decodes the value of a Capabilities Optional Parameter (RFC 5492 §4): "one or more triples
 * <Capability Code, Capability Length, Capability Value>".
 */
export function decodeCapabilities(value: Buffer, into: Capability[] = []): Capability[] {
  const r = new Reader(value, 0, value.length, ErrorCode.OPEN_MESSAGE, UNSPECIFIC, 'capabilities');
  while (!r.done) into.push(decodeCapability(r));
  return into;
}

/** The <code, length, value> bytes of one capability (for NOTIFICATION data, tests). */
export function capabilityBytes(c: Capability): Buffer {
  const w = new Writer(capabilityLength(c));
  encodeCapability(w, c);
  return w.result();
}

/** A short human form: "multiprotocol ipv4-unicast", "four-octet-as 4200000000". */
export function formatCapability(c: Capability): string {
  switch (c.kind) {
    case 'multiprotocol':
      return `multiprotocol ${familyName(c.afi, c.safi)}`;
    case 'four-octet-as':
      return `four-octet-as ${c.asn}`;
    case 'role':
      return `role ${c.role}`;
    case 'fqdn':
      return `fqdn ${c.hostname}${c.domain ? `.${c.domain}` : ''}`;
    case 'unknown':
      return capabilityName(c.code);
    default:
      return c.kind;
  }
}
