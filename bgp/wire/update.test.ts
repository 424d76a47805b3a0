// Tests for UPDATE decode/encode. Golden bytes are written by hand from the RFC field layouts
// (cited per vector), never produced by our encoder; the encoder must reproduce them exactly.
import { expect } from 'chai';
import { Afi, IPV4_UNICAST, IPV6_UNICAST, Safi } from './iana/afi-safi.ts';
import { formatPrefixes, parseIpv6, prefixList } from './prefix-text.ts';
import { DEFAULT_CONTEXT, type CodecContext, type PathAttributes, type UpdateMessage } from './types.ts';
import { decodeUpdate, encodeEndOfRib, encodeUpdate, isEndOfRib, updateToJson } from './update.ts';
import { emptyPrefixList } from './nlri.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MARKER = 'ff'.repeat(16);
const withHeader = (body: Buffer) =>
  Buffer.concat([hex(MARKER), Buffer.from([(body.length + 19) >> 8, (body.length + 19) & 0xff, 2]), body]);
const ctx = (over: Partial<CodecContext> = {}): CodecContext => ({ ...DEFAULT_CONTEXT, ...over });

function v6bytes(text: string): Uint8Array {
  const w = parseIpv6(text);
  const b = Buffer.alloc(16);
  w.forEach((x, i) => b.writeUInt32BE(x, i * 4));
  return new Uint8Array(b);
}

describe('wire/update golden vectors', () => {
  // RFC 4271 §4.3 UPDATE layout and §5.1 attribute layouts, 4-octet AS_PATH (RFC 6793 §3), by hand.
  const ipv4Body = hex(`
    0000
    0026
      40 01 01 00
      40 02 0a 02 02 0000fde9 0000fdea
      40 03 04 c0000201
      80 04 04 00000064
      c0 08 04 fde90064
    08 0a   18 c0a801   0c ac10`);

  it('decodes an IPv4 UPDATE (RFC 4271 §4.3 layout) and re-encodes the same bytes', () => {
    const m = decodeUpdate(ipv4Body, ctx());
    expect(m.errors).to.equal(undefined);
    expect(formatPrefixes(m.nlri)).to.deep.equal(['10.0.0.0/8', '192.168.1.0/24', '172.16.0.0/12']);
    expect(m.attrs).to.deep.equal({
      origin: 0,
      asPath: [{ type: 2, asns: [65001, 65002] }],
      nextHop: 0xc0000201,
      med: 100,
      communities: [0xfde90064],
    });
    expect(encodeUpdate(m, ctx()).equals(withHeader(ipv4Body))).to.equal(true);
    expect(updateToJson(m)).to.deep.include({
      nlri: ['10.0.0.0/8', '192.168.1.0/24', '172.16.0.0/12'],
    });
  });

  // RFC 4760 §3 MP_REACH_NLRI with a 32-octet next hop (global + link-local, RFC 2545 §3), by hand.
  const ipv6Body = hex(`
    0000
    0052
      80 0e 33  0002 01 20
                20010db8000000000000000000000001
                fe800000000000000000000000000001
                00
                20 20010db8
                40 20010db8 0001 0000
      40 01 01 02
      40 02 06 02 01 0000fde9
      c0 20 0c 0000fde9 00000001 00000002`);

  it('decodes an IPv6 MP_REACH_NLRI with global + link-local next hop and re-encodes it', () => {
    const m = decodeUpdate(ipv6Body, ctx());
    expect(m.errors).to.equal(undefined);
    const mp = m.attrs.mpReach!;
    expect([mp.afi, mp.safi]).to.deep.equal([2, 1]);
    expect([...mp.nextHop]).to.deep.equal([...v6bytes('2001:db8::1')]);
    expect([...mp.linkLocal!]).to.deep.equal([...v6bytes('fe80::1')]);
    expect(formatPrefixes(mp.nlri)).to.deep.equal(['2001:db8::/32', '2001:db8:1::/64']);
    expect(m.attrs.largeCommunities).to.deep.equal([65001, 1, 2]);
    expect(encodeUpdate(m, ctx()).equals(withHeader(ipv6Body))).to.equal(true);
    expect(updateToJson(m)['attributes']).to.deep.include({
      MP_REACH_NLRI: {
        family: 'ipv6-unicast',
        nextHop: '2001:db8::1',
        linkLocal: 'fe80::1',
        nlri: ['2001:db8::/32', '2001:db8:1::/64'],
      },
      LARGE_COMMUNITY: ['65001:1:2'],
      ORIGIN: 'INCOMPLETE',
    });
  });

  it('decodes IPv4 NLRI with an IPv6 next hop in MP_REACH_NLRI (RFC 8950 §3 layout, by hand)', () => {
    const body = hex(`0000 0023
      80 0e 19 0001 01 10 20010db8000000000000000000000001 00 18 c00002
      40 01 01 00  40 02 00`);
    const m = decodeUpdate(body, ctx());
    expect(m.errors).to.equal(undefined);
    expect(formatPrefixes(m.attrs.mpReach!.nlri)).to.deep.equal(['192.0.2.0/24']);
    expect(m.attrs.mpReach!.nextHop.length).to.equal(16);
    expect(encodeUpdate(m, ctx()).equals(withHeader(body))).to.equal(true);
  });

  it('decodes a 2-octet AS_PATH and AGGREGATOR when the session is not 4-octet (RFC 4271 §4.3)', () => {
    const body = hex(
      `0000 001d  40 01 01 00  40 02 06 02 02 fde9 fdea  40 03 04 c0000201  c0 07 06 fde9 c0000202  08 0a`,
    );
    const c = ctx({ fourOctetAs: false });
    const m = decodeUpdate(body, c);
    expect(m.errors).to.equal(undefined);
    expect(m.attrs.asPath).to.deep.equal([{ type: 2, asns: [65001, 65002] }]);
    expect(m.attrs.aggregator).to.deep.equal({ asn: 65001, address: 0xc0000202 });
    expect(encodeUpdate(m, c).equals(withHeader(body))).to.equal(true);
  });

  it('reads ADD-PATH identifiers in Withdrawn Routes and NLRI (RFC 7911 §3 layout, by hand)', () => {
    const body = hex(
      `0008 00000005 18 0a0000  000e 40 01 01 00 40 02 00 40 03 04 c0000201  00000007 18 0a0001`,
    );
    const c = ctx({ addPathReceive: new Set([IPV4_UNICAST]), addPathSend: new Set([IPV4_UNICAST]) });
    const m = decodeUpdate(body, c);
    expect(formatPrefixes(m.withdrawn)).to.deep.equal(['10.0.0.0/24#5']);
    expect(formatPrefixes(m.nlri)).to.deep.equal(['10.0.1.0/24#7']);
    expect(encodeUpdate(m, c).equals(withHeader(body))).to.equal(true);
  });

  it('keeps an unknown optional transitive attribute and sends it on with the Partial bit', () => {
    const body = hex(`0000 000d 40 01 01 00 40 02 00  c0 63 03 010203`);
    const m = decodeUpdate(body, ctx());
    expect(m.attrs.unknown).to.deep.equal([{ flags: 0xc0, typeCode: 0x63, value: Uint8Array.of(1, 2, 3) }]);
    const out = encodeUpdate(m, ctx());
    expect(out.subarray(19 + 4 + 7).toString('hex')).to.equal('e06303010203');
  });

  it('drops an unknown optional non-transitive attribute', () => {
    const m = decodeUpdate(hex(`0000 000c 40 01 01 00 40 02 00  80 63 02 0102`), ctx());
    expect(m.attrs.unknown).to.equal(undefined);
    expect(m.errors).to.equal(undefined);
  });

  it('reads and writes the Extended Length flag (RFC 4271 §4.3): > 255 octets only', () => {
    const communities = Array.from({ length: 70 }, (_, i) => (65001 * 65536 + i) >>> 0);
    const attrs: PathAttributes = { origin: 0, asPath: [], nextHop: 1, communities };
    const msg: UpdateMessage = {
      type: 'update',
      withdrawn: emptyPrefixList(1),
      attrs,
      nlri: prefixList(1, ['10.0.0.0/8']),
    };
    const out = encodeUpdate(msg, ctx());
    // ORIGIN(4) + AS_PATH(3) + NEXT_HOP(7), then COMMUNITIES with flags 0xd0 and a 2-octet length 280
    const at = 19 + 4 + 14;
    expect(out.subarray(at, at + 4).toString('hex')).to.equal('d0080118');
    expect(decodeUpdate(out.subarray(19), ctx()).attrs.communities).to.deep.equal(communities);
    // a short value sent with the Extended Length bit is still read correctly
    const m = decodeUpdate(hex(`0000 0008 50 01 0001 00 40 02 00`), ctx());
    expect(m.attrs.origin).to.equal(0);
  });
});

describe('wire/update End-of-RIB (RFC 4724 §2)', () => {
  it('IPv4 unicast: the minimum-length UPDATE', () => {
    const b = encodeEndOfRib(Afi.IPV4, Safi.UNICAST, ctx());
    expect(b.equals(withHeader(hex('00000000')))).to.equal(true);
    expect(isEndOfRib(decodeUpdate(b.subarray(19), ctx()))).to.deep.equal({ afi: 1, safi: 1 });
  });
  it('IPv6 unicast: only an empty MP_UNREACH_NLRI', () => {
    const b = encodeEndOfRib(Afi.IPV6, Safi.UNICAST, ctx());
    expect(b.equals(withHeader(hex('0000 0006 800f03 000201')))).to.equal(true);
    expect(isEndOfRib(decodeUpdate(b.subarray(19), ctx()))).to.deep.equal({ afi: 2, safi: 1 });
  });
  it('a family the codec does not parse', () => {
    const b = encodeEndOfRib(25, 70, ctx());
    expect(isEndOfRib(decodeUpdate(b.subarray(19), ctx()))).to.deep.equal({ afi: 25, safi: 70 });
  });
  it('is not an UPDATE with routes or other attributes', () => {
    expect(isEndOfRib(decodeUpdate(hex('0000 0004 40 01 01 00'), ctx()))).to.equal(null);
    expect(isEndOfRib(decodeUpdate(hex('0000 0008 800f05 000201 0820'), ctx()))).to.equal(null);
  });
});

describe('wire/update round trip of every attribute', () => {
  const ll = v6bytes('fe80::1');
  const full: PathAttributes = {
    origin: 1,
    asPath: [
      { type: 2, asns: [65001, 4200000000] },
      { type: 1, asns: [1, 2] },
      { type: 3, asns: [64512] },
      { type: 4, asns: [64513, 64514] },
    ],
    nextHop: 0x0a000001,
    med: 0xffffffff,
    localPref: 200,
    atomicAggregate: true,
    aggregator: { asn: 4200000001, address: 0x0a000002 },
    communities: [0xffffff01, 1],
    originatorId: 0x01020304,
    clusterList: [1, 2, 3],
    mpReach: {
      afi: 2,
      safi: 1,
      nextHop: v6bytes('2001:db8::1'),
      linkLocal: ll,
      nlri: prefixList(2, ['2001:db8::/48']),
    },
    mpUnreach: { afi: 2, safi: 1, withdrawn: prefixList(2, ['2001:db8:1::/48']) },
    extCommunities: [Uint8Array.of(0, 2, 0xfd, 0xe9, 0, 0, 0, 1)],
    largeCommunities: [4200000000, 1, 2],
    otc: 65001,
    unknown: [{ flags: 0xe0, typeCode: 99, value: Uint8Array.of(9) }],
  };
  const c = ctx({ ibgp: true });
  it('decode(encode(x)) equals x, every attribute, and length() equals bytes written', () => {
    const msg: UpdateMessage = {
      type: 'update',
      withdrawn: prefixList(1, ['10.9.0.0/16']),
      attrs: full,
      nlri: prefixList(1, ['10.0.0.0/8']),
    };
    const out = encodeUpdate(msg, c); // encodeUpdate/writeAttributes check length() against bytes written
    const back = decodeUpdate(out.subarray(19), c);
    expect(back.errors).to.equal(undefined);
    expect(back.attrs).to.deep.equal(full);
    expect(formatPrefixes(back.withdrawn)).to.deep.equal(['10.9.0.0/16']);
    // MP_REACH_NLRI then MP_UNREACH_NLRI come first (RFC 7606 §5.1)
    const first = 19 + 2 + 3 + 2; // header, withdrawn length, 10.9.0.0/16, attribute length
    expect([out[first + 1], out[first + 3 + out[first + 2]! + 1]]).to.deep.equal([14, 15]);
    expect(Object.keys(updateToJson(back)['attributes'] as object)).to.have.length(16); // 15 known (AS4_* are for 2-octet sessions) + 1 unknown
  });
  it('LOCAL_PREF is neither sent to nor accepted from an eBGP peer (RFC 4271 §5.1.5, RFC 7606 §7.5)', () => {
    const msg: UpdateMessage = {
      type: 'update',
      withdrawn: emptyPrefixList(1),
      attrs: { origin: 0, asPath: [], nextHop: 1, localPref: 5 },
      nlri: prefixList(1, ['10.0.0.0/8']),
    };
    expect(decodeUpdate(encodeUpdate(msg, ctx()).subarray(19), c).attrs.localPref).to.equal(undefined);
    const ibgpBytes = encodeUpdate(msg, c).subarray(19);
    expect(decodeUpdate(ibgpBytes, c).attrs.localPref).to.equal(5);
    expect(decodeUpdate(ibgpBytes, ctx()).attrs.localPref).to.equal(undefined);
  });
  it('splits AS_PATH segments longer than 255 ASNs', () => {
    const asns = Array.from({ length: 300 }, (_, i) => i + 1);
    const msg: UpdateMessage = {
      type: 'update',
      withdrawn: emptyPrefixList(1),
      attrs: { origin: 0, asPath: [{ type: 2, asns }], nextHop: 1 },
      nlri: prefixList(1, ['10.0.0.0/8']),
    };
    const back = decodeUpdate(encodeUpdate(msg, ctx()).subarray(19), ctx());
    expect(back.attrs.asPath!.map((s) => s.asns.length)).to.deep.equal([255, 45]);
    expect(back.attrs.asPath!.flatMap((s) => s.asns)).to.deep.equal(asns);
  });
  it('writes AS_TRANS for wide ASNs on a 2-octet session', () => {
    const msg: UpdateMessage = {
      type: 'update',
      withdrawn: emptyPrefixList(1),
      attrs: { origin: 0, asPath: [{ type: 2, asns: [4200000000, 65001] }], nextHop: 1 },
      nlri: emptyPrefixList(1),
    };
    const out = encodeUpdate(msg, ctx({ fourOctetAs: false }));
    expect(out.subarray(23 + 4, 23 + 4 + 9).toString('hex')).to.equal('4002060202' + '5ba0' + 'fde9');
  });
  it('IPv6 ADD-PATH in MP_REACH_NLRI', () => {
    const c6 = ctx({ addPathReceive: new Set([IPV6_UNICAST]), addPathSend: new Set([IPV6_UNICAST]) });
    const attrs: PathAttributes = {
      origin: 0,
      asPath: [],
      mpReach: {
        afi: 2,
        safi: 1,
        nextHop: v6bytes('2001:db8::1'),
        linkLocal: null,
        nlri: prefixList(2, [['2001:db8::/32', 3]]),
      },
    };
    const out = encodeUpdate(
      { type: 'update', withdrawn: emptyPrefixList(1), attrs, nlri: emptyPrefixList(1) },
      c6,
    );
    expect(formatPrefixes(decodeUpdate(out.subarray(19), c6).attrs.mpReach!.nlri)).to.deep.equal([
      '2001:db8::/32#3',
    ]);
  });
});
