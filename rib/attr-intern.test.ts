// Attribute interning: equal sets share one frozen object, reference counts free unused sets,
// and freed ids are reused. Values are hand-written.
import { expect } from 'chai';
import { AttrInterner } from './attr-intern.ts';

const nh = Uint8Array.of(10, 0, 0, 1);

describe('rib/AttrInterner', () => {
  it('returns the same frozen object for equal attribute sets, whatever object they came in', () => {
    const t = new AttrInterner();
    const a = t.intern({ origin: 0, asPath: [{ type: 2, asns: [65001, 2] }], communities: [1, 2] }, nh);
    const b = t.intern(
      { communities: [1, 2], asPath: [{ type: 2, asns: [65001, 2] }], origin: 0 },
      Uint8Array.of(10, 0, 0, 1),
    );
    expect(b).to.equal(a);
    expect(Object.isFrozen(a)).to.equal(true);
    expect(Object.isFrozen(a.attrs.asPath)).to.equal(true);
    expect(a.asPathLength).to.equal(2);
    expect(a.neighborAs).to.equal(65001);
  });

  it('tells apart sets differing in any one field, including the next hop', () => {
    const t = new AttrInterner();
    const base = { origin: 0, asPath: [{ type: 2, asns: [1] }] };
    const variants = [
      t.intern(base, nh),
      t.intern(base, Uint8Array.of(10, 0, 0, 2)),
      t.intern({ ...base, med: 0 }, nh),
      t.intern({ ...base, localPref: 100 }, nh),
      t.intern({ ...base, asPath: [{ type: 1, asns: [1] }] }, nh),
      t.intern({ ...base, largeCommunities: [1, 2, 3] }, nh),
      t.intern({ ...base, extCommunities: [Uint8Array.of(0, 2, 0, 1, 0, 0, 0, 1)] }, nh),
      t.intern({ ...base, clusterList: [1] }, nh),
      t.intern({ ...base, atomicAggregate: true }, nh),
    ];
    expect(new Set(variants).size).to.equal(variants.length);
    expect(t.size).to.equal(variants.length);
  });

  it('ignores the NLRI-carrying attributes', () => {
    const t = new AttrInterner();
    const a = t.intern({ origin: 0 }, nh);
    const b = t.intern(
      {
        origin: 0,
        mpUnreach: {
          afi: 2,
          safi: 1,
          withdrawn: {
            afi: 2,
            count: 0,
            words: new Uint32Array(0),
            lengths: new Uint8Array(0),
            pathIds: null,
          },
        },
      },
      nh,
    );
    expect(b).to.equal(a);
    expect('mpUnreach' in a.attrs).to.equal(false);
  });

  it('frees a set when its last reference goes and reuses the id', () => {
    const t = new AttrInterner();
    const a = t.intern({ origin: 1 }, nh);
    t.ref(a.id);
    t.ref(a.id);
    expect(t.refCount(a.id)).to.equal(2);
    t.unref(a.id);
    expect(t.size).to.equal(1);
    t.unref(a.id);
    expect(t.size).to.equal(0);
    expect(() => t.get(a.id)).to.throw();
    const b = t.intern({ origin: 2 }, nh);
    expect(b.id).to.equal(a.id);
    expect(t.intern({ origin: 1 }, nh)).to.not.equal(a);
    t.releaseIfUnused(b.id);
    expect(t.size).to.equal(1);
  });
});
