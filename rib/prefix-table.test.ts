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

  it('parses and prints IPv4 and IPv6 prefixes (RFC 5952 text)', () => {
    expect(formatPrefix(parsePrefix('10.244.0.0/16'))).to.equal('10.244.0.0/16');
    expect(formatPrefix(parsePrefix('2001:DB8:0:0:1::/80'))).to.equal('2001:db8:0:0:1::/80');
    expect(formatPrefix(parsePrefix('::/0'))).to.equal('::/0');
    expect(parsePrefix('fd00::1/128').words).to.deep.equal([0xfd000000, 0, 0, 1]);
    expect(() => parsePrefix('10.0.0.1/8')).to.throw(/host bits/);
    expect(() => parsePrefix('10.0.0/8')).to.throw(/bad IPv4/);
    expect(ipv4Key(0xffffffff, 32)).to.equal(0xffffffff * 64 + 32);
  });

  it('tests containment', () => {
    expect(prefixContains(parsePrefix('10.244.0.0/16'), parsePrefix('10.244.3.0/24'))).to.equal(true);
    expect(prefixContains(parsePrefix('10.244.0.0/16'), parsePrefix('10.245.0.0/24'))).to.equal(false);
    expect(prefixContains(parsePrefix('fd00:10::/32'), parsePrefix('fd00:10:0:5::/64'))).to.equal(true);
    expect(prefixContains(parsePrefix('fd00:10::/32'), parsePrefix('10.0.0.0/8'))).to.equal(false);
  });
});
