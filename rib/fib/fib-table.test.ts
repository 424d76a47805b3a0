// FibTable and parseFibKey: a prefix's slot gives back its destination, key and text as fibKey()
// and formatPrefix() make them; slots are dropped only when both views are empty and the slot is
// not queued; columns grow past their first size. Prefixes are hand-written.
import { expect } from 'chai';
import { FibTable, parseFibKey } from './fib-table.ts';
import { fibKey } from './route-identity.ts';
import { AddressFamily } from './rtnetlink-constants.ts';

describe('rib/fib/FibTable', () => {
  it('maps IPv4 and IPv6 prefixes to slots and back to keys and text', () => {
    const v4 = new FibTable(AddressFamily.INET);
    const s = v4.insert([0x0af40200], 24);
    expect(v4.find([0x0af40200], 24)).to.equal(s);
    expect(v4.find([0x0af40200], 23)).to.equal(-1);
    expect(v4.keyOf(s)).to.equal(fibKey(AddressFamily.INET, [0x0af40200], 24));
    expect(v4.prefixText(s)).to.equal('10.244.2.0/24');
    const v6 = new FibTable(AddressFamily.INET6);
    const w = [0xfd100244, 0x00010000, 0, 0];
    const t = v6.insert(w, 64);
    expect(v6.keyOf(t)).to.equal(fibKey(AddressFamily.INET6, w, 64));
    expect(v6.prefixText(t)).to.equal('fd10:244:1::/64');
    expect(v6.dst(t)).to.deep.equal(w);
  });

  it('parseFibKey inverts fibKey for both families', () => {
    expect(parseFibKey(fibKey(AddressFamily.INET, [0xc0a80000], 16))).to.deep.equal({
      family: AddressFamily.INET,
      dst: [0xc0a80000],
      dstLength: 16,
    });
    expect(parseFibKey(fibKey(AddressFamily.INET, [0], 0))).to.deep.equal({
      family: AddressFamily.INET,
      dst: [0],
      dstLength: 0,
    });
    const w = [0x20010db8, 0xffffffff, 0x00000001, 0x80000000];
    expect(parseFibKey(fibKey(AddressFamily.INET6, w, 128))).to.deep.equal({
      family: AddressFamily.INET6,
      dst: w,
      dstLength: 128,
    });
  });

  it('drops a slot only when unwanted, not in the kernel and not queued', () => {
    const t = new FibTable(AddressFamily.INET);
    const s = t.insert([0x0a000000], 8);
    t.want[s] = 1;
    t.dropIfUnused(s);
    expect(t.has(s)).to.equal(true);
    t.want[s] = 0;
    t.kernel[s] = 1;
    t.dropIfUnused(s);
    expect(t.has(s)).to.equal(true);
    t.kernel[s] = 0;
    t.queued[s] = 1;
    t.dropIfUnused(s);
    expect(t.has(s)).to.equal(true);
    t.queued[s] = 0;
    t.dropIfUnused(s);
    expect(t.has(s)).to.equal(false);
    expect(t.find([0x0a000000], 8)).to.equal(-1);
  });

  it('grows its columns with the prefix table', () => {
    const t = new FibTable(AddressFamily.INET);
    for (let i = 0; i < 5000; i++) {
      const s = t.insert([(0x14000000 + i * 256) >>> 0], 24);
      t.want[s] = i + 1;
    }
    expect(t.want.length).to.be.at.least(t.slotLimit);
    expect(t.want[t.find([(0x14000000 + 4999 * 256) >>> 0], 24)]).to.equal(5000);
  });
});
