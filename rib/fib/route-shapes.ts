// Interned route shapes for the Fib: what a kernel route is apart from its destination (route type
// and next hops, ECMP width already applied). Thousands of prefixes share one next-hop set, so the
// Fib's per-prefix state is one shape id per view (wanted, in the kernel), not a KernelRoute object
// with its own arrays. Ids are refcounted and reused; a lookup by content hashes the fields and
// compares candidates, so interning a shape builds no string and allocates nothing when it exists.
//
// In: route type + next hops (from DesiredRoute or a decoded kernel route). Out: small integer ids,
// the shared frozen next-hop arrays behind them, and whether one shape satisfies another.
import type { KernelNextHop } from './route-message.ts';
import { nextHopsSatisfy } from './route-identity.ts';

export interface RouteShape {
  readonly id: number;
  readonly type: number;
  readonly nextHops: readonly KernelNextHop[];
  readonly hash: number;
}

const NO_HOPS: readonly KernelNextHop[] = Object.freeze([]);

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x01000193);
  return h ^ (h >>> 15);
}

function hashShape(type: number, hops: readonly KernelNextHop[], count: number): number {
  let h = mix(0x811c9dc5, type);
  h = mix(h, count);
  for (let i = 0; i < count; i++) {
    const nh = hops[i];
    const g = nh.gateway;
    if (g === null) h = mix(h, 0xffff);
    else for (let j = 0; j < g.length; j++) h = mix(h, g[j]);
    h = mix(h, nh.ifindex);
    h = mix(h, nh.weight);
    h = mix(h, nh.onlink ? 1 : 0);
  }
  return h & 0x3fffffff; // a small integer: Map keys stay unboxed
}

function sameHop(a: KernelNextHop, b: KernelNextHop): boolean {
  if (a.ifindex !== b.ifindex || a.weight !== b.weight || a.onlink !== b.onlink) return false;
  const x = a.gateway;
  const y = b.gateway;
  if (x === y) return true;
  if (x === null || y === null || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export class RouteShapes {
  private readonly byId: (RouteShape | undefined)[] = [undefined];
  private refs = new Int32Array(64);
  /** hash -> id, or -1 when several shapes share the hash (then `collisions` holds them). */
  private readonly byHash = new Map<number, number>();
  private readonly collisions = new Map<number, number[]>();
  private readonly freeIds: number[] = [];

  /** Shapes held (for tests and metrics). */
  get size(): number {
    return this.byId.length - 1 - this.freeIds.length;
  }

  get(id: number): RouteShape {
    return this.byId[id]!;
  }

  /**
   * The id of (type, first `count` of hops), with one reference taken. Unicast only keeps next
   * hops; blackhole/unreachable shapes have none.
   */
  acquire(type: number, hops: readonly KernelNextHop[], count: number): number {
    const h = hashShape(type, hops, count);
    const one = this.byHash.get(h);
    if (one !== undefined) {
      if (one >= 0) {
        if (this.matches(one, type, hops, count)) return this.ref(one);
      } else {
        for (const id of this.collisions.get(h)!)
          if (this.matches(id, type, hops, count)) return this.ref(id);
      }
    }
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.byId.length;
    const nextHops = count === 0 ? NO_HOPS : Object.freeze(hops.slice(0, count));
    const shape: RouteShape = { id, type, nextHops, hash: h };
    if (id === this.byId.length) this.byId.push(shape);
    else this.byId[id] = shape;
    if (id >= this.refs.length) {
      const grown = new Int32Array(this.refs.length * 2);
      grown.set(this.refs);
      this.refs = grown;
    }
    this.refs[id] = 0;
    if (one === undefined) this.byHash.set(h, id);
    else if (one >= 0) {
      this.byHash.set(h, -1);
      this.collisions.set(h, [one, id]);
    } else this.collisions.get(h)!.push(id);
    return this.ref(id);
  }

  ref(id: number): number {
    this.refs[id]++;
    return id;
  }

  /** Drop one reference; at zero the shape is forgotten and its id may be reused. 0 is ignored. */
  release(id: number): void {
    if (id === 0 || --this.refs[id] > 0) return;
    const shape = this.byId[id]!;
    const h = shape.hash;
    const one = this.byHash.get(h)!;
    if (one >= 0) this.byHash.delete(h);
    else {
      const list = this.collisions.get(h)!;
      list.splice(list.indexOf(id), 1);
      if (list.length === 1) {
        this.byHash.set(h, list[0]);
        this.collisions.delete(h);
      }
    }
    this.byId[id] = undefined;
    this.freeIds.push(id);
  }

  /** Whether the kernel's shape `have` is exactly what shape `want` asks for (see nextHopsSatisfy). */
  satisfies(want: number, have: number): boolean {
    if (want === have) return want !== 0;
    if (want === 0 || have === 0) return false;
    const w = this.byId[want]!;
    const k = this.byId[have]!;
    return nextHopsSatisfy(w.type, w.nextHops, k.type, k.nextHops);
  }

  private matches(id: number, type: number, hops: readonly KernelNextHop[], count: number): boolean {
    const s = this.byId[id]!;
    if (s.type !== type || s.nextHops.length !== count) return false;
    for (let i = 0; i < count; i++) if (!sameHop(s.nextHops[i], hops[i])) return false;
    return true;
  }
}
