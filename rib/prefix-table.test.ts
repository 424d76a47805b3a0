// PrefixTable against a Map oracle under random inserts and removals (both families), plus the
// prefix text helpers, with expectations written by hand.
import { expect } from 'chai';
import { PrefixTable } from './prefix-table.ts';
import { formatPrefix, ipv4Key, parsePrefix, prefixContains } from './prefix.ts';

describe('rib/PrefixTable', () => {
  for (const afi of [1, 2]) {
    it(`matches a Map oracle under random inserts and removals (AFI ${afi})`, () => {
      const stride = afi === 1 ? 1 : 4;
      const t = new PrefixTable(afi, 4);
      const oracle = new Map<string, number>();
      let seed = 12345;
      const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
      const w = new Uint32Array(stride);
      for (let i = 0; i < 20000; i++) {
        for (let k = 0; k < stride; k++) w[k] = (rnd() % 64) << 24;
        const len = 8 + (rnd() % 3);
        const key = `${Array.from(w).join(',')}/${len}`;
        if (rnd() % 3 === 0) {
          const s = t.find(w, 0, len);
          expect(s).to.equal(oracle.get(key) ?? -1);
          if (s >= 0) {
            t.remove(s);
            oracle.delete(key);
          }
        } else {
          const s = t.insert(w, 0, len);
          if (oracle.has(key)) expect(s).to.equal(oracle.get(key));
          oracle.set(key, s);
          expect(t.lengthOf(s)).to.equal(len);
        }
      }
      expect(t.size).to.equal(oracle.size);
      for (const [key, s] of oracle) {
        const [ws, len] = key.split('/');
        expect(t.find(ws.split(',').map(Number), 0, Number(len))).to.equal(s);
      }
    });
  }

  it('grows a step at a time: every prefix stays findable while slots move to the bigger buckets', () => {
    const t = new PrefixTable(1, 16);
    const w = new Uint32Array(1);
    const n = 50000;
    let growthsSeen = 0;
    let growingOps = 0;
    let wasGrowing = false;
    for (let i = 0; i < n; i++) {
      w[0] = (0x0a000000 + i * 256) >>> 0;
      expect(t.insert(w, 0, 24)).to.equal(i);
      if (t.growing) {
        growingOps++;
        if (!wasGrowing) growthsSeen++;
        // Mid-growth: an early prefix (moved or not yet) and the newest one are both found.
        if (i % 97 === 0) {
          w[0] = 0x0a000000;
          expect(t.find(w, 0, 24)).to.equal(0);
          w[0] = (0x0a000000 + Math.floor(i / 2) * 256) >>> 0;
          expect(t.find(w, 0, 24)).to.equal(Math.floor(i / 2));
        }
      }
      wasGrowing = t.growing;
    }
    // 16 -> 65536 buckets is 12 doublings; each took several inserts, not one.
    expect(growthsSeen).to.be.at.least(10);
    expect(growingOps).to.be.greaterThan(growthsSeen * 2);
    for (let i = 0; i < n; i += 7) {
      w[0] = (0x0a000000 + i * 256) >>> 0;
      expect(t.find(w, 0, 24)).to.equal(i);
    }
  });

  it('removes and re-adds prefixes while a growth is under way without reusing slots too early', () => {
    const t = new PrefixTable(1, 16);
    const w = new Uint32Array(1);
    const at = (i: number): Uint32Array => {
      w[0] = (0x14000000 + i * 256) >>> 0;
      return w;
    };
    let i = 0;
    while (!t.growing || t.size < 1000) t.insert(at(i++), 0, 24);
    // Remove a slot not yet moved and one already moved, then insert new prefixes.
    const notMoved = t.find(at(i - 2), 0, 24);
    t.remove(notMoved);
    t.remove(t.find(at(0), 0, 24));
    const fresh = t.insert(at(100000), 0, 24);
    expect(fresh).to.not.equal(notMoved);
    expect(t.find(at(i - 2), 0, 24)).to.equal(-1);
    expect(t.find(at(0), 0, 24)).to.equal(-1);
    expect(t.find(at(100000), 0, 24)).to.equal(fresh);
    expect(t.find(at(1), 0, 24)).to.be.at.least(0);
    expect(t.size).to.equal(i - 1);
  });

  it('parses and prints IPv4 and IPv6 prefixes (RFC 5952 text)', () => {
    expect(formatPrefix(parsePrefix('10.244.0.0/16'))).to.equal('10.244.0.0/16');
    expect(formatPrefix(parsePrefix('2001:DB8:0:0:1::/80'))).to.equal('2001:db8:0:0:1::/80');
    expect(formatPrefix(parsePrefix('::/0'))).to.equal('::/0');
    expect(parsePrefix('fd00::1/128').words).to.deep.equal([0xfd000000, 0, 0, 1]);
    expect(() => parsePrefix('10.0.0.1/8')).to.throw(/host bits/);
    expect(() => parsePrefix('10.0.0/8')).to.throw(/not an IPv4 address/);
    expect(ipv4Key(0xffffffff, 32)).to.equal(0xffffffff * 64 + 32);
  });

  it('tests containment', () => {
    expect(prefixContains(parsePrefix('10.244.0.0/16'), parsePrefix('10.244.3.0/24'))).to.equal(true);
    expect(prefixContains(parsePrefix('10.244.0.0/16'), parsePrefix('10.245.0.0/24'))).to.equal(false);
    expect(prefixContains(parsePrefix('fd00:10::/32'), parsePrefix('fd00:10:0:5::/64'))).to.equal(true);
    expect(prefixContains(parsePrefix('fd00:10::/32'), parsePrefix('10.0.0.0/8'))).to.equal(false);
  });
});
