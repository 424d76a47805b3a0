// Peer addresses at the transport edge: normalising what the kernel reports (IPv4-mapped IPv6
// addresses from a dual-stack socket become plain IPv4), their family, matching an address
// against configured peers and dynamic ranges, and the RFC 5082 TTL numbers for GTSM.
// In: address text from sockets and configuration. Out: normalised text, families, matches.
import net from 'node:net';
import type { IpFamily } from '../../sys/sockopt.ts';

const V4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/**
 * The address in one canonical text form, so configuration and kernel reports compare equal:
 * "::ffff:192.0.2.1" (an IPv4 peer reaching a dual-stack IPv6 socket, RFC 4291 §2.5.5.2) becomes
 * "192.0.2.1", and IPv6 text takes the RFC 5952 form ("2001:DB8:0::1" -> "2001:db8::1"), keeping a
 * "%zone" suffix if there is one. Anything that is not an IP address is returned unchanged.
 */
export function normalizeAddress(address: string): string {
  if (!net.isIPv6(address)) return address;
  const canonical = new net.SocketAddress({ address, family: 'ipv6' }).address;
  const mapped = V4_MAPPED.exec(canonical);
  if (mapped) return mapped[1];
  const zone = address.indexOf('%');
  return zone >= 0 ? canonical + address.slice(zone) : canonical;
}

/** 4 or 6 for an IP address in text; throws TypeError for anything else. */
export function addressFamily(address: string): IpFamily {
  if (net.isIPv4(address)) return 4;
  if (net.isIPv6(address)) return 6;
  throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
}

/** The TTL podbgp sends on a GTSM session (RFC 5082 §3). */
export const GTSM_TTL = 255;

/**
 * The lowest TTL to accept from a GTSM peer `hops` router hops away (1 = directly connected,
 * as FRR's `ttl-security hops N` and BIRD's `ttl security` with `multihop N` count).
 * RFC 5082 §3 (paraphrased): every packet is sent with TTL 255, and a received packet is
 * accepted only if its TTL is at least 255 - TrustRadius, where TrustRadius is the number of
 * routers allowed between the peers (0 for a directly connected peer). Each router on the way
 * lowers the TTL by one, so a peer `hops` away arrives with 255 - (hops - 1) = 256 - hops.
 * Linux IP_MINTTL / IPV6_MINHOPCOUNT drop segments whose TTL is below the value set.
 */
export function gtsmMinTtl(hops: number): number {
  if (!Number.isInteger(hops) || hops < 1 || hops > 255)
    throw new RangeError(`GTSM hops ${hops} out of range 1-255`);
  return 256 - hops;
}

/** What matched an address: the configured peer address itself, or a dynamic range. */
export type PeerMatch =
  { kind: 'peer'; address: string } | { kind: 'range'; prefix: string; prefixLength: number };

/**
 * A set of configured peer addresses and dynamic ranges (CIDR), e.g. for a listener's
 * isConfiguredPeer. Exact peers win over ranges; among ranges the longest prefix wins.
 */
export class PeerAddressSet {
  readonly #peers = new Set<string>();
  readonly #ranges: { prefix: string; prefixLength: number; family: IpFamily; list: net.BlockList }[] = [];

  addPeer(address: string): void {
    addressFamily(address);
    this.#peers.add(normalizeAddress(address));
  }

  removePeer(address: string): void {
    this.#peers.delete(normalizeAddress(address));
  }

  addRange(prefix: string, prefixLength: number): void {
    const family = addressFamily(prefix);
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > (family === 4 ? 32 : 128)) {
      throw new RangeError(`prefix length ${prefixLength} out of range for ${prefix}`);
    }
    this.removeRange(prefix, prefixLength);
    const list = new net.BlockList();
    list.addSubnet(prefix, prefixLength, family === 4 ? 'ipv4' : 'ipv6');
    this.#ranges.push({ prefix, prefixLength, family, list });
    this.#ranges.sort((a, b) => b.prefixLength - a.prefixLength);
  }

  removeRange(prefix: string, prefixLength: number): void {
    const i = this.#ranges.findIndex((r) => r.prefix === prefix && r.prefixLength === prefixLength);
    if (i >= 0) this.#ranges.splice(i, 1);
  }

  /** The configured peer or range that `address` belongs to, or null. */
  match(address: string): PeerMatch | null {
    const normalized = normalizeAddress(address);
    if (this.#peers.has(normalized)) return { kind: 'peer', address: normalized };
    if (!net.isIP(normalized)) return null;
    const family = addressFamily(normalized);
    for (const range of this.#ranges) {
      if (range.family !== family) continue;
      if (range.list.check(normalized, family === 4 ? 'ipv4' : 'ipv6')) {
        return { kind: 'range', prefix: range.prefix, prefixLength: range.prefixLength };
      }
    }
    return null;
  }

  has(address: string): boolean {
    return this.match(address) !== null;
  }
}
