// Address Family Numbers (IANA) and SAFI values (IANA "safi-namespace") that podbgp speaks.
export const Afi = {
  IPV4: 1, // RFC 4760 / IANA Address Family Numbers
  IPV6: 2,
} as const;
export type AfiNumber = (typeof Afi)[keyof typeof Afi];

export const Safi = {
  UNICAST: 1, // RFC 4760
  MULTICAST: 2, // RFC 4760
} as const;

/** A compact key for an (AFI, SAFI) pair, used in Sets and Maps. */
export function familyKey(afi: number, safi: number): number {
  return (afi << 8) | safi;
}

export const IPV4_UNICAST = familyKey(Afi.IPV4, Safi.UNICAST);
export const IPV6_UNICAST = familyKey(Afi.IPV6, Safi.UNICAST);

export function familyName(afi: number, safi: number): string {
  const a = afi === Afi.IPV4 ? 'ipv4' : afi === Afi.IPV6 ? 'ipv6' : `afi${afi}`;
  const s = safi === Safi.UNICAST ? 'unicast' : safi === Safi.MULTICAST ? 'multicast' : `safi${safi}`;
  return `${a}-${s}`;
}
