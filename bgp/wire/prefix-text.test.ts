// Tests for prefix and address text. Expected strings follow RFC 5952 §4 (IPv6 text form).
import { expect } from 'chai';
import { Afi } from './iana/afi-safi.ts';
import {
  formatAddress,
  formatIpv6Words,
  formatPrefix,
  parseIpv6,
  parsePrefix,
  prefixList,
} from './prefix-text.ts';

describe('wire/prefix-text', () => {
  it('formats IPv6 the RFC 5952 way', () => {
    const cases: [string, string][] = [
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group is not shortened
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of equal runs
      ['::', '::'],
      ['fe80::', 'fe80::'],
      ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ];
    for (const [input, want] of cases) expect(formatIpv6Words(parseIpv6(input))).to.equal(want);
  });

  it('parses prefixes and builds lists', () => {
    expect(parsePrefix('10.1.0.0/16')).to.deep.equal({ afi: Afi.IPV4, words: [0x0a010000], length: 16 });
    expect(parsePrefix('2001:db8::/32').words).to.deep.equal([0x20010db8, 0, 0, 0]);
    const l = prefixList(Afi.IPV6, ['2001:db8::/32', ['::/0', 7]]);
    expect(formatPrefix(l, 0)).to.equal('2001:db8::/32');
    expect(formatPrefix(l, 1)).to.equal('::/0');
    expect([...l.pathIds!]).to.deep.equal([0, 7]);
    expect(formatAddress(Uint8Array.of(192, 0, 2, 1))).to.equal('192.0.2.1');
  });

  for (const text of [
    '10.0.0.0',
    '10.0.0.1/24',
    '10.0.0.0/33',
    '256.0.0.0/8',
    '1.2.3/8',
    '10.0.0.0/08',
    '::1::/64',
    '2001:db8::/129',
    'g::/8',
    '1:2:3:4:5:6:7:8:9/128',
    'x',
  ]) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      expect(() => parsePrefix(text)).to.throw(Error);
    });
  }
});
