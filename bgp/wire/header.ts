// The 19-octet message header (RFC 4271 §4.1) and framing over a TCP byte stream: any number of
// messages per chunk, a message split at any byte. Header faults are Message Header Errors.
import { messageHeaderError } from './errors.ts';
import { MessageHeaderSubcode } from './iana/error-codes.ts';
import {
  HEADER_LENGTH,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
} from './iana/message-types.ts';
import type { Writer } from './writer.ts';

export { HEADER_LENGTH };

/** A framed message: its type and a view of its body (the bytes after the header). */
export interface Frame {
  readonly type: number;
  /** The whole message, header included (for logs, captures and NOTIFICATION data). */
  readonly message: Buffer;
  readonly body: Buffer;
}

/** RFC 4271 §4.2-4.5 minimum lengths of each message type, header included. */
const MIN_LENGTH: Readonly<Record<number, number>> = {
  [MessageType.OPEN]: 29,
  [MessageType.UPDATE]: 23,
  [MessageType.NOTIFICATION]: 21,
  [MessageType.KEEPALIVE]: 19,
  [MessageType.ROUTE_REFRESH]: 23,
};

/** Writes marker, a placeholder length and the type; returns the message start for finishHeader. */
export function writeHeader(w: Writer, type: number): number {
  const start = w.pos;
  w.fill(0xff, 16);
  w.u16(0);
  w.u8(type);
  return start;
}

/** Fills in the length field of the message that starts at `start`. */
export function finishHeader(w: Writer, start: number): void {
  const len = w.pos - start;
  w.buf[start + 16] = len >>> 8;
  w.buf[start + 17] = len & 0xff;
}

/**
 * Checks one header at buf[pos..]; returns the message length. Throws a Message Header Error with
 * the RFC's data: "Bad Message Length" carries the erroneous Length field, "Bad Message Type" the
 * Type field (RFC 4271 §6.1).
 */
export function checkHeader(buf: Buffer, pos: number, maxLength: number): number {
  for (let i = 0; i < 16; i++) {
    // RFC 4271 §6.1: "If at least one of the following is true: - if the Marker field of the
    // message header is not all ones ... the Error Subcode MUST be set to Connection Not Synchronized."
    if (buf[pos + i] !== 0xff) {
      throw messageHeaderError(MessageHeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, 'marker is not all ones');
    }
  }
  const length = (buf[pos + 16]! << 8) | buf[pos + 17]!;
  const type = buf[pos + 18]!;
  const lengthField = buf.subarray(pos + 16, pos + 18);
  const min = MIN_LENGTH[type];
  if (min === undefined) {
    throw messageHeaderError(
      MessageHeaderSubcode.BAD_MESSAGE_TYPE,
      `unknown message type ${type}`,
      Uint8Array.of(type),
    );
  }
  // RFC 8654 §4: OPEN and KEEPALIVE are never longer than 4096 even with Extended Message.
  const max = type === MessageType.OPEN || type === MessageType.KEEPALIVE ? MAX_MESSAGE_LENGTH : maxLength;
  if (length < min || length > max || (type === MessageType.KEEPALIVE && length !== HEADER_LENGTH)) {
    throw messageHeaderError(
      MessageHeaderSubcode.BAD_MESSAGE_LENGTH,
      `length ${length} is not valid for message type ${type} (min ${min}, max ${max})`,
      Uint8Array.from(lengthField),
    );
  }
  return length;
}

/**
 * Splits a byte stream into messages. push() chunks as they arrive; next() returns the next
 * complete message or null. Partial data is kept, so memory is bounded by one message.
 */
export class Framer {
  private pending: Buffer = Buffer.alloc(0);
  private offset = 0;
  /** 4096, or 65535 once RFC 8654 Extended Message is negotiated. */
  maxLength: number;

  constructor(maxLength: number = MAX_MESSAGE_LENGTH) {
    this.maxLength = maxLength;
  }

  push(chunk: Buffer): void {
    if (this.offset >= this.pending.length) {
      this.pending = chunk;
    } else {
      this.pending = Buffer.concat([this.pending.subarray(this.offset), chunk]);
    }
    this.offset = 0;
  }

  /** Bytes received but not yet returned as a message. */
  get buffered(): number {
    return this.pending.length - this.offset;
  }

  next(): Frame | null {
    const avail = this.pending.length - this.offset;
    if (avail < HEADER_LENGTH) return null;
    const length = checkHeader(this.pending, this.offset, this.maxLength);
    if (avail < length) return null;
    const message = this.pending.subarray(this.offset, this.offset + length);
    this.offset += length;
    return { type: message[18]!, message, body: message.subarray(HEADER_LENGTH) };
  }
}

export function isExtendedLength(maxLength: number): boolean {
  return maxLength === MAX_EXTENDED_MESSAGE_LENGTH;
}
