// `podbgp decode`: BGP messages from hex (arguments, or `-` for lines on stdin) to JSON, one
// message per line. For operators reading captures: it accepts hex as tshark, tcpdump -X,
// Wireshark "copy as hex" and our logs print it (spaces, colons, 0x prefixes), several messages
// per input, and says for a malformed message which NOTIFICATION podbgp would send.
import { createInterface } from 'node:readline';
import { isBgpError, type BgpError } from '../../bgp/wire/errors.ts';
import { Framer, type Frame } from '../../bgp/wire/header.ts';
import { familyName, IPV4_UNICAST, IPV6_UNICAST } from '../../bgp/wire/iana/afi-safi.ts';
import { notificationName } from '../../bgp/wire/iana/error-codes.ts';
import {
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
} from '../../bgp/wire/iana/message-types.ts';
import { decodeKeepalive } from '../../bgp/wire/keepalive.ts';
import { describeNotification, decodeNotification } from '../../bgp/wire/notification.ts';
import { decodeOpen } from '../../bgp/wire/open.ts';
import { formatIpv4 } from '../../bgp/wire/prefix-text.ts';
import { decodeRouteRefresh } from '../../bgp/wire/route-refresh.ts';
import type { CodecContext, OpenMessage } from '../../bgp/wire/types.ts';
import { decodeUpdate, updateToJson } from '../../bgp/wire/update.ts';
import { formatCapability } from '../../bgp/wire/capabilities.ts';
import { CliError, ExitCode, type Command } from '../cli.ts';

/** Hex text to bytes: whitespace, ':' and '0x' prefixes are ignored; anything else is an error. */
export function parseHex(text: string): Buffer {
  const clean = text.replace(/0x/gi, '').replace(/[\s:.-]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(clean)) {
    const bad = /[^0-9a-fA-F]/.exec(clean)![0];
    throw new CliError(`not hex: unexpected ${JSON.stringify(bad)}`, ExitCode.USAGE);
  }
  if (clean.length % 2 !== 0)
    throw new CliError(`not hex: odd number of digits (${clean.length})`, ExitCode.USAGE);
  return Buffer.from(clean, 'hex');
}

const ADD_PATH_FAMILIES: Record<string, number> = { ipv4: IPV4_UNICAST, ipv6: IPV6_UNICAST };

export function contextFromFlags(values: Record<string, unknown>): CodecContext {
  const addPath = new Set<number>();
  const spec = values['add-path'];
  if (spec !== undefined) {
    const names = spec === true || spec === '' ? ['ipv4', 'ipv6'] : String(spec).split(',');
    for (const n of names) {
      const key = ADD_PATH_FAMILIES[n.trim()];
      if (key === undefined)
        throw new CliError(
          `--add-path: expected ipv4, ipv6 or both, got ${JSON.stringify(n)}`,
          ExitCode.USAGE,
        );
      addPath.add(key);
    }
  }
  return {
    fourOctetAs: values['two-byte-as'] !== true,
    addPathReceive: addPath,
    addPathSend: addPath,
    extendedMessage: values['extended-message'] === true,
    ibgp: values.ibgp === true,
  };
}

function errorJson(e: BgpError): Record<string, unknown> {
  return {
    notification: {
      code: e.code,
      subcode: e.subcode,
      name: notificationName(e.code, e.subcode),
      ...(e.data.length > 0 ? { data: Buffer.from(e.data).toString('hex') } : {}),
    },
    action: e.action,
    reason: e.detail,
  };
}

function openJson(m: OpenMessage): Record<string, unknown> {
  return {
    type: 'open',
    version: m.version,
    myAs: m.myAs,
    holdTime: m.holdTime,
    bgpId: formatIpv4(m.bgpId),
    capabilities: m.capabilities.map((c) => ({ ...plain(c), text: formatCapability(c) })),
    ...(m.extendedOptionalParameters ? { extendedOptionalParameters: true } : {}),
  };
}

/** Objects for JSON: byte arrays as hex, family numbers named. */
function plain(v: unknown): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(v, (_k, x) =>
      x instanceof Uint8Array || (x && x.type === 'Buffer') ? Buffer.from(x.data ?? x).toString('hex') : x,
    ),
  ) as Record<string, unknown>;
}

/** One framed message to its JSON form; a peer's mistake becomes the NOTIFICATION we would send. */
export function decodeFrame(frame: Frame, ctx: CodecContext): Record<string, unknown> {
  try {
    switch (frame.type) {
      case MessageType.OPEN:
        return openJson(decodeOpen(frame.body));
      case MessageType.UPDATE:
        return updateToJson(decodeUpdate(frame.body, ctx));
      case MessageType.NOTIFICATION: {
        const n = decodeNotification(frame.body);
        return {
          type: 'notification',
          code: n.code,
          subcode: n.subcode,
          name: notificationName(n.code, n.subcode),
          text: describeNotification(n),
          ...(n.shutdownCommunication !== undefined
            ? { shutdownCommunication: n.shutdownCommunication }
            : {}),
          ...(n.data.length > 0 ? { data: Buffer.from(n.data).toString('hex') } : {}),
        };
      }
      case MessageType.KEEPALIVE:
        decodeKeepalive(frame.body);
        return { type: 'keepalive' };
      case MessageType.ROUTE_REFRESH: {
        const r = decodeRouteRefresh(frame.body);
        const subtype = ['normal', 'BoRR', 'EoRR'][r.subtype] ?? `subtype ${r.subtype}`;
        return { type: 'route-refresh', family: familyName(r.afi, r.safi), subtype };
      }
      default:
        throw new Error(`framer passed an unknown type ${frame.type}`);
    }
  } catch (e) {
    if (!isBgpError(e)) throw e;
    const names: Record<number, string> = {
      1: 'open',
      2: 'update',
      3: 'notification',
      4: 'keepalive',
      5: 'route-refresh',
    };
    return { type: names[frame.type], length: frame.message.length, error: errorJson(e) };
  }
}

/** Every message in one input; framing errors end that input with the NOTIFICATION we'd send. */
export function decodeStream(bytes: Buffer, ctx: CodecContext): Record<string, unknown>[] {
  const framer = new Framer(ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH);
  framer.push(bytes);
  const out: Record<string, unknown>[] = [];
  for (;;) {
    let frame: Frame | null;
    try {
      frame = framer.next();
    } catch (e) {
      if (!isBgpError(e)) throw e;
      out.push({ type: 'header', error: errorJson(e) });
      return out;
    }
    if (frame === null) break;
    out.push(decodeFrame(frame, ctx));
  }
  if (framer.buffered > 0) {
    out.push({
      type: 'truncated',
      error: { reason: `${framer.buffered} byte(s) left over: not a whole message` },
    });
  }
  return out;
}

export const decodeCommand: Command = {
  name: 'decode',
  summary: 'Decode BGP messages from hex into JSON, one message per line',
  usage: 'HEX... | - [--add-path[=ipv4,ipv6]] [--two-byte-as] [--extended-message] [--ibgp] [--pretty]',
  help: `
Each HEX argument (or each line of standard input with '-') holds one or more whole BGP
messages, marker included. Spaces, colons and 0x prefixes are ignored, so hex copied from
tshark, Wireshark or tcpdump -X works as it is. Each message prints as one JSON line: its type;
for UPDATE the withdrawn prefixes, each path attribute by name and the NLRI (ADD-PATH path ids
as PREFIX#ID); for OPEN the capabilities; for a malformed message the NOTIFICATION (or RFC 7606
action) podbgp would answer with. Exit status 1 if any message was malformed.

The session context changes how UPDATEs decode:
  --add-path[=ipv4,ipv6]   NLRI carry RFC 7911 path identifiers (default: both families)
  --two-byte-as            the session did not negotiate 4-octet AS (RFC 6793)
  --extended-message       RFC 8654 messages up to 65535 octets
  --ibgp                   internal peer (LOCAL_PREF is kept)
  --pretty                 indent the JSON

examples:
  podbgp decode ffffffffffffffffffffffffffffffff001304
  tshark -r bgp.pcap -Y bgp -T fields -e tcp.payload | podbgp decode -`,
  // `--add-path` alone means both families; parseArgs has no optional values, so say it here.
  preprocess: (argv) => argv.map((a) => (a === '--add-path' ? '--add-path=ipv4,ipv6' : a)),
  options: {
    'add-path': { type: 'string' },
    'two-byte-as': { type: 'boolean' },
    'extended-message': { type: 'boolean' },
    ibgp: { type: 'boolean' },
    pretty: { type: 'boolean' },
  },
  async run(positionals, values, io) {
    if (positionals.length === 0) throw new CliError('usage: podbgp decode HEX... | -', ExitCode.USAGE);
    const ctx = contextFromFlags(values);
    const indent = values.pretty === true ? 2 : undefined;
    let malformed = false;
    const emit = (hex: string) => {
      for (const m of decodeStream(parseHex(hex), ctx)) {
        if (m.error !== undefined || m.errors !== undefined) malformed = true;
        io.stdout.write(JSON.stringify(m, null, indent) + '\n');
      }
    };
    for (const arg of positionals) {
      if (arg !== '-') {
        emit(arg);
        continue;
      }
      for await (const line of createInterface({ input: io.stdin })) {
        if (line.trim() !== '') emit(line);
      }
    }
    return malformed ? ExitCode.FAILURE : ExitCode.OK;
  },
};
