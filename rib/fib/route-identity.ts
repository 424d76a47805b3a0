// What makes two kernel routes "the same route" and "already right": the key the Fib indexes
// routes by (family + destination prefix) and the equality reconciliation uses to leave a correct
// kernel route untouched. In: KernelRoute values. Out: keys and booleans; strings only for display
// (their text comes from bgp/wire/prefix-text.ts).
import type { KernelNextHop, KernelRoute } from './route-message.ts';
import { AddressFamily, Rtn } from './rtnetlink-constants.ts';
import {
  formatAddress as formatWireAddress,
  formatIpv4,
  formatIpv6Words,
} from '../../bgp/wire/prefix-text.ts';

/**
 * A Map key for a destination prefix. IPv4: the number address * 64 + length (exact below 2^38).
 * IPv6: a short string of the four words and the length. The RIB computes it with fibKey().
 */
export type FibKey = number | string;

export function fibKey(family: number, dst: readonly number[], dstLength: number): FibKey {
  if (family === AddressFamily.INET) return dst[0] * 64 + dstLength;
  return `${dst[0].toString(16)}:${dst[1].toString(16)}:${dst[2].toString(16)}:${dst[3].toString(16)}/${dstLength}`;
}

export function routeKey(r: KernelRoute): FibKey {
  return fibKey(r.family, r.dst, r.dstLength);
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether kernel next hop k satisfies wanted next hop w. An ifindex of 0 in w means "let the
 * kernel pick the interface from the gateway", so any interface the kernel chose is right.
 */
function nextHopMatches(w: KernelNextHop, k: KernelNextHop): boolean {
  return (
    sameBytes(w.gateway, k.gateway) &&
    (w.ifindex === 0 || w.ifindex === k.ifindex) &&
    w.weight === k.weight &&
    w.onlink === k.onlink
  );
}

/** Whether the kernel's route k is exactly what wanted route w asks for (next hops in any order). */
export function routeSatisfies(w: KernelRoute, k: KernelRoute): boolean {
  if (
    w.family !== k.family ||
    w.dstLength !== k.dstLength ||
    w.table !== k.table ||
    w.protocol !== k.protocol ||
    w.priority !== k.priority
  ) {
    return false;
  }
  for (let i = 0; i < w.dst.length; i++) if (w.dst[i] !== k.dst[i]) return false;
  return nextHopsSatisfy(w.type, w.nextHops, k.type, k.nextHops);
}

/**
 * The part of routeSatisfies beyond the destination: the kernel's type and next hops (kType,
 * kHops) are what the wanted ones ask for. Next hops may come in any order.
 */
export function nextHopsSatisfy(
  wType: number,
  wHops: readonly KernelNextHop[],
  kType: number,
  kHops: readonly KernelNextHop[],
): boolean {
  if (wType !== kType) return false;
  if (wType !== Rtn.UNICAST) return true; // blackhole/unreachable: the kernel may report lo as oif
  if (wHops.length !== kHops.length) return false;
  if (wHops.length === 1) return nextHopMatches(wHops[0], kHops[0]);
  const used = new Array<boolean>(kHops.length).fill(false);
  outer: for (const nh of wHops) {
    for (let j = 0; j < kHops.length; j++) {
      if (!used[j] && nextHopMatches(nh, kHops[j])) {
        used[j] = true;
        continue outer;
      }
    }
    return false;
  }
  return true;
}

/** Human form of an address given as bytes (for logs, events and the CLI); RFC 5952 text for IPv6. */
export function formatAddress(bytes: Uint8Array): string {
  return formatWireAddress(bytes);
}

/** Human form of a route's destination prefix. */
export function formatPrefix(r: Pick<KernelRoute, 'family' | 'dst' | 'dstLength'>): string {
  const address = r.family === AddressFamily.INET ? formatIpv4(r.dst[0]) : formatIpv6Words(r.dst);
  return `${address}/${r.dstLength}`;
}
