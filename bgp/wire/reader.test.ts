import { expect } from 'chai';
import { Reader } from './reader.ts';
import { Writer } from './writer.ts';
import { BgpError } from './errors.ts';

describe('wire/Reader', () => {
  const mk = (bytes: number[]) => new Reader(Buffer.from(bytes), 0, bytes.length, 3, 1, 'test');

  it('reads big-endian integers and tracks remaining bytes', () => {
    const r = mk([0x01, 0x02, 0x03, 0xff, 0xff, 0xff, 0xfe]);
    expect(r.u8()).to.equal(1);
    expect(r.u16()).to.equal(0x0203);
    expect(r.u32()).to.equal(0xfffffffe);
    expect(r.done).to.equal(true);
  });

  it('throws a BgpError with its code, subcode and action on a short read, never a RangeError', () => {
    const r = new Reader(Buffer.from([1, 2, 3]), 0, 3, 3, 5, 'ORIGIN', 'treat-as-withdraw');
    r.u16();
    try {
      r.u16();
      expect.fail('no error');
    } catch (e) {
      expect(e).to.be.instanceOf(BgpError);
      const b = e as BgpError;
      expect([b.code, b.subcode, b.action]).to.deep.equal([3, 5, 'treat-as-withdraw']);
      expect(b.message).to.contain('ORIGIN');
    }
  });

  it('cuts sub-readers to the declared length', () => {
    const r = mk([0, 1, 2, 3, 4]);
    const s = r.sub(2, 'inner');
    expect(r.pos).to.equal(2);
    expect(s.u16()).to.equal(1);
    expect(() => s.u8()).to.throw(BgpError);
    expect(() => r.sub(4)).to.throw(BgpError);
  });
});

describe('wire/Writer', () => {
  it('fills reserved length fields with the bytes written after them', () => {
    const w = new Writer(16);
    const at = w.reserveU16();
    w.u32(0xdeadbeef);
    w.u8(7);
    w.fillU16(at);
    expect(w.result().toString('hex')).to.equal('0005deadbeef07');
  });

  it('throws RangeError on overflow: our own bug must crash loudly', () => {
    const w = new Writer(1);
    expect(() => w.u16(1)).to.throw(RangeError);
  });
});
