// Each decision step alone, with recorded pairs of paths and the expected winner and reason.
// Scenarios are written by hand from RFC 4271 §9.1.2.2 and RFC 4456 §9.
import { expect } from 'chai';
import type { PathAttributes } from '../../bgp/wire/types.ts';
import type { Candidate } from './steps.ts';
import type { DecisionOptions, RibPeer } from '../peer.ts';
import { AttrInterner } from '../attr-intern.ts';
import { DEFAULT_DECISION, localPeer, makePeer } from '../peer.ts';
import { parseAddressBytes, parseIpv4 } from '../prefix.ts';
import {
  asPathLengthStep,
  clusterListLengthStep,
  ebgpOverIbgpStep,
  localPrefStep,
  medStep,
  originStep,
  pathIdStep,
  peerAddressStep,
  routerIdStep,
} from './steps.ts';
import { decideBetween, multipathCompatible, selectPaths } from './compare.ts';

const LOCAL_AS = 65000;
const interner = new AttrInterner();
const seq = (...asns: number[]) => [{ type: 2, asns }];

function peer(addr: string, asn: number, rid = addr): RibPeer {
  return makePeer({
    index: 1,
    address: parseAddressBytes(addr),
    asn,
    routerId: parseIpv4(rid),
    localAs: LOCAL_AS,
  });
}
function cand(p: RibPeer, a: PathAttributes, nh = '192.0.2.1', pathId = 0): Candidate {
  return { peer: p, attrs: interner.intern({ origin: 0, ...a }, parseAddressBytes(nh)), pathId };
}
const o = DEFAULT_DECISION;
const ebgp1 = peer('10.0.0.1', 65001);
const ebgp2 = peer('10.0.0.2', 65002);
const ibgp = peer('10.0.0.3', LOCAL_AS);

describe('rib/decision steps', () => {
  it('local-pref: higher wins; missing counts as 100', () => {
    const a = cand(ibgp, { localPref: 200, asPath: [] });
    const b = cand(ibgp, { asPath: [] });
    expect(localPrefStep.compare(a, b, o)).to.be.lessThan(0);
    expect(localPrefStep.explain(a, b, o)).to.equal('higher LOCAL_PREF 200 over 100');
    expect(localPrefStep.compare(b, cand(ibgp, { localPref: 100 }), o)).to.equal(0);
  });

  it('as-path-length: AS_SET counts 1, confederation segments 0', () => {
    const withSet = cand(ebgp1, {
      asPath: [
        { type: 2, asns: [65001] },
        { type: 1, asns: [1, 2, 3, 4] },
      ],
    });
    const three = cand(ebgp2, { asPath: seq(65002, 2, 3) });
    const confed = cand(ebgp2, {
      asPath: [
        { type: 3, asns: [64512, 64513, 64514] },
        { type: 2, asns: [65002, 9] },
      ],
    });
    expect(withSet.attrs.asPathLength).to.equal(2);
    expect(confed.attrs.asPathLength).to.equal(2);
    expect(asPathLengthStep.compare(withSet, three, o)).to.be.lessThan(0);
    expect(asPathLengthStep.compare(withSet, confed, o)).to.equal(0);
    expect(asPathLengthStep.explain(withSet, three, o)).to.equal('shorter AS_PATH 2 over 3');
  });

  it('origin: IGP < EGP < INCOMPLETE', () => {
    const igp = cand(ebgp1, { origin: 0, asPath: seq(65001) });
    const inc = cand(ebgp1, { origin: 2, asPath: seq(65001) });
    expect(originStep.compare(inc, igp, o)).to.be.greaterThan(0);
    expect(originStep.explain(igp, inc, o)).to.equal('lower ORIGIN IGP over INCOMPLETE');
  });

  it('med: compared only within the same neighbouring AS unless always-compare-med', () => {
    const a = cand(ebgp1, { asPath: seq(65001, 7), med: 50 });
    const b = cand(ebgp1, { asPath: seq(65001, 8), med: 10 });
    const c = cand(ebgp2, { asPath: seq(65002, 9), med: 5 });
    expect(medStep.compare(a, b, o)).to.be.greaterThan(0);
    expect(medStep.explain(b, a, o)).to.equal('lower MED 10 over 50');
    expect(medStep.compare(a, c, o)).to.equal(0);
    expect(medStep.compare(a, c, { ...o, alwaysCompareMed: true })).to.be.greaterThan(0);
  });

  it('med: a missing MED is 0, or the worst with missing-as-worst', () => {
    const none = cand(ebgp1, { asPath: seq(65001, 1) });
    const ten = cand(ebgp1, { asPath: seq(65001, 2), med: 10 });
    expect(medStep.compare(none, ten, o)).to.be.lessThan(0);
    const worst: DecisionOptions = { ...o, missingMedWorst: true };
    expect(medStep.compare(none, ten, worst)).to.be.greaterThan(0);
  });

  it('ebgp-over-ibgp: local > eBGP > iBGP', () => {
    const e = cand(ebgp1, { asPath: seq(65001) });
    const i = cand(ibgp, { asPath: seq(65001) });
    const l = cand(localPeer(LOCAL_AS, 1), { asPath: [] }, '0.0.0.0');
    expect(ebgpOverIbgpStep.compare(e, i, o)).to.be.lessThan(0);
    expect(ebgpOverIbgpStep.compare(l, e, o)).to.be.lessThan(0);
    expect(ebgpOverIbgpStep.explain(e, i, o)).to.equal('eBGP preferred over iBGP');
  });

  it('router-id: lower wins, ORIGINATOR_ID stands in for it (RFC 4456 §9)', () => {
    const p1 = peer('10.0.0.9', LOCAL_AS, '1.1.1.9');
    const p2 = peer('10.0.0.8', LOCAL_AS, '1.1.1.8');
    const a = cand(p1, { asPath: [] });
    const b = cand(p2, { asPath: [] });
    expect(routerIdStep.compare(a, b, o)).to.be.greaterThan(0);
    expect(routerIdStep.explain(b, a, o)).to.equal('lower router id 1.1.1.8 over 1.1.1.9');
    const reflected = cand(p2, { asPath: [], originatorId: parseIpv4('9.9.9.9') });
    expect(routerIdStep.compare(a, reflected, o)).to.be.lessThan(0);
    expect(routerIdStep.explain(a, reflected, o)).to.equal('lower router id 1.1.1.9 over 9.9.9.9');
  });

  it('cluster-list-length: shorter wins', () => {
    const a = cand(ibgp, { asPath: [], clusterList: [1] });
    const b = cand(ibgp, { asPath: [], clusterList: [1, 2] });
    expect(clusterListLengthStep.compare(a, b, o)).to.be.lessThan(0);
    expect(clusterListLengthStep.explain(a, b, o)).to.equal('shorter CLUSTER_LIST 1 over 2');
  });

  it('peer-address: lower wins; IPv4 before IPv6', () => {
    const a = cand(peer('10.0.0.10', 65001), { asPath: [] });
    const b = cand(peer('10.0.0.9', 65001), { asPath: [] });
    const c = cand(peer('2001:db8::1', 65001, '10.9.9.9'), { asPath: [] });
    expect(peerAddressStep.compare(a, b, o)).to.be.greaterThan(0);
    expect(peerAddressStep.compare(a, c, o)).to.be.lessThan(0);
    expect(peerAddressStep.explain(b, a, o)).to.equal('lower peer address 10.0.0.9 over 10.0.0.10');
  });

  it('path-id: lower wins among ADD-PATH paths of one peer', () => {
    const a = cand(ebgp1, { asPath: [] }, '192.0.2.1', 7);
    const b = cand(ebgp1, { asPath: [] }, '192.0.2.1', 3);
    expect(pathIdStep.compare(a, b, o)).to.be.greaterThan(0);
  });

  it('decideBetween reports the first step that differs', () => {
    const a = cand(ebgp1, { asPath: seq(65001, 1), localPref: 100 });
    const b = cand(ebgp2, { asPath: seq(65002), origin: 2 });
    const v = decideBetween(a, b, o);
    expect(v.step?.name).to.equal('as-path-length');
    expect(v.winner).to.equal(b);
    expect(v.reason).to.equal('shorter AS_PATH 1 over 2');
  });

  it('multipath: equal up to router id; eBGP needs the same neighbour AS unless relaxed', () => {
    const a = cand(peer('10.0.0.1', 65001), { asPath: seq(65001, 9) }, '10.0.0.1');
    const b = cand(peer('10.0.0.2', 65001, '10.0.0.0'), { asPath: seq(65001, 9) }, '10.0.0.2');
    const c = cand(peer('10.0.0.3', 65003), { asPath: seq(65003, 9) }, '10.0.0.3');
    expect(multipathCompatible(a, b, o)).to.equal(true);
    expect(multipathCompatible(a, c, o)).to.equal(false);
    expect(multipathCompatible(a, c, { ...o, multipathRelax: true })).to.equal(true);
    const chosen = selectPaths([a, b, c], { ...o, maxPaths: 4 });
    expect(chosen).to.deep.equal([1, 0]); // b has the lower router id, a joins it
    expect(selectPaths([a, b, c], { ...o, maxPaths: 4, multipathRelax: true })).to.have.length(3);
    expect(selectPaths([a, b, c], { ...o, maxPaths: 1 })).to.deep.equal([1]);
  });
});
