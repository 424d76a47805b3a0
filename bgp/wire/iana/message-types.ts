// BGP Message Types registry (IANA "bgp-parameters" / Message Types).
export const MessageType = {
  OPEN: 1, // RFC 4271
  UPDATE: 2, // RFC 4271
  NOTIFICATION: 3, // RFC 4271
  KEEPALIVE: 4, // RFC 4271
  ROUTE_REFRESH: 5, // RFC 2918, RFC 7313
} as const;

export const MESSAGE_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'OPEN',
  2: 'UPDATE',
  3: 'NOTIFICATION',
  4: 'KEEPALIVE',
  5: 'ROUTE-REFRESH',
};

/** RFC 4271 §4.1: 16-octet marker + 2-octet length + 1-octet type. */
export const HEADER_LENGTH = 19;
/** RFC 4271 §4.1: "The value of the Length field MUST always be at least 19 and no greater than 4096". */
export const MAX_MESSAGE_LENGTH = 4096;
/** RFC 8654 §4: with the Extended Message capability, up to 65535 for all but OPEN and KEEPALIVE. */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;
