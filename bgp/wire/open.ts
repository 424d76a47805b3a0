// The OPEN message (RFC 4271 §4.2) with Capabilities Optional Parameters (RFC 5492) and the RFC 9072
// extended optional parameters length. In: an OPEN body (the bytes after the 19-octet header), or
// an OpenMessage to write. Out: an OpenMessage, or the whole message with its header.
// This file checks only the shape of the bytes; policy (peer AS, hold time, identifier) depends on
// configuration and lives in bgp/negotiate.ts.
import { capabilityLength, decodeCapabilities, encodeCapability } from './capabilities.ts';
import { messageHeaderError, openMessageError } from './errors.ts';
import { finishHeader, HEADER_LENGTH, writeHeader } from './header.ts';
import { OptionalParameterType } from './iana/capability-codes.ts';
import { ErrorCode, MessageHeaderSubcode, OpenSubcode } from './iana/error-codes.ts';
import { MAX_MESSAGE_LENGTH, MessageType } from './iana/message-types.ts';
import { Reader } from './reader.ts';
import type { Capability, OpenMessage } from './types.ts';
import { Writer } from './writer.ts';

/** The only BGP version podbgp speaks (RFC 4271 §4.2). */
export const BGP_VERSION = 4;

/** Version (1) + My AS (2) + Hold Time (2) + BGP Identifier (4) + Opt Parm Len (1). */
const FIXED_BODY_LENGTH = 10;
/** OPEN Message Error subcode 0, RFC 4271 §6.2: an optional parameter "recognized, but malformed". */
const UNSPECIFIC = 0;
/** The most octets of capabilities one non-extended parameter can carry with Opt Parm Len <= 255. */
const MAX_NON_EXTENDED_CAPABILITIES = 255 - 2;

/**
 * The data of an Unsupported Version Number NOTIFICATION. RFC 4271 §6.2: "The Data field is a
 * 2-octet unsigned integer, which indicates the largest, locally-supported version number less
 * than the version the remote BGP peer bid ..., or if the smallest, locally-supported version
 * number is greater than the version the remote BGP peer bid, then the smallest, locally-supported
 * version number." We support only 4, so it is always 4.
 */
export function unsupportedVersionError(version: number): Error {
  return openMessageError(
    OpenSubcode.UNSUPPORTED_VERSION_NUMBER,
    `version ${version}, only ${BGP_VERSION} is supported`,
    Uint8Array.of(0, BGP_VERSION),
  );
}

export function decodeOpen(body: Buffer): OpenMessage {
  if (body.length < FIXED_BODY_LENGTH) {
    const length = HEADER_LENGTH + body.length;
    throw messageHeaderError(
      MessageHeaderSubcode.BAD_MESSAGE_LENGTH,
      `OPEN of ${length} octets is shorter than 29`,
      Uint8Array.of(length >>> 8, length & 0xff),
    );
  }
  const r = new Reader(body, 0, body.length, ErrorCode.OPEN_MESSAGE, UNSPECIFIC, 'OPEN');
  const version = r.u8();
  // The layout after the Version field is only known for version 4, so this check cannot wait
  // for negotiation.
  if (version !== BGP_VERSION) throw unsupportedVersionError(version);
  const myAs = r.u16();
  const holdTime = r.u16();
  const bgpId = r.u32();
  const nonExtLength = r.u8();
  const capabilities: Capability[] = [];
  // RFC 9072 §2 (paraphrased): a non-zero Non-Ext OP Len followed by a Non-Ext OP Type of 255 means
  // the extended format: a two-octet Extended Opt. Parm. Length, and two-octet parameter lengths.
  const extended =
    nonExtLength !== 0 && r.remaining > 0 && body[r.pos] === OptionalParameterType.EXTENDED_LENGTH;
  let params: Reader;
  if (extended) {
    r.u8();
    params = r.sub(r.u16(), 'OPEN optional parameters');
  } else {
    params = r.sub(nonExtLength, 'OPEN optional parameters');
  }
  if (!r.done) {
    throw r.fail(`${r.remaining} octet(s) after the optional parameters`);
  }
  while (!params.done) {
    const type = params.u8();
    const length = extended ? params.u16() : params.u8();
    const value = params.bytes(length);
    // RFC 4271 §6.2: "If one of the Optional Parameters in the OPEN message is not recognized,
    // then the Error Subcode MUST be set to Unsupported Optional Parameters." RFC 5492 leaves
    // Capabilities (2) as the only parameter in use; Authentication (1) is deprecated.
    if (type !== OptionalParameterType.CAPABILITIES) {
      throw openMessageError(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, `optional parameter type ${type}`);
    }
    decodeCapabilities(value, capabilities);
  }
  return {
    type: 'open',
    version,
    myAs,
    holdTime,
    bgpId,
    capabilities,
    extendedOptionalParameters: extended,
  };
}

function capabilitiesLength(caps: readonly Capability[]): number {
  let n = 0;
  for (const c of caps) n += capabilityLength(c);
  return n;
}

/** Whether encodeOpen will use the RFC 9072 form: the parameters do not fit in 255 octets, or asked. */
function usesExtendedForm(msg: OpenMessage, capsLength: number): boolean {
  if (msg.capabilities.length === 0) return false;
  return capsLength > MAX_NON_EXTENDED_CAPABILITIES || msg.extendedOptionalParameters === true;
}

/** Octets of the whole OPEN message, header included. */
export function openLength(msg: OpenMessage): number {
  const caps = capabilitiesLength(msg.capabilities);
  if (msg.capabilities.length === 0) return HEADER_LENGTH + FIXED_BODY_LENGTH;
  // Extended: Non-Ext OP Type (1) + Extended Opt. Parm. Length (2) + Parm. Type (1) + Parm. Length (2).
  const params = usesExtendedForm(msg, caps) ? 1 + 2 + 3 + caps : 2 + caps;
  return HEADER_LENGTH + FIXED_BODY_LENGTH + params;
}

/**
 * The whole OPEN message. All capabilities go in one Capabilities parameter; RFC 9072's extended
 * form is used only when that parameter would not fit the one-octet lengths (or when
 * msg.extendedOptionalParameters is true).
 */
export function encodeOpen(msg: OpenMessage): Buffer {
  const length = openLength(msg);
  if (length > MAX_MESSAGE_LENGTH)
    throw new RangeError(`OPEN of ${length} octets exceeds ${MAX_MESSAGE_LENGTH}`);
  const caps = capabilitiesLength(msg.capabilities);
  const w = new Writer(length);
  const start = writeHeader(w, MessageType.OPEN);
  w.u8(msg.version);
  w.u16(msg.myAs);
  w.u16(msg.holdTime);
  w.u32(msg.bgpId);
  if (msg.capabilities.length === 0) {
    w.u8(0);
  } else if (usesExtendedForm(msg, caps)) {
    // RFC 9072 §2 (paraphrased): the sender sets both Non-Ext OP Len and Non-Ext OP Type to 255.
    w.u8(255);
    w.u8(OptionalParameterType.EXTENDED_LENGTH);
    const extLength = w.reserveU16();
    w.u8(OptionalParameterType.CAPABILITIES);
    const paramLength = w.reserveU16();
    for (const c of msg.capabilities) encodeCapability(w, c);
    w.fillU16(paramLength);
    w.fillU16(extLength);
  } else {
    const optLength = w.reserveU8();
    w.u8(OptionalParameterType.CAPABILITIES);
    const paramLength = w.reserveU8();
    for (const c of msg.capabilities) encodeCapability(w, c);
    w.fillU8(paramLength);
    w.fillU8(optLength);
  }
  finishHeader(w, start);
  if (w.pos !== length) throw new Error(`OPEN: openLength said ${length}, wrote ${w.pos}`);
  return w.result();
}
