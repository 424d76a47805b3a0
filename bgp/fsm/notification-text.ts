// Human text for a NOTIFICATION, for transition reasons, logs and the CLI. In: code, subcode, data.
// Out: e.g. `Cease / Administrative Shutdown: "maintenance"`. The Shutdown Communication of
// RFC 9003 is decoded; other data is shown as hex.
import { CeaseSubcode, ErrorCode, notificationName } from '../wire/iana/error-codes.ts';
import type { NotificationFields } from './events.ts';

/** RFC 9003 §2: the Shutdown Communication may be up to 255 octets of UTF-8. */
export const MAX_SHUTDOWN_COMMUNICATION_OCTETS = 255;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * RFC 9003 §2: "the Cease NOTIFICATION message with subcode Administrative Shutdown or
 * Administrative Reset ... the Data field ... consists of a one-octet Length followed by a
 * Shutdown Communication" encoded in UTF-8. Returns null when the data does not have that form.
 */
export function decodeShutdownCommunication(n: NotificationFields): string | null {
  if (n.code !== ErrorCode.CEASE) return null;
  if (n.subcode !== CeaseSubcode.ADMINISTRATIVE_SHUTDOWN && n.subcode !== CeaseSubcode.ADMINISTRATIVE_RESET)
    return null;
  if (n.data.length === 0) return null;
  const length = n.data[0] as number;
  if (length + 1 > n.data.length) return null;
  try {
    return utf8.decode(n.data.subarray(1, 1 + length));
  } catch {
    return null;
  }
}

/** RFC 9003 data for our own Administrative Shutdown / Reset: length octet + UTF-8, cut to 255 octets on a character boundary. */
export function encodeShutdownCommunication(text: string): Uint8Array {
  let bytes = new TextEncoder().encode(text);
  if (bytes.length > MAX_SHUTDOWN_COMMUNICATION_OCTETS) {
    let end = MAX_SHUTDOWN_COMMUNICATION_OCTETS;
    while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--; // do not split a UTF-8 sequence
    bytes = bytes.subarray(0, end);
  }
  const out = new Uint8Array(bytes.length + 1);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

function hex(data: Uint8Array, max = 16): string {
  const shown = [...data.subarray(0, max)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return data.length > max ? `${shown} …(${data.length} octets)` : shown;
}

/** `Cease / Administrative Shutdown: "maintenance"`, or `UPDATE Message Error / ... (data 02 01)`. */
export function describeNotification(n: NotificationFields): string {
  const name = notificationName(n.code, n.subcode);
  const communication = decodeShutdownCommunication(n);
  if (communication !== null)
    return communication === '' ? name : `${name}: ${JSON.stringify(communication)}`;
  return n.data.length === 0 ? name : `${name} (data ${hex(n.data)})`;
}
