// The KEEPALIVE message (RFC 4271 §4.4): the 19-octet header and nothing else.
// In: a KEEPALIVE body (must be empty). Out: a KeepaliveMessage, or the 19 bytes to send.
import { messageHeaderError } from './errors.ts';
import { HEADER_LENGTH } from './header.ts';
import { MessageHeaderSubcode } from './iana/error-codes.ts';
import { MessageType } from './iana/message-types.ts';
import type { KeepaliveMessage } from './types.ts';

const KEEPALIVE: KeepaliveMessage = Object.freeze({ type: 'keepalive' });

/** RFC 4271 §4.4: "A KEEPALIVE message consists of only the message header and has a length of 19 octets." */
export function decodeKeepalive(body: Buffer): KeepaliveMessage {
  if (body.length !== 0) {
    const length = HEADER_LENGTH + body.length;
    // RFC 4271 §6.1: a KEEPALIVE of another length is Bad Message Length with the Length field as Data.
    throw messageHeaderError(
      MessageHeaderSubcode.BAD_MESSAGE_LENGTH,
      `KEEPALIVE of ${length} octets, expected ${HEADER_LENGTH}`,
      Uint8Array.of(length >>> 8, length & 0xff),
    );
  }
  return KEEPALIVE;
}

/** A fresh 19-octet KEEPALIVE (callers may hand it to a socket that keeps a reference). */
export function encodeKeepalive(): Buffer {
  const b = Buffer.alloc(HEADER_LENGTH, 0xff);
  b[16] = 0;
  b[17] = HEADER_LENGTH;
  b[18] = MessageType.KEEPALIVE;
  return b;
}
