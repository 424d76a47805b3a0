// The ROUTE-REFRESH message (RFC 2918 §3) with the RFC 7313 §3.2 Message Subtype (the octet RFC 2918
// called Reserved): 0 normal request, 1 Beginning of Route Refresh, 2 End of Route Refresh.
// In: a ROUTE-REFRESH body, or a RouteRefreshMessage. Out: a RouteRefreshMessage or the whole message.
import { BgpError, messageHeaderError } from './errors.ts';
import { finishHeader, HEADER_LENGTH, writeHeader } from './header.ts';
import { ErrorCode, MessageHeaderSubcode, RouteRefreshSubcode } from './iana/error-codes.ts';
import { MessageType } from './iana/message-types.ts';
import type { RouteRefreshMessage } from './types.ts';
import { Writer } from './writer.ts';

export const RouteRefreshSubtype = {
  NORMAL: 0, // RFC 2918
  BORR: 1, // RFC 7313 Beginning of Route Refresh
  EORR: 2, // RFC 7313 End of Route Refresh
} as const;

/** AFI (2) + Message Subtype (1) + SAFI (1). */
const BODY_LENGTH = 4;

/** The complete message as received, rebuilt from its body (for NOTIFICATION data). */
function wholeMessage(body: Buffer): Uint8Array {
  const length = HEADER_LENGTH + body.length;
  const out = new Uint8Array(length);
  out.fill(0xff, 0, 16);
  out[16] = length >>> 8;
  out[17] = length & 0xff;
  out[18] = MessageType.ROUTE_REFRESH;
  out.set(body, HEADER_LENGTH);
  return out;
}

/**
 * Decodes a ROUTE-REFRESH body. Subtypes other than 0, 1 and 2 are returned as they are; RFC 7313
 * §5: the receiver "MUST ignore the received ROUTE-REFRESH message", which is the session's job.
 * A subtype 0 message longer than 4 octets carries RFC 5291 ORF entries, which podbgp does not
 * negotiate; they are skipped.
 */
export function decodeRouteRefresh(body: Buffer): RouteRefreshMessage {
  if (body.length < BODY_LENGTH) {
    const length = HEADER_LENGTH + body.length;
    throw messageHeaderError(
      MessageHeaderSubcode.BAD_MESSAGE_LENGTH,
      `ROUTE-REFRESH of ${length} octets is shorter than 23`,
      Uint8Array.of(length >>> 8, length & 0xff),
    );
  }
  const afi = (body[0]! << 8) | body[1]!;
  const subtype = body[2]!;
  const safi = body[3]!;
  // RFC 7313 §5: "If the length, excluding the fixed-size message header, of the received
  // ROUTE-REFRESH message with Message Subtype 1 and 2 is not 4, then the BGP speaker MUST send a
  // NOTIFICATION message with the Error Code of 'ROUTE-REFRESH Message Error' and the subcode of
  // 'Invalid Message Length'. The Data field of the NOTIFICATION message MUST contain the complete
  // ROUTE-REFRESH message."
  if (
    (subtype === RouteRefreshSubtype.BORR || subtype === RouteRefreshSubtype.EORR) &&
    body.length !== BODY_LENGTH
  ) {
    throw new BgpError(
      ErrorCode.ROUTE_REFRESH,
      RouteRefreshSubcode.INVALID_MESSAGE_LENGTH,
      `subtype ${subtype} with ${body.length} octets after the header, expected ${BODY_LENGTH}`,
      wholeMessage(body),
    );
  }
  return { type: 'route-refresh', afi, safi, subtype };
}

/** The whole 23-octet ROUTE-REFRESH message. */
export function encodeRouteRefresh(msg: RouteRefreshMessage): Buffer {
  const w = new Writer(HEADER_LENGTH + BODY_LENGTH);
  const start = writeHeader(w, MessageType.ROUTE_REFRESH);
  w.u16(msg.afi);
  w.u8(msg.subtype);
  w.u8(msg.safi);
  finishHeader(w, start);
  return w.result();
}
