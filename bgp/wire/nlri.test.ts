// Tests for NLRI decoding/encoding. Byte vectors are written by hand from the field layouts of
// RFC 4271 §4.3 (<length, prefix>), RFC 4760 §5 and RFC 7911 §3 (4-octet Path Identifier first).
import { expect } from 'chai';
import { BgpError } from './errors.ts';
import { Afi } from './iana/afi-safi.ts';
import { decodePrefixes, prefixesWireLength, writePrefixes } from './nlri.ts';
import { formatPrefixes, prefixList } from './prefix-text.ts';
import type { PrefixList } from './types.ts';

const dec = (bytes: number[], afi: number = Afi.IPV4, addPath = false) =>
  decodePrefixes(Buffer.from(bytes), 0, bytes.length, afi, addPath, 'test');

function enc(list: PrefixList, addPath = false): number[] {
  const n = prefixesWireLength(list, 0, list.count, addPath);
  const buf = Buffer.alloc(n);
  expect(writePrefixes(buf, 0, list, 0, list.count, addPath)).to.equal(n);
  return [...buf];
}

describe('wire/nlri', () => {
  it('decodes IPv4 prefixes of every byte width (RFC 4271 §4.3 layout, by hand)', () => {
    const bytes = [0, 8, 10, 12, 172, 16, 24, 192, 168, 1, 32, 192, 0, 2, 1];
    const l = dec(bytes);
    expect(formatPrefixes(l)).to.deep.equal([
      '0.0.0.0/0',
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.1.0/24',
      '192.0.2.1/32',
    ]);
    expect(l.pathIds).to.equal(null);
    expect(enc(l)).to.deep.equal(bytes);
  });

  it('clears trailing bits beyond the prefix length so each prefix has one form', () => {
    // 10.0.1.0/23: the low bit of the third octet is beyond the length ("irrelevant", RFC 4271 §4.3).
    const l = dec([23, 10, 0, 1]);
    expect(formatPrefixes(l)).to.deep.equal(['10.0.0.0/23']);
    expect(enc(l)).to.deep.equal([23, 10, 0, 0]);
    const v6 = dec([33, 0x20, 0x01, 0x0d, 0xb8, 0xff], Afi.IPV6);
    expect(formatPrefixes(v6)).to.deep.equal(['2001:db8:8000::/33']);
  });

  it('decodes and encodes IPv6 prefixes (RFC 4760 §5 layout, by hand)', () => {
    const bytes = [
      32,
      0x20,
      0x01,
      0x0d,
      0xb8,
      64,
      0x20,
      0x01,
      0x0d,
      0xb8,
      0,
      1,
      0,
      0,
      128,
      ...Array(15).fill(0),
      1,
      0,
    ];
    const l = dec(bytes, Afi.IPV6);
    expect(formatPrefixes(l)).to.deep.equal(['2001:db8::/32', '2001:db8:1::/64', '::1/128', '::/0']);
    expect(enc(l)).to.deep.equal(bytes);
  });

  it('reads and writes ADD-PATH path identifiers (RFC 7911 §3)', () => {
    const bytes = [0, 0, 0, 1, 24, 10, 0, 0, 0xff, 0xff, 0xff, 0xfe, 24, 10, 0, 0];
    const l = dec(bytes, Afi.IPV4, true);
    expect(formatPrefixes(l)).to.deep.equal(['10.0.0.0/24#1', '10.0.0.0/24#4294967294']);
    expect(enc(l, true)).to.deep.equal(bytes);
    // Without identifiers in the list, identifier 0 is sent.
    expect(enc(prefixList(Afi.IPV4, ['10.0.0.0/8']), true)).to.deep.equal([0, 0, 0, 0, 8, 10]);
  });

  const bad: [string, number[], number, boolean][] = [
    ['IPv4 length 33', [33, 1, 2, 3, 4, 5], Afi.IPV4, false],
    ['IPv6 length 129', [129, ...Array(17).fill(0)], Afi.IPV6, false],
    ['prefix overruns the field', [24, 10, 0], Afi.IPV4, false],
    ['path id truncated', [0, 0, 1], Afi.IPV4, true],
    ['path id without a length octet', [0, 0, 0, 1], Afi.IPV4, true],
  ];
  for (const [name, bytes, afi, addPath] of bad) {
    it(`rejects ${name} with 3/10 Invalid Network Field and the caller's action`, () => {
      try {
        decodePrefixes(Buffer.from(bytes), 0, bytes.length, afi, addPath, 'NLRI', 'afi-safi-disable');
        expect.fail('no error');
      } catch (e) {
        expect(e).to.be.instanceOf(BgpError);
        const b = e as BgpError;
        expect([b.code, b.subcode, b.action]).to.deep.equal([3, 10, 'afi-safi-disable']);
      }
    });
  }

  it('round-trips random prefixes of both families', () => {
    for (const afi of [Afi.IPV4, Afi.IPV6]) {
      const max = afi === Afi.IPV4 ? 32 : 128;
      const bytes: number[] = [];
      for (let i = 0; i < 500; i++) {
        const len = Math.floor(Math.random() * (max + 1));
        bytes.push(len);
        const n = (len + 7) >>> 3;
        for (let k = 0; k < n; k++) bytes.push(Math.floor(Math.random() * 256));
        // make trailing bits zero so the bytes round-trip exactly
        if (len % 8 !== 0) bytes[bytes.length - 1]! &= (0xff << (8 - (len % 8))) & 0xff;
      }
      const l = dec(bytes, afi);
      expect(l.count).to.equal(500);
      expect(enc(l)).to.deep.equal(bytes);
    }
  });
});
