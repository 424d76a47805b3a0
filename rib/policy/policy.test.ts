// Policy matching and actions, and the generated pod defaults. Expectations are hand-written from
// the usual prefix-list ge/le semantics and RFC 1997 / RFC 8092 community forms.
import { expect } from 'chai';
import type { PathAttributes } from '../../bgp/wire/types.ts';
import type { Condition } from './policy.ts';
import { Policy, prefixListMatches } from './policy.ts';
import { podExportPolicy, podImportPolicy } from './defaults.ts';
import { parseAddressBytes, parsePrefix } from '../prefix.ts';
import { asPathText } from '../as-path.ts';

const P = parsePrefix;
const attrs: PathAttributes = {
  origin: 0,
  asPath: [{ type: 2, asns: [65001, 174, 13335] }],
  communities: [(65001 << 16) | 100, 0xffffff01],
  largeCommunities: [4200000000, 1, 2],
};
const matches = (c: Condition, prefix = '10.1.0.0/16', a: PathAttributes = attrs) =>
  new Policy('t', [{ name: 's', conditions: [c], actions: [], result: 'accept' }]).evaluate(P(prefix), a) !==
  null;

describe('rib/policy', () => {
  it('prefix lists: exact by default, ge/le ranges, per family', () => {
    const m = (entries: Parameters<typeof prefixListMatches>[0], p: string) => {
      const x = P(p);
      return prefixListMatches(entries, x.afi, x.words, 0, x.length);
    };
    const ten = P('10.0.0.0/8');
    expect(m([{ prefix: ten }], '10.0.0.0/8')).to.equal(true);
    expect(m([{ prefix: ten }], '10.1.0.0/16')).to.equal(false);
    expect(m([{ prefix: ten, ge: 16 }], '10.1.0.0/16')).to.equal(true);
    expect(m([{ prefix: ten, ge: 16 }], '10.1.2.3/32')).to.equal(true);
    expect(m([{ prefix: ten, ge: 16, le: 24 }], '10.1.2.0/25')).to.equal(false);
    expect(m([{ prefix: ten, le: 16 }], '10.0.0.0/8')).to.equal(true);
    expect(m([{ prefix: ten, le: 16 }], '10.1.0.0/16')).to.equal(true);
    expect(m([{ prefix: ten, le: 16 }], '10.1.0.0/17')).to.equal(false);
    expect(m([{ prefix: ten, ge: 8, le: 32 }], '11.0.0.0/16')).to.equal(false);
    expect(m([{ prefix: P('fd00::/8'), ge: 8, le: 128 }], 'fd00:1::/64')).to.equal(true);
    expect(m([{ prefix: P('fd00::/8'), ge: 8, le: 128 }], '10.0.0.0/8')).to.equal(false);
  });

  it('AS_PATH matches: regex over the text, contains, origin AS, neighbour AS', () => {
    expect(asPathText(attrs.asPath)).to.equal('65001 174 13335');
    expect(matches({ kind: 'as-path-regex', regex: /^65001 .*13335$/ })).to.equal(true);
    expect(matches({ kind: 'as-path-regex', regex: /(^| )3356( |$)/ })).to.equal(false);
    expect(matches({ kind: 'as-path-contains', asn: 174 })).to.equal(true);
    expect(matches({ kind: 'origin-as', asn: 13335 })).to.equal(true);
    expect(matches({ kind: 'origin-as', asn: 174 })).to.equal(false);
    expect(matches({ kind: 'neighbor-as', asn: 65001 })).to.equal(true);
  });

  it('community and large community matches', () => {
    expect(matches({ kind: 'community', any: [(65001 << 16) | 100] })).to.equal(true);
    expect(matches({ kind: 'community', any: [(65001 << 16) | 101] })).to.equal(false);
    expect(matches({ kind: 'large-community', any: [[4200000000, 1, 2]] })).to.equal(true);
    expect(matches({ kind: 'large-community', any: [[4200000000, 2, 1]] })).to.equal(false);
  });

  it('first matching statement decides; default applies otherwise; reject statements reject', () => {
    const p = new Policy(
      'p',
      [
        {
          name: 'drop-long',
          conditions: [{ kind: 'prefix-list', entries: [{ prefix: P('0.0.0.0/0'), ge: 25 }] }],
          actions: [],
          result: 'reject',
        },
        {
          name: 'tag',
          conditions: [{ kind: 'as-path-contains', asn: 174 }],
          actions: [{ kind: 'set-local-pref', value: 50 }],
          result: 'accept',
        },
      ],
      'accept',
    );
    expect(p.evaluate(P('10.1.2.0/25'), attrs)).to.equal(null);
    expect(p.evaluate(P('10.1.0.0/16'), attrs)!.attrs.localPref).to.equal(50);
    expect(p.evaluate(P('10.1.0.0/16'), { origin: 0 })!.attrs.localPref).to.equal(undefined);
    expect(new Policy('d', [], 'reject').evaluate(P('10.1.0.0/16'), attrs)).to.equal(null);
  });

  it('actions: LOCAL_PREF, MED, communities add/remove/replace, large communities, prepend, next hop', () => {
    const p = new Policy('acts', [
      {
        name: 'all',
        conditions: [],
        actions: [
          { kind: 'set-local-pref', value: 200 },
          { kind: 'set-med', value: 7 },
          { kind: 'communities', op: 'add', values: [(65000 << 16) | 1, (65001 << 16) | 100] },
          { kind: 'communities', op: 'remove', values: [0xffffff01] },
          { kind: 'large-communities', op: 'add', values: [[65000, 0, 1]] },
          { kind: 'large-communities', op: 'remove', values: [[4200000000, 1, 2]] },
          { kind: 'as-path-prepend', asn: 65000, times: 2 },
          { kind: 'set-next-hop', address: parseAddressBytes('192.0.2.9') },
        ],
        result: 'accept',
      },
    ]);
    const r = p.evaluate(P('10.1.0.0/16'), attrs)!;
    expect(r.attrs.localPref).to.equal(200);
    expect(r.attrs.med).to.equal(7);
    expect(r.attrs.communities).to.deep.equal([(65001 << 16) | 100, (65000 << 16) | 1]);
    expect(r.attrs.largeCommunities).to.deep.equal([65000, 0, 1]);
    expect(asPathText(r.attrs.asPath)).to.equal('65000 65000 65001 174 13335');
    expect(Array.from(r.nextHop!)).to.deep.equal([192, 0, 2, 9]);
    expect(attrs.communities).to.have.length(2); // input untouched
    const replaced = new Policy('r', [
      {
        name: 'r',
        conditions: [],
        actions: [{ kind: 'communities', op: 'replace', values: [5] }],
        result: 'accept',
      },
    ]);
    expect(replaced.evaluate(P('10.1.0.0/16'), attrs)!.attrs.communities).to.deep.equal([5]);
  });

  it('pod defaults: import inside cluster CIDRs but never the own Pod CIDR; export only own CIDRs', () => {
    const imp = podImportPolicy({
      acceptCidrs: [P('10.244.0.0/16'), P('fd00:10::/56')],
      ownPodCidrs: [P('10.244.1.0/24')],
    });
    const ok = (p: string) => imp.evaluate(P(p), attrs) !== null;
    expect(ok('10.244.2.0/24')).to.equal(true);
    expect(ok('10.244.1.0/24')).to.equal(false);
    expect(ok('10.244.1.128/25')).to.equal(false);
    expect(ok('10.245.0.0/24')).to.equal(false);
    expect(ok('10.0.0.0/8')).to.equal(false);
    expect(ok('fd00:10:0:3::/64')).to.equal(true);
    expect(ok('0.0.0.0/0')).to.equal(false);
    const exp = podExportPolicy({ ownPodCidrs: [P('10.244.1.0/24')], serviceCidrs: [P('10.96.0.10/32')] });
    expect(exp.evaluate(P('10.244.1.0/24'), attrs)).to.not.equal(null);
    expect(exp.evaluate(P('10.96.0.10/32'), attrs)).to.not.equal(null);
    expect(exp.evaluate(P('10.244.2.0/24'), attrs)).to.equal(null);
    expect(exp.evaluate(P('10.244.1.0/25'), attrs)).to.equal(null);
  });
});
