// Capability Codes registry (IANA "capability-codes"), RFC 5492.
export const CapabilityCode = {
  MULTIPROTOCOL: 1, // RFC 4760
  ROUTE_REFRESH: 2, // RFC 2918
  EXTENDED_NEXT_HOP: 5, // RFC 8950
  EXTENDED_MESSAGE: 6, // RFC 8654
  ROLE: 9, // RFC 9234
  GRACEFUL_RESTART: 64, // RFC 4724, RFC 8538
  FOUR_OCTET_AS: 65, // RFC 6793
  ADD_PATH: 69, // RFC 7911
  ENHANCED_ROUTE_REFRESH: 70, // RFC 7313
  LONG_LIVED_GRACEFUL_RESTART: 71, // RFC 9494
  FQDN: 73, // draft-walton-bgp-hostname-capability
} as const;

export const CAPABILITY_NAMES: Readonly<Record<number, string>> = {
  1: 'multiprotocol',
  2: 'route-refresh',
  5: 'extended-next-hop',
  6: 'extended-message',
  9: 'role',
  64: 'graceful-restart',
  65: 'four-octet-as',
  69: 'add-path',
  70: 'enhanced-route-refresh',
  71: 'long-lived-graceful-restart',
  73: 'fqdn',
  128: 'route-refresh-old', // pre-standard Cisco code, still sent by some peers
};

/** OPEN Optional Parameter Types (RFC 5492 §4; type 1, authentication, is deprecated). */
export const OptionalParameterType = {
  CAPABILITIES: 2,
  /** RFC 9072 §2: Non-Ext OP Type 255 signals the extended optional parameters length format. */
  EXTENDED_LENGTH: 255,
} as const;

/** RFC 6793 §9: AS_TRANS, the 2-octet AS placed where a 4-octet AS does not fit. */
export const AS_TRANS = 23456;

/** RFC 9234 §4.1 BGP Role values. */
export const BgpRole = {
  PROVIDER: 0,
  RS: 1,
  RS_CLIENT: 2,
  CUSTOMER: 3,
  PEER: 4,
} as const;

/** RFC 7911 §4 Send/Receive field. */
export const AddPathDirection = {
  RECEIVE: 1,
  SEND: 2,
  BOTH: 3,
} as const;
