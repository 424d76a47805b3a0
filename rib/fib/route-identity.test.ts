// Text of kernel route destinations and next hop addresses (formatPrefix, formatAddress), which
// delegate to bgp/wire/prefix-text.ts. Expected strings are written by hand from RFC 5952 §4
// (lower case, no leading zeros, "::" for the longest run of two or more zero groups).
import { expect } from 'chai';
import { formatAddress, formatPrefix } from './route-identity.ts';
import { AddressFamily } from './rtnetlink-constants.ts';

describe('rib/fib/route-identity: address and prefix text', () => {
  it('IPv4 destinations from the number form, IPv6 from four words', () => {
    expect(formatPrefix({ family: AddressFamily.INET, dst: [0x0af40200], dstLength: 24 })).to.equal(
      '10.244.2.0/24',
    );
    expect(formatPrefix({ family: AddressFamily.INET, dst: [0], dstLength: 0 })).to.equal('0.0.0.0/0');
    expect(formatPrefix({ family: AddressFamily.INET6, dst: [0xfd000000, 0, 0, 0], dstLength: 64 })).to.equal(
      'fd00::/64',
    );
    expect(
      formatPrefix({ family: AddressFamily.INET6, dst: [0x20010db8, 0, 0x00010000, 0], dstLength: 128 }),
    ).to.equal('2001:db8:0:0:1::/128');
  });

  it('addresses as bytes: dotted quad, and RFC 5952 text for IPv6', () => {
    expect(formatAddress(new Uint8Array([192, 0, 2, 1]))).to.equal('192.0.2.1');
    const v6 = (groups: number[]) => new Uint8Array(groups.flatMap((g) => [g >> 8, g & 0xff]));
    expect(formatAddress(v6([0xfe80, 0, 0, 0, 0x1, 0x2ff, 0xfe00, 0x1]))).to.equal('fe80::1:2ff:fe00:1');
    // RFC 5952 §4.2.3: the longest run of zero groups is shortened; on a tie, the first.
    expect(formatAddress(v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 0]))).to.equal('2001:db8:0:0:1::');
    expect(formatAddress(v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]))).to.equal('2001:db8::1:0:0:1');
    // RFC 5952 §4.2.2: one zero group alone is not shortened.
    expect(formatAddress(v6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]))).to.equal('2001:db8:0:1:1:1:1:1');
    expect(formatAddress(new Uint8Array(16))).to.equal('::');
  });
});
