// Tests for prefix-count.ts: V4PrefixSet against a plain Set through growth (incremental moves)
// and removals, and PrefixCount's max-prefix semantics (implicit withdraw on re-announcement,
// RFC 7606 treat-as-withdraw, per-family keys, ADD-PATH ids counted apart). Inputs are built by
// hand from the PrefixList layout; no encoder involved.
import { expect } from 'chai';
import type { PrefixList, UpdateMessage } from '../wire/types.ts';
import { PrefixCount, V4PrefixSet } from './prefix-count.ts';
import { Afi, familyKey, Safi } from '../wire/iana/afi-safi.ts';

const V4 = familyKey(Afi.IPV4, Safi.UNICAST);
const V6 = familyKey(Afi.IPV6, Safi.UNICAST);

function v4List(prefixes: [number, number][], pathIds: number[] | null = null): PrefixList {
  return {
    afi: Afi.IPV4,
    count: prefixes.length,
    words: Uint32Array.from(prefixes.map((p) => p[0])),
    lengths: Uint8Array.from(prefixes.map((p) => p[1])),
    pathIds: pathIds === null ? null : Uint32Array.from(pathIds),
  };
}

const EMPTY = v4List([]);

function update(o: Partial<UpdateMessage>): UpdateMessage {
  return { type: 'update', withdrawn: EMPTY, attrs: {}, nlri: EMPTY, ...o };
}

describe('V4PrefixSet', () => {
  it('agrees with a Set through growth, re-adds and removals', () => {
    const s = new V4PrefixSet();
    const ref = new Set<number>();
    // A deterministic pseudo-random walk over a small key space, so adds hit present keys and
    // removals hit absent ones, while the table grows through several incremental moves.
    let x = 12345;
    const next = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 100_000; i++) {
      const r = next();
      const addr = (r & 0xffff) << 8;
      const len = 16 + ((r >>> 16) % 17);
      const key = addr * 64 + len;
      if (i < 60_000 || (r & 0x80000000) === 0) {
        expect(s.add(addr, len)).to.equal(!ref.has(key));
        ref.add(key);
      } else {
        expect(s.delete(addr, len)).to.equal(ref.has(key));
        ref.delete(key);
      }
      if (i % 997 === 0) expect(s.size).to.equal(ref.size);
    }
    expect(s.size).to.equal(ref.size);
    for (const key of ref) expect(s.has(Math.floor(key / 64), key % 64)).to.equal(true);
    for (const key of [...ref]) {
      expect(s.delete(Math.floor(key / 64), key % 64)).to.equal(true);
    }
    expect(s.size).to.equal(0);
  });

  it('holds the extremes: 0.0.0.0/0 and 255.255.255.255/32', () => {
    const s = new V4PrefixSet();
    expect(s.add(0, 0)).to.equal(true);
    expect(s.add(0xffffffff, 32)).to.equal(true);
    expect(s.has(0, 0)).to.equal(true);
    expect(s.has(0, 1)).to.equal(false);
    expect(s.has(0xffffffff, 32)).to.equal(true);
    expect(s.delete(0, 0)).to.equal(true);
    expect(s.has(0, 0)).to.equal(false);
    expect(s.size).to.equal(1);
  });
});

describe('PrefixCount', () => {
  it('counts a re-announced prefix once and withdrawals down to zero', () => {
    const c = new PrefixCount();
    const a = v4List([
      [0x0a000000, 24],
      [0x0a000100, 24],
    ]);
    expect(c.apply(update({ nlri: a }))).to.deep.equal([V4]);
    // RFC 4271 §3.1: a re-announcement replaces the route; the count does not grow.
    expect(c.apply(update({ nlri: a }))).to.deep.equal([]);
    expect(c.count(V4)).to.equal(2);
    c.apply(update({ withdrawn: v4List([[0x0a000000, 24]]) }));
    expect(c.count(V4)).to.equal(1);
    // Withdrawing what was never announced changes nothing.
    c.apply(update({ withdrawn: v4List([[0x0b000000, 8]]) }));
    expect(c.count(V4)).to.equal(1);
    c.apply(update({ withdrawn: v4List([[0x0a000100, 24]]) }));
    expect(c.count(V4)).to.equal(0);
  });

  it('handles treat-as-withdraw announcements as withdrawals (RFC 7606)', () => {
    const c = new PrefixCount();
    const a = v4List([[0xc0000200, 24]]);
    c.apply(update({ nlri: a }));
    expect(c.apply(update({ nlri: a, treatAsWithdraw: true }))).to.deep.equal([]);
    expect(c.count(V4)).to.equal(0);
  });

  it('counts ADD-PATH ids apart and IPv6 in its own family', () => {
    const c = new PrefixCount();
    c.apply(
      update({
        nlri: v4List(
          [
            [0x0a000000, 24],
            [0x0a000000, 24],
          ],
          [1, 2],
        ),
      }),
    );
    expect(c.count(V4)).to.equal(2);
    const v6: PrefixList = {
      afi: Afi.IPV6,
      count: 1,
      words: Uint32Array.of(0x20010db8, 0, 0, 0),
      lengths: Uint8Array.of(32),
      pathIds: null,
    };
    const grew = c.apply(
      update({
        attrs: {
          mpReach: {
            afi: Afi.IPV6,
            safi: Safi.UNICAST,
            nextHop: new Uint8Array(16),
            linkLocal: null,
            nlri: v6,
          },
        },
      }),
    );
    expect(grew).to.deep.equal([V6]);
    expect(c.count(V6)).to.equal(1);
    c.apply(update({ attrs: { mpUnreach: { afi: Afi.IPV6, safi: Safi.UNICAST, withdrawn: v6 } } }));
    expect(c.count(V6)).to.equal(0);
    expect(c.keys()).to.have.members([V4, V6]);
    c.clear();
    expect(c.count(V4)).to.equal(0);
  });
});
