// The path attribute table: one descriptor per type code this codec understands, indexed by
// type code for the decode loop, and the order in which the encoder writes them.
import type { AttributeDescriptor } from './descriptor.ts';
import { AS4_PATH, AS_PATH } from './as-path.ts';
import {
  AGGREGATOR,
  AS4_AGGREGATOR,
  ATOMIC_AGGREGATE,
  LOCAL_PREF,
  MULTI_EXIT_DISC,
  NEXT_HOP,
  ORIGIN,
  ORIGINATOR_ID,
  OTC,
} from './basic.ts';
import { CLUSTER_LIST, COMMUNITIES, EXTENDED_COMMUNITIES, LARGE_COMMUNITY } from './communities.ts';
import { MP_REACH_NLRI, MP_UNREACH_NLRI } from './mp.ts';

const ALL: readonly AttributeDescriptor[] = [
  ORIGIN,
  AS_PATH,
  NEXT_HOP,
  MULTI_EXIT_DISC,
  LOCAL_PREF,
  ATOMIC_AGGREGATE,
  AGGREGATOR,
  COMMUNITIES,
  ORIGINATOR_ID,
  CLUSTER_LIST,
  MP_REACH_NLRI,
  MP_UNREACH_NLRI,
  EXTENDED_COMMUNITIES,
  AS4_PATH,
  AS4_AGGREGATOR,
  LARGE_COMMUNITY,
  OTC,
];

/** Descriptors indexed by type code (undefined: unrecognized). */
export const ATTRIBUTE_TABLE: readonly (AttributeDescriptor | undefined)[] = (() => {
  const t = new Array<AttributeDescriptor | undefined>(256).fill(undefined);
  for (const d of ALL) t[d.typeCode] = d;
  return t;
})();

/**
 * Encoding order. RFC 7606 §5.1: "the MP_REACH_NLRI or MP_UNREACH_NLRI attribute (if present)
 * SHALL be encoded as the very first path attribute in an UPDATE message"; the rest ascend by
 * type code as RFC 4271 §5 suggests ("the sender SHOULD order path attributes ... ascending").
 */
export const ENCODE_ORDER: readonly AttributeDescriptor[] = [
  MP_REACH_NLRI,
  MP_UNREACH_NLRI,
  ...ALL.filter((d) => d !== MP_REACH_NLRI && d !== MP_UNREACH_NLRI),
];

export function attributeName(typeCode: number): string {
  return ATTRIBUTE_TABLE[typeCode]?.name ?? `UNKNOWN_${typeCode}`;
}
