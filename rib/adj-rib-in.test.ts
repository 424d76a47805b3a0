// AdjRibIn rows across segment boundaries: per-prefix and per-peer links, free-row reuse, field
// packing (peer index and flags share a word; path ids use all 32 bits). Values are hand-written.
import { expect } from 'chai';
import { AdjRibIn } from './adj-rib-in.ts';

describe('rib/AdjRibIn', () => {
  it('keeps rows of many segments linked per prefix and per peer', () => {
    const a = new AdjRibIn(16, 16);
    const peers = 3;
    const slots = 30000;
    // 90k rows: several 16384-row segments, added without copying any earlier one.
    for (let s = 0; s < slots; s++)
      for (let p = 1; p <= peers; p++) a.add(s, p, 0xfffffff0 + p, s + 1, 0, p === 2 ? 1 : 0);
    expect(a.size).to.equal(slots * peers);
    expect(a.countOf(2)).to.equal(slots);
    const r = a.find(29999, 3, 0xfffffff3);
    expect(r).to.be.at.least(0);
    expect(a.slotOf(r)).to.equal(29999);
    expect(a.peerIndexOf(r)).to.equal(3);
    expect(a.pathIdOf(r)).to.equal(0xfffffff3);
    expect(a.attrOf(r)).to.equal(30000);
    expect(a.flagsOf(a.find(5, 2, 0xfffffff2))).to.equal(1);
    expect(a.find(5, 2, 0xfffffff3)).to.equal(-1);
    let n = 0;
    for (let x = a.head(17); x >= 0; x = a.nextOf(x)) n++;
    expect(n).to.equal(peers);
    // The old column views read the same fields.
    expect(a.attr[r]).to.equal(30000);
    expect(a.peer[r]).to.equal(3);
  });

  it('removes rows from both lists and reuses them', () => {
    const a = new AdjRibIn(4, 4);
    const r1 = a.add(7, 1, 0, 11, 0, 0);
    const r2 = a.add(7, 2, 0, 12, 0, 0);
    const r3 = a.add(8, 1, 0, 13, 0, 0);
    a.remove(r2);
    expect(a.find(7, 2, 0)).to.equal(-1);
    expect(a.slotOf(r2)).to.equal(-1);
    expect(a.countOf(2)).to.equal(0);
    expect(a.peerFirst(2)).to.equal(-1);
    a.remove(r1);
    expect(a.head(7)).to.equal(-1);
    const walk: number[] = [];
    for (let x = a.peerFirst(1); x >= 0; x = a.peerNextOf(x)) walk.push(x);
    expect(walk).to.deep.equal([r3]);
    const r4 = a.add(9, 4, 0, 14, 5, 0);
    expect([r1, r2]).to.include(r4);
    a.setAttrs(r4, 15, 0, 2);
    expect(a.attrOf(r4)).to.equal(15);
    expect(a.preOf(r4)).to.equal(0);
    expect(a.flagsOf(r4)).to.equal(2);
    expect(a.peerIndexOf(r4)).to.equal(4);
    a.setFlags(r4, 1);
    expect(a.isStale(r4)).to.equal(true);
  });
});
