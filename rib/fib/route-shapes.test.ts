// RouteShapes: equal (type, next hops) share one id whatever objects they came in; the ECMP width
// cut is part of the shape; references free ids for reuse; satisfies() follows routeSatisfies
// (next hops in any order, ifindex 0 wanted = any interface, type only for blackholes).
// Addresses are hand-written.
import { expect } from 'chai';
import { RouteShapes } from './route-shapes.ts';
import type { KernelNextHop } from './route-message.ts';
import { Rtn } from './rtnetlink-constants.ts';

const hop = (last: number, ifindex = 2, weight = 1): KernelNextHop => ({
  gateway: Uint8Array.of(10, 0, 0, last),
  ifindex,
  weight,
  onlink: false,
});

describe('rib/fib/RouteShapes', () => {
  it('interns by content: fresh next-hop objects with the same fields get the same id', () => {
    const s = new RouteShapes();
    const a = s.acquire(Rtn.UNICAST, [hop(2)], 1);
    expect(s.acquire(Rtn.UNICAST, [hop(2)], 1)).to.equal(a);
    expect(s.acquire(Rtn.UNICAST, [hop(3)], 1)).to.not.equal(a);
    expect(s.acquire(Rtn.UNICAST, [hop(2, 3)], 1)).to.not.equal(a);
    expect(s.acquire(Rtn.UNICAST, [hop(2, 2, 5)], 1)).to.not.equal(a);
    expect(s.acquire(Rtn.UNICAST, [{ ...hop(2), onlink: true }], 1)).to.not.equal(a);
    expect(s.acquire(Rtn.BLACKHOLE, [], 0)).to.not.equal(s.acquire(Rtn.UNREACHABLE, [], 0));
    expect(s.size).to.equal(7);
  });

  it('keeps only the first `count` next hops (the ECMP width)', () => {
    const s = new RouteShapes();
    const two = s.acquire(Rtn.UNICAST, [hop(2), hop(3), hop(4)], 2);
    expect(s.get(two).nextHops.map((h) => h.gateway![3])).to.deep.equal([2, 3]);
    expect(s.acquire(Rtn.UNICAST, [hop(2), hop(3)], 2)).to.equal(two);
  });

  it('frees an id at its last release and hands it out again', () => {
    const s = new RouteShapes();
    const a = s.acquire(Rtn.UNICAST, [hop(2)], 1);
    s.acquire(Rtn.UNICAST, [hop(2)], 1);
    s.release(a);
    expect(s.size).to.equal(1);
    s.release(a);
    expect(s.size).to.equal(0);
    const b = s.acquire(Rtn.UNICAST, [hop(9)], 1);
    expect(b).to.equal(a);
    expect(s.get(b).nextHops[0].gateway![3]).to.equal(9);
    // The freed content is not found under the reused id.
    expect(s.acquire(Rtn.UNICAST, [hop(2)], 1)).to.not.equal(b);
  });

  it('satisfies: same id, next hops in another order, and a wanted ifindex 0 matching any interface', () => {
    const s = new RouteShapes();
    const want = s.acquire(Rtn.UNICAST, [hop(2, 0), hop(3, 0)], 2);
    const kernel = s.acquire(Rtn.UNICAST, [hop(3, 7), hop(2, 7)], 2);
    expect(s.satisfies(want, want)).to.equal(true);
    expect(s.satisfies(want, kernel)).to.equal(true);
    expect(s.satisfies(kernel, want)).to.equal(false); // the kernel view names an interface
    expect(s.satisfies(want, s.acquire(Rtn.UNICAST, [hop(2, 7)], 1))).to.equal(false);
    expect(s.satisfies(want, 0)).to.equal(false);
    expect(s.satisfies(0, 0)).to.equal(false);
    const bh = s.acquire(Rtn.BLACKHOLE, [], 0);
    expect(s.satisfies(bh, s.acquire(Rtn.BLACKHOLE, [hop(1, 1)], 0))).to.equal(true);
    expect(s.satisfies(bh, s.acquire(Rtn.UNREACHABLE, [], 0))).to.equal(false);
  });

  it('keeps shapes apart when many share a table (2000 gateways, each found again)', () => {
    const s = new RouteShapes();
    const ids: number[] = [];
    for (let i = 0; i < 2000; i++)
      ids.push(s.acquire(Rtn.UNICAST, [{ ...hop(0), gateway: Uint8Array.of(10, 1, i >> 8, i & 255) }], 1));
    expect(new Set(ids).size).to.equal(2000);
    for (let i = 0; i < 2000; i++)
      expect(
        s.acquire(Rtn.UNICAST, [{ ...hop(0), gateway: Uint8Array.of(10, 1, i >> 8, i & 255) }], 1),
      ).to.equal(ids[i]);
  });
});
