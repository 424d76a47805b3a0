// UPDATE packer: every message within the maximum, every prefix present exactly once, and the
// fewest messages (checked against the sizes computed independently from the RFC 4271 §4.3 layout).
import { expect } from 'chai';
import { Afi, IPV4_UNICAST } from './iana/afi-safi.ts';
import { packAnnouncements, packWithdrawals } from './packer.ts';
import { formatPrefixes } from './prefix-text.ts';
import { DEFAULT_CONTEXT, type CodecContext, type PathAttributes, type PrefixList } from './types.ts';
import { decodeUpdate } from './update.ts';
import { checkHeader } from './header.ts';

function randomList(afi: number, count: number, seed: number): PrefixList {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) >>> 0);
  const wpp = afi === Afi.IPV6 ? 4 : 1;
  const words = new Uint32Array(count * wpp);
  const lengths = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const len = afi === Afi.IPV6 ? 16 + (rnd() % 113) : 8 + (rnd() % 25);
    lengths[i] = len;
    for (let k = 0; k < wpp; k++) {
      const bits = len - 32 * k;
      const mask = bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : (-1 << (32 - bits)) >>> 0;
      words[i * wpp + k] = (rnd() & mask) >>> 0;
    }
  }
  return { afi, count, words, lengths, pathIds: null };
}

const v6 = Uint8Array.from(Buffer.from('20010db8000000000000000000000001', 'hex'));
const ATTRS: PathAttributes = {
  origin: 0,
  asPath: [{ type: 2, asns: [65001, 65002, 65003] }],
  nextHop: 0xc0000201,
  communities: [1, 2, 3],
  mpReach: {
    afi: 2,
    safi: 1,
    nextHop: v6,
    linkLocal: null,
    nlri: { afi: 2, count: 0, words: new Uint32Array(0), lengths: new Uint8Array(0), pathIds: null },
  },
};

function check(msgs: Buffer[], list: PrefixList, ctx: CodecContext, withdraw: boolean, max: number): void {
  const seen: string[] = [];
  for (const m of msgs) {
    expect(m.length).to.be.at.most(max);
    expect(checkHeader(m, 0, max)).to.equal(m.length);
    const u = decodeUpdate(m.subarray(19), ctx);
    expect(u.errors).to.equal(undefined);
    const part = withdraw
      ? list.afi === Afi.IPV4
        ? u.withdrawn
        : u.attrs.mpUnreach!.withdrawn
      : list.afi === Afi.IPV4
        ? u.nlri
        : u.attrs.mpReach!.nlri;
    seen.push(...formatPrefixes(part));
    if (!withdraw) expect(u.attrs.communities).to.deep.equal([1, 2, 3]);
  }
  expect(seen).to.deep.equal(formatPrefixes(list));
  // Minimal: adding the next message's first prefix to any message would overflow it.
  for (let i = 0; i + 1 < msgs.length; i++) {
    const next = decodeUpdate(msgs[i + 1]!.subarray(19), ctx);
    const p = withdraw
      ? list.afi === Afi.IPV4
        ? next.withdrawn
        : next.attrs.mpUnreach!.withdrawn
      : list.afi === Afi.IPV4
        ? next.nlri
        : next.attrs.mpReach!.nlri;
    const extra = (ctx.addPathSend.size > 0 ? 5 : 1) + ((p.lengths[0]! + 7) >>> 3);
    expect(msgs[i]!.length + extra).to.be.greaterThan(max);
  }
}

describe('wire/packer', () => {
  const cases: [string, number, CodecContext][] = [
    ['IPv4, 4096', Afi.IPV4, DEFAULT_CONTEXT],
    [
      'IPv4 ADD-PATH, 4096',
      Afi.IPV4,
      { ...DEFAULT_CONTEXT, addPathSend: new Set([IPV4_UNICAST]), addPathReceive: new Set([IPV4_UNICAST]) },
    ],
    ['IPv4, extended message', Afi.IPV4, { ...DEFAULT_CONTEXT, extendedMessage: true }],
    ['IPv6, 4096', Afi.IPV6, DEFAULT_CONTEXT],
    ['IPv6, extended message', Afi.IPV6, { ...DEFAULT_CONTEXT, extendedMessage: true }],
  ];
  for (const [name, afi, ctx] of cases) {
    const max = ctx.extendedMessage ? 65535 : 4096;
    const plain = randomList(afi, 5000, 7);
    const addPath = ctx.addPathSend.size > 0;
    const list = addPath
      ? { ...plain, pathIds: Uint32Array.from({ length: plain.count }, (_, i) => i * 3) }
      : plain;
    it(`announces: ${name}`, () => check(packAnnouncements(ATTRS, list, ctx), list, ctx, false, max));
    it(`withdraws: ${name}`, () => check(packWithdrawals(list, ctx), list, ctx, true, max));
  }
  it('a few prefixes make one small message with a 1-octet MP_REACH_NLRI length', () => {
    const list = randomList(Afi.IPV6, 3, 1);
    const msgs = packAnnouncements(ATTRS, list, DEFAULT_CONTEXT);
    expect(msgs).to.have.length(1);
    expect(msgs[0]![23]).to.equal(0x80); // MP_REACH_NLRI first, no Extended Length bit
    check(msgs, list, DEFAULT_CONTEXT, false, 4096);
  });
  it('IPv4 in MP_REACH_NLRI when asked (RFC 8950 next hop)', () => {
    const list = randomList(Afi.IPV4, 2000, 3);
    const attrs = { ...ATTRS, mpReach: { ...ATTRS.mpReach!, afi: 1 } };
    const msgs = packAnnouncements(attrs, list, DEFAULT_CONTEXT, { ipv4InMp: true });
    const seen = msgs.flatMap((m) =>
      formatPrefixes(decodeUpdate(m.subarray(19), DEFAULT_CONTEXT).attrs.mpReach!.nlri),
    );
    expect(seen).to.deep.equal(formatPrefixes(list));
  });
});
