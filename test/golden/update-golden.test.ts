// UPDATE messages captured from real BIRD, FRR, GoBGP and ExaBGP sessions (test/golden/*-update.json,
// see README.md there): our decoder must agree with tshark, an independent decoder, on every
// prefix, path identifier and attribute; and decode(encode(decode(bytes))) must equal decode(bytes).
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { decodeUpdate, encodeUpdate, updateToJson } from '../../bgp/wire/update.ts';
import { formatAddress, formatIpv4, formatPrefix } from '../../bgp/wire/prefix-text.ts';
import { familyKey, IPV4_UNICAST, IPV6_UNICAST } from '../../bgp/wire/iana/afi-safi.ts';
import { AttrType } from '../../bgp/wire/iana/attribute-types.ts';
import type { CodecContext, PathAttributes, PrefixList, UpdateMessage } from '../../bgp/wire/types.ts';

interface Golden {
  name: string;
  origin: string;
  hex: string;
  tshark: {
    attributeTypeCodes: number[];
    nlri: string[];
    withdrawn: string[];
    pathIds?: number[];
    fields: Record<string, string[]>;
  };
  context: { fourOctetAs: boolean; addPath: string[]; extendedMessage: boolean; scenario: string };
}

const dir = new URL('./', import.meta.url);
const vectors: Golden[] = readdirSync(dir)
  .filter((f) => f.endsWith('-update.json'))
  .flatMap((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Golden[]);

function contextOf(g: Golden): CodecContext {
  const addPath = new Set(g.context.addPath.map((f) => (f.startsWith('ipv6') ? IPV6_UNICAST : IPV4_UNICAST)));
  return {
    fourOctetAs: g.context.fourOctetAs,
    addPathReceive: addPath,
    addPathSend: addPath,
    extendedMessage: g.context.extendedMessage,
    // The route-reflector scenario is iBGP: LOCAL_PREF is only kept from internal peers.
    ibgp: g.context.scenario.startsWith('rr-ibgp'),
  };
}

const text = (l: PrefixList | undefined) =>
  l ? Array.from({ length: l.count }, (_, i) => formatPrefix(l, i)) : [];
const ids = (l: PrefixList | undefined) => (l?.pathIds ? Array.from(l.pathIds) : []);

const CODE_OF: Record<string, number> = {
  origin: AttrType.ORIGIN,
  asPath: AttrType.AS_PATH,
  nextHop: AttrType.NEXT_HOP,
  med: AttrType.MULTI_EXIT_DISC,
  localPref: AttrType.LOCAL_PREF,
  atomicAggregate: AttrType.ATOMIC_AGGREGATE,
  aggregator: AttrType.AGGREGATOR,
  communities: AttrType.COMMUNITIES,
  originatorId: AttrType.ORIGINATOR_ID,
  clusterList: AttrType.CLUSTER_LIST,
  mpReach: AttrType.MP_REACH_NLRI,
  mpUnreach: AttrType.MP_UNREACH_NLRI,
  extCommunities: AttrType.EXTENDED_COMMUNITIES,
  as4Path: AttrType.AS4_PATH,
  as4Aggregator: AttrType.AS4_AGGREGATOR,
  largeCommunities: AttrType.LARGE_COMMUNITY,
  otc: AttrType.OTC,
};

function presentCodes(a: PathAttributes): number[] {
  const codes = Object.entries(a)
    .filter(([k, v]) => v !== undefined && k in CODE_OF && !(k === 'atomicAggregate' && v === false))
    .map(([k]) => CODE_OF[k]!);
  for (const u of a.unknown ?? []) codes.push(u.typeCode);
  return codes.sort((x, y) => x - y);
}

describe(`golden UPDATEs from real daemons (${vectors.length} vectors, test/golden)`, () => {
  it('has vectors from all four daemons', () => {
    const senders = new Set(vectors.map((v) => v.origin.split(' ')[0]));
    expect([...senders].sort()).to.deep.equal(['BIRD', 'ExaBGP', 'FRR', 'GoBGP']);
  });

  for (const g of vectors) {
    describe(g.name, () => {
      const ctx = contextOf(g);
      const body = Buffer.from(g.hex, 'hex').subarray(19);
      let msg: UpdateMessage;
      before(() => {
        msg = decodeUpdate(body, ctx);
      });

      it('decodes cleanly, with the prefixes and path ids tshark sees', () => {
        expect(msg.errors ?? []).to.deep.equal([]);
        expect(msg.treatAsWithdraw ?? false).to.equal(false);
        const strip = (s: string) => s.replace(/#\d+$/, '');
        const nlri = [...text(msg.nlri), ...text(msg.attrs.mpReach?.nlri)].map(strip);
        const withdrawn = [...text(msg.withdrawn), ...text(msg.attrs.mpUnreach?.withdrawn)].map(strip);
        expect(nlri.sort()).to.deep.equal([...g.tshark.nlri].sort());
        expect(withdrawn.sort()).to.deep.equal([...g.tshark.withdrawn].sort());
        if (g.tshark.pathIds) {
          const ours = [
            ...ids(msg.withdrawn),
            ...ids(msg.nlri),
            ...ids(msg.attrs.mpReach?.nlri),
            ...ids(msg.attrs.mpUnreach?.withdrawn),
          ];
          expect(ours.sort()).to.deep.equal([...g.tshark.pathIds].sort());
        }
      });

      it('finds the same path attributes as tshark, with the same values', () => {
        const f = g.tshark.fields;
        const a = msg.attrs;
        expect(presentCodes(a)).to.deep.equal([...g.tshark.attributeTypeCodes].sort((x, y) => x - y));
        const one = (name: string) => f[`bgp.update.path_attribute.${name}`]?.[0];
        if (a.origin !== undefined) expect(String(a.origin)).to.equal(one('origin'));
        if (a.nextHop !== undefined) expect(formatIpv4(a.nextHop)).to.equal(one('next_hop'));
        if (a.med !== undefined) expect(String(a.med)).to.equal(one('multi_exit_disc'));
        if (a.localPref !== undefined) expect(String(a.localPref)).to.equal(one('local_pref'));
        if (a.originatorId !== undefined)
          expect(formatIpv4(a.originatorId)).to.equal(
            one('originator_id') ?? f['bgp.path_attribute.originator_id']?.[0],
          );
        if (a.clusterList !== undefined) {
          expect(a.clusterList.map(formatIpv4)).to.deep.equal(f['bgp.path_attribute.cluster_id']);
        }
        if (a.aggregator !== undefined) {
          expect(formatIpv4(a.aggregator.address)).to.equal(one('aggregator_origin'));
        }
        const as4 = f['bgp.update.path_attribute.as_path_segment.as4'];
        if (ctx.fourOctetAs && a.asPath !== undefined && as4) {
          expect(a.asPath.flatMap((s) => s.asns).map(String)).to.deep.equal(as4);
        }
        if (!ctx.fourOctetAs && a.as4Path !== undefined && as4) {
          expect(a.as4Path.flatMap((s) => s.asns).map(String)).to.deep.equal(as4);
        }
        if (a.communities !== undefined) {
          const hi = f['bgp.update.path_attribute.community_as'] ?? [];
          const lo = f['bgp.update.path_attribute.community_value'] ?? [];
          const known = (f['bgp.update.path_attribute.community_wellknown'] ?? []).length;
          const ours = a.communities
            .filter((c) => c >>> 16 !== 0xffff)
            .map((c) => `${c >>> 16}:${c & 0xffff}`);
          expect(ours).to.deep.equal(hi.map((h, i) => `${h}:${lo[i]}`));
          expect(a.communities.length).to.equal(hi.length + known);
        }
        if (a.largeCommunities !== undefined) {
          const ga = f['bgp.large_communities.ga']!;
          const l1 = f['bgp.large_communities.ldp1']!;
          const l2 = f['bgp.large_communities.ldp2']!;
          const ours: string[] = [];
          for (let i = 0; i < a.largeCommunities.length; i += 3)
            ours.push(a.largeCommunities.slice(i, i + 3).join(':'));
          expect(ours).to.deep.equal(ga.map((x, i) => `${x}:${l1[i]}:${l2[i]}`));
        }
        if (a.extCommunities !== undefined) {
          expect(a.extCommunities.length).to.equal(f['bgp.ext_com.type']!.length);
        }
        if (a.mpReach !== undefined) {
          expect(familyKey(a.mpReach.afi, a.mpReach.safi)).to.equal(
            familyKey(Number(one('mp_reach_nlri.afi')), Number(one('mp_reach_nlri.safi'))),
          );
          expect(formatAddress(a.mpReach.nextHop)).to.equal(one('mp_reach_nlri.next_hop.ipv6'));
          if (a.mpReach.linkLocal) {
            expect(formatAddress(a.mpReach.linkLocal)).to.equal(
              one('mp_reach_nlri.next_hop.ipv6.link_local'),
            );
          }
        }
      });

      it('survives encode and decode again unchanged', () => {
        const again = decodeUpdate(encodeUpdate(msg, ctx).subarray(19), ctx);
        expect(updateToJson(again)).to.deep.equal(updateToJson(msg));
      });
    });
  }
});
