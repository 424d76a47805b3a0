// Next-hop resolution against the kernel's own routes: a BGP next hop that is directly connected
// becomes a gateway on that interface (RTA_GATEWAY + RTA_OIF); one reached through another route
// is resolved recursively to the connected gateway of that route; one that cannot be reached is
// reported so the RIB can mark paths through it ineligible. In: snapshots of kernel routes and
// links (refresh() dumps them; the Fib's watcher or a timer calls it). Out: resolve() answers,
// isReachable(), and {kind: 'nexthop-reachability'} messages when a watched next hop changes.
// Routes of our own protocol are never used to resolve: a BGP route must not carry its own next hop.
import type { KernelLink } from './link-message.ts';
import { linkIsUp } from './link-message.ts';
import type { DecodedRoute, KernelNextHop } from './route-message.ts';
import type { RtnlClient } from './rtnl-client.ts';
import { formatAddress } from './route-identity.ts';
import { AddressFamily, RtTable, Rtn } from './rtnetlink-constants.ts';

export interface NextHopReachability {
  readonly kind: 'nexthop-reachability';
  readonly address: string;
  readonly reachable: boolean;
}

const MAX_DEPTH = 8;

function wordsOf(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    out.push(((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0);
  }
  return out;
}

function covers(r: DecodedRoute, addr: readonly number[]): boolean {
  let left = r.dstLength;
  for (let i = 0; i < addr.length && left > 0; i++, left -= 32) {
    const bits = Math.min(32, left);
    const mask = bits === 32 ? 0xffffffff : ~(0xffffffff >>> bits) >>> 0;
    if ((addr[i] & mask) >>> 0 !== (r.dst[i] & mask) >>> 0) return false;
  }
  return true;
}

export class NextHopResolver {
  private readonly rtnl: RtnlClient;
  private readonly ownProtocol: number;
  private readonly table: number;
  private readonly emit: (m: NextHopReachability) => void;
  private routes: DecodedRoute[] = [];
  private links = new Map<number, KernelLink>();
  /** Watched next hops (text form) and their last known reachability. */
  private readonly watched = new Map<string, { bytes: Uint8Array; reachable: boolean }>();

  /**
   * Route protocols whose routes may resolve a BGP next hop, read one by one (the socket must
   * have strict checking on), or null to read the whole table. Connected routes are "kernel" (2);
   * routes set up by hand or at boot "boot" (3) and "static" (4); "ra" (9) and "dhcp" (16) from
   * address configuration.
   */
  private readonly resolvingProtocols: readonly number[] | null;

  constructor(
    rtnl: RtnlClient,
    options: { ownProtocol: number; table?: number; resolvingProtocols?: readonly number[] | null },
    emit: (m: NextHopReachability) => void = () => {},
  ) {
    this.rtnl = rtnl;
    this.ownProtocol = options.ownProtocol;
    this.resolvingProtocols = options.resolvingProtocols ?? null;
    this.table = options.table ?? RtTable.MAIN;
    this.emit = emit;
  }

  /** Re-read the kernel's routes and links, then report watched next hops whose reachability changed. */
  async refresh(): Promise<void> {
    const routes: DecodedRoute[] = [];
    for (const family of [AddressFamily.INET, AddressFamily.INET6]) {
      // With a strict-checking socket the kernel returns only the routes of the protocols that
      // can carry a next hop, never our own full table; otherwise everything is read and ours
      // are skipped here.
      const filters = this.resolvingProtocols === null ? [undefined] : this.resolvingProtocols;
      for (const protocol of filters) {
        const filter = protocol === undefined ? { table: this.table } : { table: this.table, protocol };
        for (const r of await this.rtnl.dumpRoutes(family, filter)) {
          if (r.protocol !== this.ownProtocol) routes.push(r);
        }
      }
    }
    // Longest prefix first, so the first covering route is the longest match.
    routes.sort((a, b) => b.dstLength - a.dstLength || a.priority - b.priority);
    this.routes = routes;
    this.links = new Map((await this.rtnl.dumpLinks()).map((l) => [l.ifindex, l]));
    for (const [address, w] of this.watched) {
      const reachable = this.resolve(w.bytes) !== null;
      if (reachable !== w.reachable) {
        w.reachable = reachable;
        this.emit({ kind: 'nexthop-reachability', address, reachable });
      }
    }
  }

  /** Start reporting reachability changes for a next hop; returns whether it is reachable now. */
  watch(nexthop: Uint8Array): boolean {
    const reachable = this.resolve(nexthop) !== null;
    this.watched.set(formatAddress(nexthop), { bytes: nexthop, reachable });
    return reachable;
  }

  unwatch(nexthop: Uint8Array): void {
    this.watched.delete(formatAddress(nexthop));
  }

  isReachable(nexthop: Uint8Array): boolean {
    return this.resolve(nexthop) !== null;
  }

  /**
   * The kernel next hop for a BGP next hop: {gateway, ifindex} of a connected gateway, or null
   * when no usable route leads there. With onlink, a next hop on no connected prefix is still
   * installed on the interface of the route that covers it (the operator says it is on the link).
   */
  resolve(nexthop: Uint8Array, options: { onlink?: boolean } = {}): KernelNextHop | null {
    let target = nexthop;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const r = this.longestMatch(target);
      if (!r || r.type !== Rtn.UNICAST) return null;
      const hop = r.nextHops.find((h) => this.usable(h.ifindex));
      if (!hop) return null;
      // A route with no gateway is a connected prefix: the next hop is a neighbour on hop.ifindex.
      if (!hop.gateway) return { gateway: target, ifindex: hop.ifindex, weight: 1, onlink: false };
      if (options.onlink) return { gateway: nexthop, ifindex: hop.ifindex, weight: 1, onlink: true };
      // Reached through another router: resolve that router's address in turn (recursive).
      target = hop.gateway;
      if (depth === 0 && target.length !== nexthop.length) return null;
    }
    return null;
  }

  private usable(ifindex: number): boolean {
    const l = this.links.get(ifindex);
    return l !== undefined && linkIsUp(l);
  }

  private longestMatch(addr: Uint8Array): DecodedRoute | null {
    const family = addr.length === 4 ? AddressFamily.INET : AddressFamily.INET6;
    const words = wordsOf(addr);
    for (const r of this.routes) if (r.family === family && covers(r, words)) return r;
    return null;
  }
}
