// The kernel table as a projection of the Loc-RIB (DESIGN "The RIB"): turns the RIB's
// fib-change messages (prefix + BGP next-hop addresses) into the Fib's desired kernel routes,
// resolving each BGP next hop to a kernel gateway and interface with the NextHopResolver
// (directly connected: gateway on that link; recursive: the connected gateway of the covering
// route; onlink where the operator asks). When a next hop's reachability changes, every prefix
// that uses it is resolved again.
//
// In: FibChange from the RIB sink; reachability changes (from NextHopResolver messages).
// Out: Fib.setDesired calls. Owns only the map from prefix to wanted BGP next hops.
import type { FibChange } from '../messages.ts';
import type { Fib, DesiredRoute } from './fib.ts';
import type { NextHopResolver } from './nexthop-resolver.ts';
import type { KernelNextHop } from './route-message.ts';
import { fibKey, formatAddress, type FibKey } from './route-identity.ts';
import { AddressFamily } from './rtnetlink-constants.ts';
import { Afi } from '../../bgp/wire/iana/afi-safi.ts';

interface Wanted {
  readonly family: number;
  readonly dst: readonly number[];
  readonly dstLength: number;
  readonly nextHops: readonly Uint8Array[];
}

export interface ProjectionOptions {
  /** Install next hops with RTNH_F_ONLINK on the covering route's interface (operator's choice). */
  readonly onlink: boolean;
}

export class KernelProjection {
  private readonly fib: Fib;
  private readonly resolver: NextHopResolver;
  private readonly opts: ProjectionOptions;
  private readonly wanted = new Map<FibKey, Wanted>();
  /**
   * BGP next hop -> how many prefixes use it (the resolver watches exactly these) and its kernel
   * resolution, computed once per next hop and kept until the resolver's view changes: a full
   * table through one ToR resolves one address, not 500k.
   */
  private readonly nextHops = new Map<
    number | string,
    { users: number; resolved: KernelNextHop | null | undefined }
  >();

  constructor(fib: Fib, resolver: NextHopResolver, opts: ProjectionOptions = { onlink: false }) {
    this.fib = fib;
    this.resolver = resolver;
    this.opts = opts;
  }

  /** The RIB's forwarding decision for one prefix changed. */
  fibChange(m: FibChange): void {
    const family = m.prefix.afi === Afi.IPV6 ? AddressFamily.INET6 : AddressFamily.INET;
    const key = fibKey(family, m.prefix.words, m.prefix.length);
    const before = this.wanted.get(key);
    if (before !== undefined) for (const nh of before.nextHops) this.release(nh);
    if (m.nextHops === null || m.nextHops.length === 0) {
      this.wanted.delete(key);
      this.fib.setDesired(key, null);
      return;
    }
    const w: Wanted = { family, dst: m.prefix.words, dstLength: m.prefix.length, nextHops: m.nextHops };
    this.wanted.set(key, w);
    for (const nh of w.nextHops) this.use(nh);
    this.fib.setDesired(key, this.desired(w));
  }

  /** A watched next hop became reachable or unreachable: resolve its prefixes again. */
  nextHopChanged(address: string): void {
    this.resolverRefreshed();
    // Rare (a link or a route moved): a walk over the wanted prefixes is cheaper than keeping
    // a set of prefixes per next hop on every change.
    for (const [key, w] of this.wanted) {
      if (w.nextHops.some((nh) => formatAddress(nh) === address)) this.fib.setDesired(key, this.desired(w));
    }
  }

  /** The resolver re-read the kernel: resolve next hops afresh from now on. */
  resolverRefreshed(): void {
    for (const e of this.nextHops.values()) e.resolved = undefined;
  }

  /** Prefixes currently projected (for the API: what the RIB wants in the kernel). */
  get size(): number {
    return this.wanted.size;
  }

  private resolve(nh: Uint8Array): KernelNextHop | null {
    const e = this.nextHops.get(nextHopKey(nh));
    if (e !== undefined && e.resolved !== undefined) return e.resolved;
    const r = this.resolver.resolve(nh, { onlink: this.opts.onlink });
    if (e !== undefined) e.resolved = r;
    return r;
  }

  private desired(w: Wanted): DesiredRoute | null {
    const hops: KernelNextHop[] = [];
    for (const nh of w.nextHops) {
      const k = this.resolve(nh);
      if (k !== null && !hops.some((h) => h.ifindex === k.ifindex && sameAddress(h.gateway, k.gateway)))
        hops.push(k);
    }
    // No next hop resolves: nothing to install (the RIB marks such paths ineligible as well).
    if (hops.length === 0) return null;
    return { family: w.family, dst: w.dst, dstLength: w.dstLength, nextHops: hops };
  }

  private use(nh: Uint8Array): void {
    const k = nextHopKey(nh);
    const e = this.nextHops.get(k);
    if (e !== undefined) {
      e.users++;
      return;
    }
    this.nextHops.set(k, { users: 1, resolved: undefined });
    this.resolver.watch(nh);
  }

  private release(nh: Uint8Array): void {
    const k = nextHopKey(nh);
    const e = this.nextHops.get(k);
    if (e === undefined) return;
    if (--e.users === 0) {
      this.nextHops.delete(k);
      this.resolver.unwatch(nh);
    }
  }
}

/** A Map key for a next hop: the IPv4 address as a number, an IPv6 one as its text. */
function nextHopKey(nh: Uint8Array): number | string {
  return nh.length === 4
    ? ((nh[0]! << 24) | (nh[1]! << 16) | (nh[2]! << 8) | nh[3]!) >>> 0
    : formatAddress(nh);
}

function sameAddress(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
