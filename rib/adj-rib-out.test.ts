// Adj-RIB-Out and the export rules, driven by hand-built UPDATE sequences: update groups,
// iBGP split horizon, route reflection (RFC 4456), well-known communities (RFC 1997), eBGP
// attribute changes, RFC 8212 export defaults and MRAI timing.
import { expect } from 'chai';
import type { PathAttributes, PrefixList } from '../bgp/wire/types.ts';
import type { SendMessage } from './messages.ts';
import type { RibPeer } from './peer.ts';
import { Rib } from './rib.ts';
import { AdjRibOut } from './adj-rib-out.ts';
import { makePeer, ribConfig } from './peer.ts';
import { formatAddressBytes, formatIpv4, parseAddressBytes, parseIpv4, parsePrefix } from './prefix.ts';
import { Policy } from './policy/policy.ts';
import { asPathText } from './as-path.ts';
import { WellKnownCommunity } from '../bgp/wire/iana/attribute-types.ts';

const LOCAL_AS = 65000;
const CLUSTER = parseIpv4('10.255.0.1');
const acceptAll = new Policy('accept-all', [], 'accept');

function v4list(...prefixes: string[]): PrefixList {
  const ps = prefixes.map(parsePrefix);
  return {
    afi: 1,
    count: ps.length,
    words: Uint32Array.from(ps.map((p) => p.words[0])),
    lengths: Uint8Array.from(ps.map((p) => p.length)),
    pathIds: null,
  };
}

function text(l: PrefixList): string[] {
  return Array.from(l.words, (w, i) => `${formatIpv4(w)}/${l.lengths[i]}`);
}

function setup() {
  const sent: SendMessage[] = [];
  const sink = { out: null as AdjRibOut | null };
  const rib = new Rib({
    config: ribConfig({ localAs: LOCAL_AS, routerId: CLUSTER }),
    nextHopReachable: () => true,
    sink: { fibChange: () => {}, bestChanged: (afi, slot) => sink.out?.bestChanged(afi, slot) },
  });
  const out = new AdjRibOut(rib, (m) => sent.push(m));
  sink.out = out;
  let next = 1;
  const peer = (addr: string, asn: number, extra: Partial<Parameters<typeof makePeer>[0]> = {}): RibPeer => {
    const p = makePeer({
      index: next++,
      address: parseAddressBytes(addr),
      asn,
      routerId: parseIpv4(addr),
      localAs: LOCAL_AS,
      importPolicy: asn === LOCAL_AS ? null : acceptAll,
      ...extra,
    });
    rib.addPeer(p);
    return p;
  };
  /** Announcements of one group in the last poll: prefix -> attrs summary. */
  const seen = (group: number) => {
    const r: Record<string, string> = {};
    for (const m of sent.filter((x) => x.group === group)) {
      for (const a of m.announce)
        for (const p of text(a.prefixes)) {
          const at = a.attrs.attrs;
          r[p] = [
            `path=${asPathText(at.asPath)}`,
            `nh=${a.nextHopSelf ? 'self' : formatAddressBytes(a.attrs.nextHop)}`,
            at.localPref !== undefined ? `lp=${at.localPref}` : '',
            at.med !== undefined ? `med=${at.med}` : '',
            at.originatorId !== undefined ? `orig=${formatIpv4(at.originatorId)}` : '',
            at.clusterList !== undefined ? `cl=${at.clusterList.map(formatIpv4).join(',')}` : '',
          ]
            .filter((x) => x !== '')
            .join(' ');
        }
      for (const p of text(m.withdraw)) r[p] = 'withdrawn';
    }
    return r;
  };
  return { rib, out, sent, peer, seen };
}

const ebgpAttrs = (nh: string, asPath: number[], extra: PathAttributes = {}): PathAttributes => ({
  origin: 0,
  asPath: [{ type: 2, asns: asPath }],
  nextHop: parseIpv4(nh),
  ...extra,
});

describe('rib/AdjRibOut', () => {
  it('peers with the same settings share one update group; different settings do not', () => {
    const { out, peer } = setup();
    const i1 = out.addPeer({ peer: peer('10.0.0.11', LOCAL_AS), exportPolicy: null });
    const i2 = out.addPeer({ peer: peer('10.0.0.12', LOCAL_AS), exportPolicy: null });
    const c1 = out.addPeer({ peer: peer('10.0.0.13', LOCAL_AS, { rrClient: true }), exportPolicy: null });
    const e1 = out.addPeer({ peer: peer('10.0.0.1', 65001), exportPolicy: acceptAll });
    const e2 = out.addPeer({ peer: peer('10.0.0.2', 65002), exportPolicy: acceptAll });
    expect(i1).to.equal(i2);
    expect(e1).to.equal(e2);
    expect(new Set([i1, c1, e1]).size).to.equal(3);
    expect(out.groupCount).to.equal(3);
  });

  it('eBGP-learned routes go to iBGP (next hop unchanged, LOCAL_PREF added) and to eBGP (own AS prepended, MED and LOCAL_PREF stripped)', () => {
    const { rib, out, peer, seen } = setup();
    const ibgp = out.addPeer({ peer: peer('10.0.0.11', LOCAL_AS), exportPolicy: null });
    const ebgp = out.addPeer({ peer: peer('10.0.0.2', 65002), exportPolicy: acceptAll });
    const src = peer('10.0.0.1', 65001);
    rib.applyUpdate(src, { attrs: ebgpAttrs('10.0.0.1', [65001], { med: 5 }), nlri: v4list('10.9.0.0/16') });
    out.poll(0);
    expect(seen(ibgp)).to.deep.equal({ '10.9.0.0/16': 'path=65001 nh=10.0.0.1 lp=100 med=5' });
    expect(seen(ebgp)).to.deep.equal({ '10.9.0.0/16': 'path=65000 65001 nh=self' });
  });

  it('iBGP split horizon: a route from an iBGP peer is not sent to other iBGP peers, only to eBGP', () => {
    const { rib, out, peer, seen } = setup();
    const ibgp = out.addPeer({ peer: peer('10.0.0.11', LOCAL_AS), exportPolicy: null });
    const ebgp = out.addPeer({ peer: peer('10.0.0.2', 65002), exportPolicy: acceptAll });
    rib.applyUpdate(peer('10.0.0.12', LOCAL_AS), {
      attrs: ebgpAttrs('10.0.0.12', [], { localPref: 100 }),
      nlri: v4list('10.244.2.0/24'),
    });
    out.poll(0);
    expect(seen(ibgp)).to.deep.equal({});
    expect(seen(ebgp)).to.deep.equal({ '10.244.2.0/24': 'path=65000 nh=self' });
  });

  it('route reflection: client routes go to clients and non-clients with ORIGINATOR_ID and CLUSTER_LIST; non-client routes only to clients', () => {
    const { rib, out, peer, seen } = setup();
    const clients = out.addPeer({
      peer: peer('10.0.0.21', LOCAL_AS, { rrClient: true }),
      exportPolicy: null,
    });
    const nonClients = out.addPeer({ peer: peer('10.0.0.31', LOCAL_AS), exportPolicy: null });
    const client = peer('10.0.0.22', LOCAL_AS, { rrClient: true });
    const nonClient = peer('10.0.0.32', LOCAL_AS);
    rib.applyUpdate(client, {
      attrs: ebgpAttrs('10.0.0.22', [], { localPref: 100 }),
      nlri: v4list('10.244.22.0/24'),
    });
    rib.applyUpdate(nonClient, {
      attrs: ebgpAttrs('10.0.0.32', [], { localPref: 100, clusterList: [7] }),
      nlri: v4list('10.244.32.0/24'),
    });
    out.poll(0);
    expect(seen(clients)).to.deep.equal({
      '10.244.22.0/24': 'path= nh=10.0.0.22 lp=100 orig=10.0.0.22 cl=10.255.0.1',
      '10.244.32.0/24': 'path= nh=10.0.0.32 lp=100 orig=10.0.0.32 cl=10.255.0.1,0.0.0.7',
    });
    expect(seen(nonClients)).to.deep.equal({
      '10.244.22.0/24': 'path= nh=10.0.0.22 lp=100 orig=10.0.0.22 cl=10.255.0.1',
    });
  });

  it('honours NO_ADVERTISE, NO_EXPORT and NO_EXPORT_SUBCONFED', () => {
    const { rib, out, peer, seen } = setup();
    const ibgp = out.addPeer({ peer: peer('10.0.0.11', LOCAL_AS), exportPolicy: null });
    const ebgp = out.addPeer({ peer: peer('10.0.0.2', 65002), exportPolicy: acceptAll });
    const src = peer('10.0.0.1', 65001);
    const W = WellKnownCommunity;
    rib.applyUpdate(src, {
      attrs: ebgpAttrs('10.0.0.1', [65001], { communities: [W.NO_ADVERTISE] }),
      nlri: v4list('10.1.0.0/16'),
    });
    rib.applyUpdate(src, {
      attrs: ebgpAttrs('10.0.0.1', [65001], { communities: [W.NO_EXPORT] }),
      nlri: v4list('10.2.0.0/16'),
    });
    rib.applyUpdate(src, {
      attrs: ebgpAttrs('10.0.0.1', [65001], { communities: [W.NO_EXPORT_SUBCONFED] }),
      nlri: v4list('10.3.0.0/16'),
    });
    out.poll(0);
    expect(Object.keys(seen(ibgp)).sort()).to.deep.equal(['10.2.0.0/16', '10.3.0.0/16']);
    expect(seen(ebgp)).to.deep.equal({});
  });

  it('RFC 8212: an eBGP peer without export policy gets nothing; originated routes go out with next hop self', () => {
    const { rib, out, peer, seen } = setup();
    const none = out.addPeer({ peer: peer('10.0.0.2', 65002), exportPolicy: null });
    const ibgp = out.addPeer({ peer: peer('10.0.0.11', LOCAL_AS), exportPolicy: null });
    rib.originate(parsePrefix('10.244.1.0/24'));
    out.poll(0);
    expect(seen(none)).to.deep.equal({});
    expect(seen(ibgp)).to.deep.equal({ '10.244.1.0/24': 'path= nh=self lp=100' });
  });

  it('next-hop-self per group', () => {
    const { rib, out, peer, seen } = setup();
    const nhs = out.addPeer({ peer: peer('10.0.0.11', LOCAL_AS), exportPolicy: null, nextHopSelf: true });
    rib.applyUpdate(peer('10.0.0.1', 65001), {
      attrs: ebgpAttrs('10.0.0.1', [65001]),
      nlri: v4list('10.9.0.0/16'),
    });
    out.poll(0);
    expect(seen(nhs)).to.deep.equal({ '10.9.0.0/16': 'path=65001 nh=self lp=100' });
  });

  it('MRAI holds announcements but never withdrawals', () => {
    const { rib, out, peer, sent } = setup();
    out.addPeer({ peer: peer('10.0.0.2', 65002), exportPolicy: acceptAll, mraiMs: 30000 });
    const src = peer('10.0.0.1', 65001);
    rib.applyUpdate(src, {
      attrs: ebgpAttrs('10.0.0.1', [65001]),
      nlri: v4list('10.1.0.0/16', '10.2.0.0/16'),
    });
    expect(out.poll(1000)).to.equal(Infinity);
    expect(sent).to.have.length(1);
    expect(text(sent[0].announce[0].prefixes).sort()).to.deep.equal(['10.1.0.0/16', '10.2.0.0/16']);
    sent.length = 0;
    rib.applyUpdate(src, { attrs: ebgpAttrs('10.0.0.1', [65001, 7]), nlri: v4list('10.3.0.0/16') });
    rib.applyUpdate(src, { attrs: {}, withdrawn: v4list('10.1.0.0/16') });
    const due = out.poll(2000);
    expect(due).to.equal(31000);
    expect(sent).to.have.length(1);
    expect(sent[0].announce).to.have.length(0);
    expect(text(sent[0].withdraw)).to.deep.equal(['10.1.0.0/16']);
    sent.length = 0;
    out.poll(31000);
    expect(sent).to.have.length(1);
    expect(text(sent[0].announce[0].prefixes)).to.deep.equal(['10.3.0.0/16']);
  });

  it('groups prefixes by attribute set and dumps the table to a peer joining an existing group', () => {
    const { rib, out, peer, sent } = setup();
    const g = out.addPeer({ peer: peer('10.0.0.11', LOCAL_AS), exportPolicy: null });
    const src = peer('10.0.0.1', 65001);
    rib.applyUpdate(src, {
      attrs: ebgpAttrs('10.0.0.1', [65001]),
      nlri: v4list('10.1.0.0/16', '10.2.0.0/16'),
    });
    rib.applyUpdate(src, { attrs: ebgpAttrs('10.0.0.1', [65001, 9]), nlri: v4list('10.3.0.0/16') });
    out.poll(0);
    expect(sent).to.have.length(1);
    expect(sent[0].announce.map((a) => a.prefixes.count).sort()).to.deep.equal([1, 2]);
    sent.length = 0;
    const late = peer('10.0.0.12', LOCAL_AS);
    expect(out.addPeer({ peer: late, exportPolicy: null })).to.equal(g);
    expect(sent).to.have.length(1);
    expect(sent[0].peer).to.equal(late.index);
    expect(sent[0].announce.reduce((n, a) => n + a.prefixes.count, 0)).to.equal(3);
  });

  it('keeps a withdrawn prefix slot until the group has sent the withdrawal, then frees it', () => {
    const { rib, out, peer, sent } = setup();
    out.addPeer({ peer: peer('10.0.0.11', LOCAL_AS), exportPolicy: null });
    const src = peer('10.0.0.1', 65001);
    rib.applyUpdate(src, { attrs: ebgpAttrs('10.0.0.1', [65001]), nlri: v4list('10.1.0.0/16') });
    out.poll(0);
    rib.applyUpdate(src, { attrs: {}, withdrawn: v4list('10.1.0.0/16') });
    expect(rib.locRib(1).prefixes.size).to.equal(1);
    out.poll(0);
    expect(text(sent[1].withdraw)).to.deep.equal(['10.1.0.0/16']);
    expect(rib.locRib(1).prefixes.size).to.equal(0);
    expect(out.interner.size).to.equal(0);
  });

  it('export policy runs before our AS is prepended; a MED it sets reaches the eBGP peer', () => {
    const { rib, out, peer, seen } = setup();
    const exp = new Policy(
      'exp',
      [
        {
          name: 'med',
          conditions: [],
          actions: [
            { kind: 'set-med', value: 42 },
            { kind: 'as-path-prepend', asn: 65000, times: 1 },
          ],
          result: 'accept',
        },
      ],
      'reject',
    );
    const g = out.addPeer({ peer: peer('10.0.0.2', 65002), exportPolicy: exp });
    rib.applyUpdate(peer('10.0.0.1', 65001), {
      attrs: ebgpAttrs('10.0.0.1', [65001], { med: 5 }),
      nlri: v4list('10.9.0.0/16'),
    });
    out.poll(0);
    expect(seen(g)).to.deep.equal({ '10.9.0.0/16': 'path=65000 65000 65001 nh=self med=42' });
  });
});

describe('rib/AdjRibOut refreshPeer (soft reset out)', () => {
  it('re-sends the table under a narrower export policy and withdraws what the peer no longer gets', () => {
    const { rib, out, sent, peer } = setup();
    const from = peer('10.0.0.1', 65001);
    const to = peer('10.0.0.2', 65002);
    rib.applyUpdate(from, {
      attrs: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: parseIpv4('10.0.0.1') },
      nlri: v4list('192.0.2.0/24', '198.51.100.0/24'),
    });
    const g1 = out.addPeer({ peer: to, exportPolicy: acceptAll, mraiMs: 0 });
    out.poll(0);
    expect(out.advertisedCount(g1, 1)).to.equal(2);
    const first = sent.splice(0).flatMap((m) => m.announce.flatMap((a) => text(a.prefixes)));
    expect(first.sort()).to.deep.equal(['192.0.2.0/24', '198.51.100.0/24']);
    const only192 = new Policy(
      'only-192',
      [
        {
          name: 'a',
          conditions: [{ kind: 'prefix-list', entries: [{ prefix: parsePrefix('192.0.2.0/24') }] }],
          actions: [],
          result: 'accept',
        },
      ],
      'reject',
    );
    const g2 = out.refreshPeer({ peer: to, exportPolicy: only192, mraiMs: 0 });
    expect(out.advertisedCount(g2, 1)).to.equal(1);
    const again = sent.splice(0);
    expect(again.flatMap((m) => m.announce.flatMap((a) => text(a.prefixes)))).to.deep.equal(['192.0.2.0/24']);
    expect(again.flatMap((m) => text(m.withdraw))).to.deep.equal(['198.51.100.0/24']);
    expect(again.every((m) => m.peer === undefined || m.peer === to.index)).to.equal(true);
  });
});
