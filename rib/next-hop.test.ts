// Interned next-hop sets: one id per distinct set of next hops, refcounted, ids reused; the
// one-hop cache keyed by attribute-set id stays right when attribute-set ids and next-hop-set ids
// are freed and handed out again. Addresses are hand-written.
import { expect } from 'chai';
import { AttrInterner } from './attr-intern.ts';
import { NextHopSets } from './next-hop.ts';

const v4 = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('rib/NextHopSets', () => {
  it('gives attribute sets with the same next hop the same id, in any member order', () => {
    const t = new AttrInterner();
    const sets = new NextHopSets();
    const a = t.intern({ origin: 0, asPath: [{ type: 2, asns: [1] }] }, v4(10, 0, 0, 1));
    const b = t.intern({ origin: 1, asPath: [{ type: 2, asns: [2] }] }, v4(10, 0, 0, 1));
    const c = t.intern({ origin: 0, asPath: [{ type: 2, asns: [3] }] }, v4(10, 0, 0, 2));
    const ia = sets.acquireOne(a);
    expect(sets.acquireOne(b)).to.equal(ia);
    expect(sets.acquire([a])).to.equal(ia);
    const pair = sets.acquire([c, a]);
    expect(sets.acquire([a, c, b])).to.equal(pair);
    expect(sets.hops(pair)!.map((h) => h.join('.'))).to.deep.equal(['10.0.0.1', '10.0.0.2']);
    expect(sets.size).to.equal(2);
  });

  it('returns 0 for a locally originated route (no next hop)', () => {
    const t = new AttrInterner();
    const local = t.intern({ origin: 0, asPath: [] }, new Uint8Array(0));
    expect(new NextHopSets().acquireOne(local)).to.equal(0);
  });

  it('frees a set at its last release and never serves a stale cached id for a reused attribute-set id', () => {
    const t = new AttrInterner();
    const sets = new NextHopSets();
    const a = t.intern({ origin: 0, asPath: [{ type: 2, asns: [1] }] }, v4(10, 0, 0, 1));
    t.ref(a.id);
    const ida = sets.acquireOne(a);
    sets.acquireOne(a);
    sets.release(ida);
    expect(sets.size).to.equal(1);
    sets.release(ida);
    expect(sets.size).to.equal(0);
    expect(sets.hops(0)).to.equal(null);
    // The attribute set goes away; a new one with another next hop takes its id.
    t.unref(a.id);
    const b = t.intern({ origin: 2, asPath: [{ type: 2, asns: [9] }] }, v4(10, 9, 9, 9));
    expect(b.id).to.equal(a.id);
    // A third set takes the freed next-hop-set id first, with yet another next hop.
    const c = t.intern({ origin: 0, asPath: [{ type: 2, asns: [7] }] }, v4(10, 7, 7, 7));
    const idc = sets.acquireOne(c);
    expect(idc).to.equal(ida);
    const idb = sets.acquireOne(b);
    expect(idb).to.not.equal(idc);
    expect(sets.hops(idb)![0].join('.')).to.equal('10.9.9.9');
    expect(sets.hops(idc)![0].join('.')).to.equal('10.7.7.7');
  });

  it('caches attribute-set ids beyond the initial table size', () => {
    const t = new AttrInterner();
    const sets = new NextHopSets();
    const ids = new Set<number>();
    for (let i = 0; i < 3000; i++) {
      const a = t.intern({ origin: 0, med: i, asPath: [{ type: 2, asns: [1] }] }, v4(10, 0, (i >> 8) & 3, 1));
      t.ref(a.id);
      ids.add(sets.acquireOne(a));
      expect(sets.acquireOne(a)).to.equal(sets.acquire([a]));
    }
    expect(ids.size).to.equal(4);
  });
});
