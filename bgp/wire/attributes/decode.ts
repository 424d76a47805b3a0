// The decode loop over the attribute table: bytes of the Path Attributes field flow in, a
// PathAttributes object and the RFC 7606 faults flow out. Flag, length and duplicate checks are
// done here, once, for every attribute; descriptors only read their values. Throws BgpError only
// for faults whose action is session reset (or AFI/SAFI disable, which podbgp treats the same).
import { BgpError, type ErrorAction } from '../errors.ts';
import { AttrFlag, AttrType } from '../iana/attribute-types.ts';
import { ErrorCode, UpdateSubcode } from '../iana/error-codes.ts';
import { Reader } from '../reader.ts';
import type { CodecContext, PathAttributes, RawAttribute } from '../types.ts';
import { ATTRIBUTE_TABLE } from './table.ts';

export interface DecodedAttributes {
  readonly attrs: PathAttributes;
  readonly errors: BgpError[];
  readonly treatAsWithdraw: boolean;
}

/** Duplicate detection without a per-message allocation: seen[code] === generation. */
const seen = new Uint32Array(256);
let generation = 0;

function resets(action: ErrorAction): boolean {
  return action === 'session-reset' || action === 'afi-safi-disable';
}

function fault(subcode: number, detail: string, data: Uint8Array | undefined, action: ErrorAction): BgpError {
  return new BgpError(ErrorCode.UPDATE_MESSAGE, subcode, detail, data, action);
}

export function decodeAttributes(
  buf: Buffer,
  start: number,
  end: number,
  ctx: CodecContext,
): DecodedAttributes {
  const attrs: PathAttributes = {};
  const errors: BgpError[] = [];
  let treatAsWithdraw = false;
  const record = (e: BgpError): void => {
    if (resets(e.action)) throw e;
    errors.push(e);
    if (e.action === 'treat-as-withdraw') treatAsWithdraw = true;
  };
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    seen.fill(0);
    generation = 1;
  }
  const gen = generation;
  let unknown: RawAttribute[] | undefined;

  let p = start;
  while (p < end) {
    const flags = buf[p]!;
    const headerLength = flags & AttrFlag.EXTENDED_LENGTH ? 4 : 3;
    // RFC 7606 §4: "In the second case, fewer than three octets remain (or fewer than four
    // octets, if the Attribute Flags field has the Extended Length bit set) when beginning to
    // parse the attribute ... In either of these cases, an error condition exists and the
    // "treat-as-withdraw" approach MUST be used ... and the Total Attribute Length MUST be relied
    // upon to enable the beginning of the NLRI field to be located."
    if (end - p < headerLength) {
      record(
        fault(
          UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
          `${end - p} octet(s) left, too few for an attribute header`,
          undefined,
          'treat-as-withdraw',
        ),
      );
      break;
    }
    const typeCode = buf[p + 1]!;
    const length = headerLength === 4 ? (buf[p + 2]! << 8) | buf[p + 3]! : buf[p + 2]!;
    const valueStart = p + headerLength;
    const valueEnd = valueStart + length;
    // RFC 7606 §4, first case: "the length of the last encountered path attribute would cause
    // the Total Attribute Length to be exceeded when parsing the enclosed path attributes."
    if (valueEnd > end) {
      record(
        fault(
          UpdateSubcode.ATTRIBUTE_LENGTH_ERROR,
          `attribute type ${typeCode} of length ${length} overruns the path attributes by ${valueEnd - end}`,
          undefined,
          'treat-as-withdraw',
        ),
      );
      break;
    }
    const attrStart = p;
    p = valueEnd;
    const whole = () => new Uint8Array(buf.subarray(attrStart, valueEnd));
    const desc = ATTRIBUTE_TABLE[typeCode];

    // RFC 7606 §3(g): "If the MP_REACH_NLRI attribute or the MP_UNREACH_NLRI [RFC4760] attribute
    // appears more than once in the UPDATE message, then a NOTIFICATION message MUST be sent with
    // the Error Subcode "Malformed Attribute List". If any other attribute (whether recognized or
    // unrecognized) appears more than once in an UPDATE message, then all the occurrences of the
    // attribute other than the first one SHALL be discarded and the UPDATE message will continue
    // to be processed."
    if (seen[typeCode] === gen) {
      if (typeCode === AttrType.MP_REACH_NLRI || typeCode === AttrType.MP_UNREACH_NLRI) {
        throw fault(
          UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
          `${desc!.name} appears more than once`,
          undefined,
          'session-reset',
        );
      }
      record(
        fault(
          UpdateSubcode.MALFORMED_ATTRIBUTE_LIST,
          `duplicate ${desc?.name ?? `attribute type ${typeCode}`} discarded`,
          undefined,
          'attribute-discard',
        ),
      );
      continue;
    }
    seen[typeCode] = gen;

    if (desc === undefined) {
      // RFC 4271 §6.3: "If any of the well-known mandatory attributes are not recognized, then
      // the Error Subcode MUST be set to Unrecognized Well-known Attribute. The Data field MUST
      // contain the unrecognized attribute (type, length, and value)." (not revised by RFC 7606)
      if ((flags & AttrFlag.OPTIONAL) === 0) {
        throw fault(
          UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE,
          `unrecognized well-known attribute type ${typeCode}`,
          whole(),
          'session-reset',
        );
      }
      // RFC 4271 §9: unrecognized optional transitive attributes are passed on (the Partial bit
      // is set when they are sent, see encode.ts); unrecognized non-transitive ones are ignored.
      if (flags & AttrFlag.TRANSITIVE) {
        (unknown ??= []).push({ flags, typeCode, value: new Uint8Array(buf.subarray(valueStart, valueEnd)) });
      }
      continue;
    }
    if (desc.ignored !== undefined && desc.ignored(ctx)) continue;

    if ((flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== desc.flags) {
      record(
        fault(
          UpdateSubcode.ATTRIBUTE_FLAGS_ERROR,
          `${desc.name} flags 0x${flags.toString(16)}, expected optional/transitive 0x${desc.flags.toString(16)}`,
          whole(),
          desc.flagsAction,
        ),
      );
      if (desc.decodeDespiteFlags !== true) continue;
    }
    if (!desc.validLength(length, ctx)) {
      record(
        fault(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `${desc.name} length ${length}`, whole(), desc.action),
      );
      continue;
    }
    const r = new Reader(
      buf,
      valueStart,
      valueEnd,
      ErrorCode.UPDATE_MESSAGE,
      desc.subcode,
      desc.name,
      desc.action,
    );
    try {
      desc.decode(r, attrs, ctx);
      if (!r.done) throw r.fail(`${r.remaining} octet(s) left over`);
    } catch (e) {
      if (!(e instanceof BgpError)) throw e;
      record(new BgpError(e.code, e.subcode, e.detail, e.data.length > 0 ? e.data : whole(), e.action));
    }
  }
  if (unknown !== undefined) attrs.unknown = unknown;
  return { attrs, errors, treatAsWithdraw };
}
