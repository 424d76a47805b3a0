// The NOTIFICATION message (RFC 4271 §4.5) with the RFC 8203/9003 Shutdown Communication, the one
// function that turns a BgpError into a NOTIFICATION, and describeNotification for logs and the CLI.
// In: a NOTIFICATION body, a NotificationMessage, or a BgpError. Out: a NotificationMessage, the
// whole message bytes, or one line of text. Interpreting Data never throws: a peer's odd Data is
// shown as hex.
import { decodeCapabilities, formatCapability } from './capabilities.ts';
import { type BgpError, messageHeaderError } from './errors.ts';
import { finishHeader, HEADER_LENGTH, writeHeader } from './header.ts';
import { familyName } from './iana/afi-safi.ts';
import {
  CeaseSubcode,
  ErrorCode,
  MessageHeaderSubcode,
  notificationName,
  OpenSubcode,
} from './iana/error-codes.ts';
import { MAX_MESSAGE_LENGTH, MESSAGE_TYPE_NAMES, MessageType } from './iana/message-types.ts';
import type { NotificationMessage } from './types.ts';
import { Writer } from './writer.ts';

/** RFC 9003 §2 (paraphrased): the Shutdown Communication is at most 255 octets, after a one-octet Length. */
export const MAX_SHUTDOWN_COMMUNICATION = 255;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function carriesShutdownCommunication(code: number, subcode: number): boolean {
  return (
    code === ErrorCode.CEASE &&
    (subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN || subcode === CeaseSubcode.ADMINISTRATIVE_RESET)
  );
}

/**
 * RFC 9003 §2 Shutdown Communication: Length (1 octet) then that many octets of UTF-8. Returns
 * undefined when absent (Length 0, no data) or unusable. RFC 8203/9003 (paraphrased): an invalid
 * Length or invalid UTF-8 is logged, not an error; the raw Data is kept for that.
 */
export function decodeShutdownCommunication(data: Uint8Array): string | undefined {
  if (data.length === 0) return undefined;
  const length = data[0]!;
  if (length === 0 || 1 + length > data.length) return undefined;
  try {
    return utf8.decode(data.subarray(1, 1 + length));
  } catch {
    return undefined;
  }
}

export function decodeNotification(body: Buffer): NotificationMessage {
  if (body.length < 2) {
    const length = HEADER_LENGTH + body.length;
    throw messageHeaderError(
      MessageHeaderSubcode.BAD_MESSAGE_LENGTH,
      `NOTIFICATION of ${length} octets is shorter than 21`,
      Uint8Array.of(length >>> 8, length & 0xff),
    );
  }
  const code = body[0]!;
  const subcode = body[1]!;
  const data = Uint8Array.from(body.subarray(2));
  const base = { type: 'notification', code, subcode, data } as const;
  if (!carriesShutdownCommunication(code, subcode)) return base;
  const text = decodeShutdownCommunication(data);
  return text === undefined ? base : { ...base, shutdownCommunication: text };
}

/**
 * RFC 9003 §2 data for an operator's text: Length octet + UTF-8. Text longer than 255 octets is
 * cut on a character boundary (the Length must not exceed 255; the message must still go out).
 */
export function encodeShutdownCommunication(text: string): Uint8Array {
  let bytes: Uint8Array = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_SHUTDOWN_COMMUNICATION) {
    let end = MAX_SHUTDOWN_COMMUNICATION;
    while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // do not split a UTF-8 sequence
    bytes = bytes.subarray(0, end);
  }
  if (bytes.length === 0) return new Uint8Array(0);
  const out = new Uint8Array(1 + bytes.length);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

/** The Data to send: msg.data, or the Shutdown Communication built from its text when data is empty. */
function dataToSend(msg: NotificationMessage): Uint8Array {
  if (msg.data.length > 0 || msg.shutdownCommunication === undefined) return msg.data;
  return encodeShutdownCommunication(msg.shutdownCommunication);
}

/**
 * The whole NOTIFICATION message. Data that would make the message longer than maxLength (4096, or
 * 65535 with RFC 8654 Extended Message) is cut, since a NOTIFICATION must always go out.
 */
export function encodeNotification(msg: NotificationMessage, maxLength: number = MAX_MESSAGE_LENGTH): Buffer {
  const data = dataToSend(msg);
  const room = maxLength - HEADER_LENGTH - 2;
  const cut = data.length > room ? data.subarray(0, room) : data;
  const w = new Writer(HEADER_LENGTH + 2 + cut.length);
  const start = writeHeader(w, MessageType.NOTIFICATION);
  w.u8(msg.code);
  w.u8(msg.subcode);
  w.bytes(cut);
  finishHeader(w, start);
  return w.result();
}

/** RFC 8203/9003: a Cease / Administrative Shutdown (or Reset) with an operator's message. */
export function shutdownNotification(
  text: string,
  subcode: number = CeaseSubcode.ADMINISTRATIVE_SHUTDOWN,
): NotificationMessage {
  const msg: NotificationMessage = {
    type: 'notification',
    code: ErrorCode.CEASE,
    subcode,
    data: new Uint8Array(0),
    shutdownCommunication: text,
  };
  return { ...msg, data: dataToSend(msg) };
}

/** DESIGN: "One function turns it into a NOTIFICATION." */
export function notificationFromError(e: BgpError): NotificationMessage {
  return { type: 'notification', code: e.code, subcode: e.subcode, data: e.data };
}

function hex(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
}

function u16(data: Uint8Array): number | undefined {
  return data.length === 2 ? (data[0]! << 8) | data[1]! : undefined;
}

/** The meaning of Data for the code/subcodes whose Data has a defined layout, or undefined. */
function describeData(n: NotificationMessage): string | undefined {
  const { code, subcode, data } = n;
  if (code === ErrorCode.MESSAGE_HEADER && subcode === MessageHeaderSubcode.BAD_MESSAGE_LENGTH) {
    // RFC 4271 §6.1: the Data field carries the erroneous Length field.
    const v = u16(data);
    return v === undefined ? undefined : `length ${v}`;
  }
  if (code === ErrorCode.MESSAGE_HEADER && subcode === MessageHeaderSubcode.BAD_MESSAGE_TYPE) {
    if (data.length !== 1) return undefined;
    return `type ${data[0]}${MESSAGE_TYPE_NAMES[data[0]!] ? ` (${MESSAGE_TYPE_NAMES[data[0]!]})` : ''}`;
  }
  if (code === ErrorCode.OPEN_MESSAGE && subcode === OpenSubcode.UNSUPPORTED_VERSION_NUMBER) {
    const v = u16(data);
    return v === undefined ? undefined : `supported version ${v}`;
  }
  if (code === ErrorCode.OPEN_MESSAGE && subcode === OpenSubcode.UNSUPPORTED_CAPABILITY) {
    // RFC 5492 §5 (paraphrased): the Data lists the capabilities that caused the NOTIFICATION,
    // as <code, length, value> triples.
    try {
      const caps = decodeCapabilities(Buffer.from(data));
      return caps.length === 0 ? undefined : `capabilities ${caps.map(formatCapability).join(', ')}`;
    } catch {
      return undefined;
    }
  }
  if (code === ErrorCode.CEASE && subcode === CeaseSubcode.MAXIMUM_PREFIXES_REACHED && data.length === 7) {
    // RFC 4486 §4: AFI (2), SAFI (1), upper bound on the number of prefixes (4).
    const afi = (data[0]! << 8) | data[1]!;
    const limit = ((data[3]! << 24) | (data[4]! << 16) | (data[5]! << 8) | data[6]!) >>> 0;
    return `${familyName(afi, data[2]!)} limit ${limit}`;
  }
  if (code === ErrorCode.CEASE && subcode === CeaseSubcode.HARD_RESET && data.length >= 2) {
    // RFC 8538 §3 (paraphrased): the Data of a Hard Reset is the ErrCode (1 octet) and Subcode
    // (1 octet) of the reason for the reset, then that reason's own Data.
    const inner = {
      type: 'notification' as const,
      code: data[0]!,
      subcode: data[1]!,
      data: data.subarray(2),
    };
    return describeNotification(inner);
  }
  return undefined;
}

/**
 * One line for logs and the CLI, e.g. `Cease / Administrative Shutdown: "maintenance"`,
 * `Message Header Error / Bad Message Length: length 5000`, or the Data as hex when its layout is
 * not known. Never throws.
 */
export function describeNotification(n: NotificationMessage): string {
  const name = notificationName(n.code, n.subcode);
  if (carriesShutdownCommunication(n.code, n.subcode)) {
    const text = n.shutdownCommunication ?? decodeShutdownCommunication(n.data);
    if (text !== undefined) return `${name}: ${JSON.stringify(text)}`;
  }
  const meaning = describeData(n);
  if (meaning !== undefined) return `${name}: ${meaning}`;
  return n.data.length === 0 ? name : `${name} (data ${hex(n.data)})`;
}
