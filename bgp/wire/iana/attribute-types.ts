// BGP Path Attributes registry (IANA "bgp-parameters" / Path Attributes).
export const AttrType = {
  ORIGIN: 1, // RFC 4271
  AS_PATH: 2, // RFC 4271
  NEXT_HOP: 3, // RFC 4271
  MULTI_EXIT_DISC: 4, // RFC 4271
  LOCAL_PREF: 5, // RFC 4271
  ATOMIC_AGGREGATE: 6, // RFC 4271
  AGGREGATOR: 7, // RFC 4271
  COMMUNITIES: 8, // RFC 1997
  ORIGINATOR_ID: 9, // RFC 4456
  CLUSTER_LIST: 10, // RFC 4456
  MP_REACH_NLRI: 14, // RFC 4760
  MP_UNREACH_NLRI: 15, // RFC 4760
  EXTENDED_COMMUNITIES: 16, // RFC 4360
  AS4_PATH: 17, // RFC 6793
  AS4_AGGREGATOR: 18, // RFC 6793
  LARGE_COMMUNITY: 32, // RFC 8092
  OTC: 35, // RFC 9234
} as const;

/** RFC 4271 §4.3 attribute flag bits (high-order octet of the Attribute Type). */
export const AttrFlag = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const;

/** RFC 4271 §4.3 ORIGIN values. */
export const Origin = {
  IGP: 0,
  EGP: 1,
  INCOMPLETE: 2,
} as const;

/** AS_PATH segment types: RFC 4271 §4.3 (1, 2) and RFC 5065 §3 (3, 4). */
export const AsPathSegmentType = {
  AS_SET: 1,
  AS_SEQUENCE: 2,
  AS_CONFED_SEQUENCE: 3,
  AS_CONFED_SET: 4,
} as const;

/** Well-known communities (IANA "bgp-well-known-communities"), RFC 1997 / RFC 8326. */
export const WellKnownCommunity = {
  GRACEFUL_SHUTDOWN: 0xffff0000, // RFC 8326
  LLGR_STALE: 0xffff0006, // RFC 9494
  NO_LLGR: 0xffff0007, // RFC 9494
  NO_EXPORT: 0xffffff01, // RFC 1997
  NO_ADVERTISE: 0xffffff02, // RFC 1997
  NO_EXPORT_SUBCONFED: 0xffffff03, // RFC 1997
  NOPEER: 0xffffff04, // RFC 3765
} as const;
