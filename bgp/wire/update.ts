// The UPDATE message (RFC 4271 §4.3): body bytes flow in and an UpdateMessage (PrefixLists and
// PathAttributes, with RFC 7606 faults recorded) flows out; the reverse for encoding. Also
// End-of-RIB (RFC 4724 §2) and the JSON form for `podbgp decode`.
import { decodeAttributes } from './attributes/decode.ts';
import { attributesLength, formatAttributes, writeAttributes } from './attributes/encode.ts';
import { mergeAs4 } from './as4.ts';
import { BgpError } from './errors.ts';
import { writeHeader, finishHeader } from './header.ts';
import { Afi, IPV4_UNICAST, Safi, familyName } from './iana/afi-safi.ts';
import { AttrType } from './iana/attribute-types.ts';
import { ErrorCode, UpdateSubcode } from './iana/error-codes.ts';
import {
  HEADER_LENGTH,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
} from './iana/message-types.ts';
import { decodePrefixes, emptyPrefixList, prefixesWireLength, writePrefixes } from './nlri.ts';
import { formatPrefixes } from './prefix-text.ts';
import type { CodecContext, FamilyRef, PathAttributes, UpdateMessage } from './types.ts';
import { Writer } from './writer.ts';

function malformedList(detail: string): BgpError {
  return new BgpError(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, detail);
}

/** The largest message this session may send or receive (RFC 8654 §4). */
export function maxMessageLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

/**
 * Decodes an UPDATE body (the bytes after the 19-octet header). Throws BgpError only when the
 * session must be reset; treat-as-withdraw and attribute-discard faults are returned in
 * `errors`, with `treatAsWithdraw` set when every announced prefix must be handled as withdrawn.
 */
export function decodeUpdate(body: Buffer, ctx: CodecContext): UpdateMessage {
  const end = body.length;
  if (end < 4) throw malformedList(`UPDATE body of ${end} octet(s) is shorter than 4`);
  const withdrawnLength = (body[0]! << 8) | body[1]!;
  const attrsLengthAt = 2 + withdrawnLength;
  // RFC 4271 §6.3: "If the Withdrawn Routes Length or Total Attribute Length is too large (i.e.,
  // if Withdrawn Routes Length + Total Attribute Length + 23 exceeds the message Length), then
  // the Error Subcode MUST be set to Malformed Attribute List." RFC 7606 §4 keeps this: without
  // these lengths the NLRI cannot be located, so treat-as-withdraw is impossible.
  if (attrsLengthAt + 2 > end)
    throw malformedList(`Withdrawn Routes Length ${withdrawnLength} overruns the message`);
  const attrsLength = (body[attrsLengthAt]! << 8) | body[attrsLengthAt + 1]!;
  const attrsStart = attrsLengthAt + 2;
  const attrsEnd = attrsStart + attrsLength;
  if (attrsEnd > end) throw malformedList(`Total Path Attribute Length ${attrsLength} overruns the message`);

  const addPath = ctx.addPathReceive.has(IPV4_UNICAST);
  const withdrawn = decodePrefixes(
    body,
    2,
    attrsLengthAt,
    Afi.IPV4,
    addPath,
    'Withdrawn Routes',
    'session-reset',
  );
  const nlri = decodePrefixes(body, attrsEnd, end, Afi.IPV4, addPath, 'NLRI', 'session-reset');
  if (attrsLength === 0 && nlri.count === 0) return { type: 'update', withdrawn, attrs: {}, nlri };
  const decoded =
    attrsLength === 0
      ? { attrs: {}, errors: [], treatAsWithdraw: false }
      : decodeAttributes(body, attrsStart, attrsEnd, ctx);
  const attrs: PathAttributes = decoded.attrs;
  const errors: BgpError[] = decoded.errors;
  let treatAsWithdraw = decoded.treatAsWithdraw;
  if (!ctx.fourOctetAs) mergeAs4(attrs);

  const reach = nlri.count > 0 || (attrs.mpReach !== undefined && attrs.mpReach.nlri.count > 0);
  if (reach && !treatAsWithdraw) {
    // RFC 7606 §3(d): "If any of the well-known mandatory attributes are not present in an UPDATE
    // message, then "treat-as-withdraw" MUST be used." With its note: "[RFC4760] reclassifies
    // NEXT_HOP as what is effectively discretionary": NEXT_HOP is required only when the IPv4
    // NLRI field is not empty.
    if (attrs.origin === undefined) errors.push(missing(AttrType.ORIGIN, 'ORIGIN'));
    if (attrs.asPath === undefined) errors.push(missing(AttrType.AS_PATH, 'AS_PATH'));
    if (nlri.count > 0 && attrs.nextHop === undefined) errors.push(missing(AttrType.NEXT_HOP, 'NEXT_HOP'));
    treatAsWithdraw = errors.some((e) => e.action === 'treat-as-withdraw');
  }
  if (errors.length === 0) return { type: 'update', withdrawn, attrs, nlri };
  return { type: 'update', withdrawn, attrs, nlri, treatAsWithdraw, errors };
}

function missing(typeCode: number, name: string): BgpError {
  // RFC 4271 §6.3: "the Data field MUST contain the Attribute Type Code of the missing,
  // well-known attribute."
  return new BgpError(
    ErrorCode.UPDATE_MESSAGE,
    UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE,
    `${name} missing`,
    Uint8Array.of(typeCode),
    'treat-as-withdraw',
  );
}

/**
 * Encodes a whole UPDATE message (header included). The message must fit the session's maximum
 * (4096, or 65535 with Extended Message); use packer.ts to split many prefixes into messages.
 */
export function encodeUpdate(msg: UpdateMessage, ctx: CodecContext): Buffer {
  const addPath = ctx.addPathSend.has(IPV4_UNICAST);
  const wl = prefixesWireLength(msg.withdrawn, 0, msg.withdrawn.count, addPath);
  const al = attributesLength(msg.attrs, ctx);
  const nl = prefixesWireLength(msg.nlri, 0, msg.nlri.count, addPath);
  const total = HEADER_LENGTH + 2 + wl + 2 + al + nl;
  if (total > maxMessageLength(ctx)) {
    throw new RangeError(`UPDATE of ${total} octets exceeds ${maxMessageLength(ctx)}; use the packer`);
  }
  const w = new Writer(total);
  const start = writeHeader(w, MessageType.UPDATE);
  w.u16(wl);
  w.pos = writePrefixes(w.buf, w.pos, msg.withdrawn, 0, msg.withdrawn.count, addPath);
  w.u16(al);
  writeAttributes(w, msg.attrs, ctx);
  w.pos = writePrefixes(w.buf, w.pos, msg.nlri, 0, msg.nlri.count, addPath);
  finishHeader(w, start);
  if (w.pos !== total) throw new Error(`encodeUpdate wrote ${w.pos} of ${total} octets`);
  return w.buf;
}

/** Whether attrs carries nothing but (optionally) `key`. */
function onlyKey(attrs: PathAttributes, key: keyof PathAttributes | null): boolean {
  for (const k in attrs) if (k !== key && attrs[k as keyof PathAttributes] !== undefined) return false;
  return true;
}

/**
 * RFC 4724 §2: "An UPDATE message with no reachable Network Layer Reachability Information (NLRI)
 * and empty withdrawn NLRI is specified as the End-of-RIB marker ... For the IPv4 unicast address
 * family, the End-of-RIB marker is an UPDATE message with the minimum length. For any other
 * address family, it is an UPDATE message that contains only the MP_UNREACH_NLRI attribute with
 * no withdrawn routes for that <AFI, SAFI>."
 */
export function isEndOfRib(msg: UpdateMessage): FamilyRef | null {
  if (msg.withdrawn.count !== 0 || msg.nlri.count !== 0) return null;
  const a = msg.attrs;
  if (onlyKey(a, null)) return { afi: Afi.IPV4, safi: Safi.UNICAST };
  if (a.mpUnreach !== undefined && a.mpUnreach.withdrawn.count === 0 && onlyKey(a, 'mpUnreach')) {
    return { afi: a.mpUnreach.afi, safi: a.mpUnreach.safi };
  }
  const other = a.mpOther;
  if (other !== undefined && other.length === 1 && onlyKey(a, 'mpOther')) {
    const raw = other[0]!;
    if (raw.typeCode === AttrType.MP_UNREACH_NLRI && raw.value.length === 3) {
      return { afi: (raw.value[0]! << 8) | raw.value[1]!, safi: raw.value[2]! };
    }
  }
  return null;
}

/** The End-of-RIB marker for a family (RFC 4724 §2), as a whole message. */
export function encodeEndOfRib(afi: number, safi: number, ctx: CodecContext): Buffer {
  const empty = emptyPrefixList(afi);
  if (afi === Afi.IPV4 && safi === Safi.UNICAST) {
    return encodeUpdate({ type: 'update', withdrawn: empty, attrs: {}, nlri: empty }, ctx);
  }
  // A family this codec does not parse is written as a raw MP_UNREACH_NLRI with no routes.
  const known = afi === Afi.IPV4 || afi === Afi.IPV6;
  const attrs: PathAttributes = known
    ? { mpUnreach: { afi, safi, withdrawn: empty } }
    : {
        mpOther: [
          { flags: 0x80, typeCode: AttrType.MP_UNREACH_NLRI, value: Uint8Array.of(afi >>> 8, afi, safi) },
        ],
      };
  return encodeUpdate({ type: 'update', withdrawn: emptyPrefixList(Afi.IPV4), attrs, nlri: empty }, ctx);
}

/** The JSON form `podbgp decode` prints for an UPDATE. */
export function updateToJson(msg: UpdateMessage): Record<string, unknown> {
  const eor = isEndOfRib(msg);
  const out: Record<string, unknown> = { type: 'update' };
  if (eor !== null) out['endOfRib'] = familyName(eor.afi, eor.safi);
  if (msg.withdrawn.count > 0) out['withdrawn'] = formatPrefixes(msg.withdrawn);
  const attributes = formatAttributes(msg.attrs);
  if (Object.keys(attributes).length > 0) out['attributes'] = attributes;
  if (msg.nlri.count > 0) out['nlri'] = formatPrefixes(msg.nlri);
  if (msg.treatAsWithdraw === true) out['treatAsWithdraw'] = true;
  if (msg.errors !== undefined && msg.errors.length > 0) {
    out['errors'] = msg.errors.map((e) => ({
      code: e.code,
      subcode: e.subcode,
      action: e.action,
      message: e.message,
      ...(e.data.length > 0 ? { data: Buffer.from(e.data).toString('hex') } : {}),
    }));
  }
  return out;
}
