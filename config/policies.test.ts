import { expect } from 'chai';
import { checkConfig, checkCrossFields } from './schema.ts';
import { buildPolicies, communityValue, peerPolicies } from './policies.ts';
import { parsePrefix } from '../rib/prefix.ts';

const cfgOf = (raw: unknown) => {
  const c = checkConfig(raw, '');
  checkCrossFields(c);
  return c;
};

describe('config/policies', () => {
  const cfg = cfgOf({
    asn: 65001,
    routerId: '10.0.0.1',
    originate: ['10.244.1.0/24'],
    accept: ['10.244.0.0/16'],
    policies: {
      'tor-in': [
        {
          match: { prefix: ['10.0.0.0/8 ge 24 le 28'], community: ['65000:1'] },
          set: { localPref: 200, communities: { add: ['no-export'] } },
          action: 'accept',
        },
        { match: { asPath: '^65000 65099$' }, action: 'reject' },
        { match: { prefix: ['0.0.0.0/0 le 32'] }, set: { prepend: { count: 2 } }, action: 'accept' },
      ],
    },
    peers: [
      { address: '10.0.0.254', asn: 65000, importPolicy: 'tor-in' },
      { address: '10.0.0.253', asn: 65000 },
    ],
  });
  const named = buildPolicies(cfg);

  it('translates matches and actions into a rib Policy', () => {
    const p = named.get('tor-in')!;
    const hit = p.evaluate(parsePrefix('10.1.2.0/24'), {
      origin: 0,
      asPath: [{ type: 2, asns: [65000] }],
      communities: [communityValue('65000:1')],
    });
    expect(hit?.attrs.localPref).to.equal(200);
    expect(hit?.attrs.communities).to.deep.equal([65000 * 65536 + 1, 0xffffff01]);
    const rejected = p.evaluate(parsePrefix('192.0.2.0/24'), {
      origin: 0,
      asPath: [{ type: 2, asns: [65000, 65099] }],
    });
    expect(rejected).to.equal(null);
    const prepended = p.evaluate(parsePrefix('192.0.2.0/24'), {
      origin: 0,
      asPath: [{ type: 2, asns: [65000] }],
    });
    expect(prepended?.attrs.asPath?.flatMap((s) => s.asns)).to.deep.equal([65001, 65001, 65000]);
  });

  it('gives a peer without a named policy the pod defaults', () => {
    const { importPolicy, exportPolicy } = peerPolicies(cfg.peers[1]!, cfg, named);
    const attrs = { origin: 0, asPath: [] };
    expect(importPolicy!.evaluate(parsePrefix('10.244.7.0/24'), attrs)).to.not.equal(null);
    expect(importPolicy!.evaluate(parsePrefix('10.244.1.0/24'), attrs), 'never our own Pod CIDR').to.equal(
      null,
    );
    expect(importPolicy!.evaluate(parsePrefix('192.0.2.0/24'), attrs), 'outside the cluster').to.equal(null);
    expect(exportPolicy!.evaluate(parsePrefix('10.244.1.0/24'), attrs)).to.not.equal(null);
    expect(exportPolicy!.evaluate(parsePrefix('10.244.7.0/24'), attrs)).to.equal(null);
  });

  it('leaves import null without accept or a policy, so RFC 8212 applies in the RIB', () => {
    const bare = cfgOf({ asn: 65001, routerId: '10.0.0.1', peers: [{ address: '10.0.0.9', asn: 65009 }] });
    expect(peerPolicies(bare.peers[0]!, bare, buildPolicies(bare)).importPolicy).to.equal(null);
  });
});
