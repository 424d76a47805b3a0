// Tests for peer address normalisation, matching against peers and ranges, and GTSM numbers.
import { expect } from 'chai';
import { addressFamily, gtsmMinTtl, normalizeAddress, PeerAddressSet } from './peer-address.ts';

describe('bgp/transport/peer-address', () => {
  it('turns IPv4-mapped IPv6 addresses into IPv4 and canonicalises IPv6 text', () => {
    expect(normalizeAddress('::ffff:192.0.2.1')).to.equal('192.0.2.1');
    expect(normalizeAddress('::FFFF:c000:0201')).to.equal('192.0.2.1');
    expect(normalizeAddress('2001:DB8:0:0::1')).to.equal('2001:db8::1');
    expect(normalizeAddress('fe80::0:1%eth0')).to.equal('fe80::1%eth0');
    expect(normalizeAddress('192.0.2.1')).to.equal('192.0.2.1');
    expect(normalizeAddress('')).to.equal('');
  });

  it('knows address families', () => {
    expect(addressFamily('10.0.0.1')).to.equal(4);
    expect(addressFamily('::1')).to.equal(6);
    expect(() => addressFamily('router1')).to.throw(TypeError);
  });

  it('computes the RFC 5082 minimum TTL from the hop count', () => {
    expect(gtsmMinTtl(1)).to.equal(255); // directly connected: TrustRadius 0
    expect(gtsmMinTtl(2)).to.equal(254); // one router in between
    expect(gtsmMinTtl(255)).to.equal(1);
    expect(() => gtsmMinTtl(0)).to.throw(RangeError);
    expect(() => gtsmMinTtl(256)).to.throw(RangeError);
  });

  it('matches configured peers exactly and ranges by longest prefix', () => {
    const set = new PeerAddressSet();
    set.addPeer('10.1.2.3');
    set.addPeer('2001:DB8::7');
    set.addRange('10.0.0.0', 8);
    set.addRange('10.1.0.0', 16);
    set.addRange('2001:db8:1::', 48);
    expect(set.match('10.1.2.3')).to.deep.equal({ kind: 'peer', address: '10.1.2.3' });
    expect(set.match('::ffff:10.1.2.3')).to.deep.equal({ kind: 'peer', address: '10.1.2.3' });
    expect(set.match('2001:db8::7')).to.deep.equal({ kind: 'peer', address: '2001:db8::7' });
    expect(set.match('10.1.9.9')).to.deep.equal({ kind: 'range', prefix: '10.1.0.0', prefixLength: 16 });
    expect(set.match('10.200.0.1')).to.deep.equal({ kind: 'range', prefix: '10.0.0.0', prefixLength: 8 });
    expect(set.match('2001:db8:1:2::9')).to.deep.equal({
      kind: 'range',
      prefix: '2001:db8:1::',
      prefixLength: 48,
    });
    expect(set.has('11.0.0.1')).to.equal(false);
    expect(set.has('2001:db8:2::1')).to.equal(false);
    expect(set.has('not an address')).to.equal(false);
    set.removeRange('10.1.0.0', 16);
    set.removePeer('10.1.2.3');
    expect(set.match('10.1.2.3')).to.deep.equal({ kind: 'range', prefix: '10.0.0.0', prefixLength: 8 });
    expect(() => set.addRange('10.0.0.0', 33)).to.throw(RangeError);
  });
});
