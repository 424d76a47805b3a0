// Negotiation tests: every OPEN check (with its NOTIFICATION subcode and data) and every negotiated
// field, plus buildOpen. OPENs are written as objects; one test also goes through the wire codec.
import { expect } from 'chai';
import { buildOpen, negotiate, type NegotiateConfig } from './negotiate.ts';
import { BgpError } from './wire/errors.ts';
import { familyKey } from './wire/iana/afi-safi.ts';
import { decodeOpen, encodeOpen } from './wire/open.ts';
import type { Capability, OpenMessage } from './wire/types.ts';

const V4 = { afi: 1, safi: 1 };
const V6 = { afi: 2, safi: 1 };
const K4 = familyKey(1, 1);
const K6 = familyKey(2, 1);

const open = (myAs: number, capabilities: Capability[], extra: Partial<OpenMessage> = {}): OpenMessage => ({
  type: 'open',
  version: 4,
  myAs,
  holdTime: 90,
  bgpId: 0x0a000002,
  capabilities,
  ...extra,
});
const mp = (f: { afi: number; safi: number }): Capability => ({ kind: 'multiprotocol', ...f });
const LOCAL = open(65001, [mp(V4), mp(V6), { kind: 'four-octet-as', asn: 65001 }], { bgpId: 0x0a000001 });
const CFG: NegotiateConfig = { localAs: 65001, localBgpId: 0x0a000001 };

function refused(fn: () => unknown, subcode: number, data?: string): BgpError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(BgpError);
    const b = e as BgpError;
    expect([b.code, b.subcode], b.message).to.deep.equal([2, subcode]);
    if (data !== undefined) expect(Buffer.from(b.data).toString('hex')).to.equal(data);
    return b;
  }
  throw new Error('expected a BgpError');
}

describe('negotiate', () => {
  describe('OPEN checks', () => {
    it('Unsupported Version Number (2/1) with 0004 as data', () => {
      refused(() => negotiate(LOCAL, open(65002, [], { version: 3 }), CFG), 1, '0004');
    });

    it('takes the real peer AS from the 4-octet AS capability (RFC 6793)', () => {
      const s = negotiate(LOCAL, open(23456, [{ kind: 'four-octet-as', asn: 4200000000 }]), CFG);
      expect(s.remoteAs).to.equal(4200000000);
      expect(negotiate(LOCAL, open(65002, [{ kind: 'four-octet-as', asn: 65002 }]), CFG).remoteAs).to.equal(
        65002,
      );
      expect(negotiate(LOCAL, open(23456, [{ kind: 'four-octet-as', asn: 65002 }]), CFG).remoteAs).to.equal(
        65002,
      );
      expect(negotiate(LOCAL, open(65002, []), CFG).remoteAs).to.equal(65002);
    });

    it('Bad Peer AS (2/2) when My AS contradicts the 4-octet AS capability', () => {
      refused(() => negotiate(LOCAL, open(65002, [{ kind: 'four-octet-as', asn: 4200000000 }]), CFG), 2);
      refused(() => negotiate(LOCAL, open(65003, [{ kind: 'four-octet-as', asn: 65002 }]), CFG), 2);
    });

    it('Bad Peer AS (2/2) for AS 0 (RFC 7607 §2), in My AS or in the capability', () => {
      refused(() => negotiate(LOCAL, open(0, []), CFG), 2);
      refused(() => negotiate(LOCAL, open(0, [{ kind: 'four-octet-as', asn: 0 }]), CFG), 2);
    });

    it('Bad Peer AS (2/2) when the peer is not in the configured AS', () => {
      refused(() => negotiate(LOCAL, open(65002, []), { ...CFG, expectedPeerAs: 65003 }), 2);
      refused(
        () =>
          negotiate(LOCAL, open(23456, [{ kind: 'four-octet-as', asn: 4200000000 }]), {
            ...CFG,
            expectedPeerAs: 23456,
          }),
        2,
      );
      expect(negotiate(LOCAL, open(65002, []), { ...CFG, expectedPeerAs: 65002 }).remoteAs).to.equal(65002);
    });

    it('Bad BGP Identifier (2/3) for 0', () => {
      refused(() => negotiate(LOCAL, open(65002, [], { bgpId: 0 }), CFG), 3);
    });

    it('Bad BGP Identifier (2/3) for our own identifier only from an internal peer (RFC 6286 §2.2)', () => {
      refused(() => negotiate(LOCAL, open(65001, [], { bgpId: 0x0a000001 }), CFG), 3);
      const ebgp = negotiate(LOCAL, open(65002, [], { bgpId: 0x0a000001 }), CFG);
      expect(ebgp.remoteBgpId).to.equal(0x0a000001);
      const allowed = negotiate(LOCAL, open(65001, [], { bgpId: 0x0a000001 }), {
        ...CFG,
        ibgpAllowedSameId: true,
      });
      expect(allowed.context.ibgp).to.equal(true);
    });

    it('Unacceptable Hold Time (2/6) for 1 and 2 seconds, and below a configured minimum', () => {
      refused(() => negotiate(LOCAL, open(65002, [], { holdTime: 1 }), CFG), 6);
      refused(() => negotiate(LOCAL, open(65002, [], { holdTime: 2 }), CFG), 6);
      refused(() => negotiate(LOCAL, open(65002, [], { holdTime: 9 }), { ...CFG, minHoldTime: 10 }), 6);
      expect(
        negotiate(LOCAL, open(65002, [], { holdTime: 10 }), { ...CFG, minHoldTime: 10 }).holdTime,
      ).to.equal(10);
      expect(
        negotiate(LOCAL, open(65002, [], { holdTime: 0 }), { ...CFG, minHoldTime: 10 }).holdTime,
      ).to.equal(0);
    });

    it('Role Mismatch (2/11) when both sent roles that do not correspond (RFC 9234 §4.2)', () => {
      const local = open(65001, [mp(V4), { kind: 'role', role: 0 }]);
      refused(() => negotiate(local, open(65002, [{ kind: 'role', role: 0 }]), CFG), 11);
      refused(() => negotiate(local, open(65002, [{ kind: 'role', role: 4 }]), CFG), 11);
      const ok = negotiate(local, open(65002, [{ kind: 'role', role: 3 }]), CFG);
      expect([ok.localRole, ok.remoteRole]).to.deep.equal([0, 3]);
      for (const [l, r] of [
        [3, 0],
        [1, 2],
        [2, 1],
        [4, 4],
      ]) {
        const s = negotiate(
          open(65001, [{ kind: 'role', role: l! }]),
          open(65002, [{ kind: 'role', role: r! }]),
          CFG,
        );
        expect(s.remoteRole).to.equal(r);
      }
      const oneSided = negotiate(local, open(65002, []), CFG);
      expect([oneSided.localRole, oneSided.remoteRole]).to.deep.equal([0, null]);
    });

    it('Unsupported Capability (2/7) listing our Multiprotocol capabilities when no family is shared', () => {
      refused(() => negotiate(open(65001, [mp(V6)]), open(65002, []), CFG), 7, '010400020001');
      refused(() => negotiate(open(65001, [mp(V6)]), open(65002, [mp(V4)]), CFG), 7);
    });
  });

  describe('negotiated values', () => {
    it('hold time is the smaller, keepalive a third of it (floor), 0 stays 0', () => {
      const s = negotiate({ ...LOCAL, holdTime: 180 }, open(65002, [], { holdTime: 10 }), CFG);
      expect([s.holdTime, s.keepaliveTime]).to.deep.equal([10, 3]);
      const z = negotiate({ ...LOCAL, holdTime: 0 }, open(65002, [], { holdTime: 90 }), CFG);
      expect([z.holdTime, z.keepaliveTime]).to.deep.equal([0, 0]);
    });

    it('families are the intersection; no Multiprotocol capability means IPv4 unicast (RFC 4760 §8)', () => {
      expect(negotiate(LOCAL, open(65002, [mp(V6)]), CFG).families).to.deep.equal([V6]);
      expect(negotiate(LOCAL, open(65002, [mp(V6), mp(V4)]), CFG).families).to.deep.equal([V4, V6]);
      expect(negotiate(LOCAL, open(65002, []), CFG).families).to.deep.equal([V4]);
      expect(negotiate(open(65001, []), open(65002, [mp(V4), mp(V6)]), CFG).families).to.deep.equal([V4]);
    });

    it('ADD-PATH per family and direction by RFC 7911 §4', () => {
      const ap = (...f: [number, number, number][]): Capability => ({
        kind: 'add-path',
        families: f.map(([afi, safi, sendReceive]) => ({ afi, safi, sendReceive })),
      });
      const local = { ...LOCAL, capabilities: [...LOCAL.capabilities, ap([1, 1, 3], [2, 1, 1])] };
      const s = negotiate(local, open(65002, [mp(V4), mp(V6), ap([1, 1, 1], [2, 1, 3])]), CFG);
      // IPv4: we both, they receive -> we send only. IPv6: we receive, they both -> we receive only.
      expect([...s.context.addPathSend]).to.deep.equal([K4]);
      expect([...s.context.addPathReceive]).to.deep.equal([K6]);
      const both = negotiate(local, open(65002, [mp(V4), ap([1, 1, 3])]), CFG);
      expect([[...both.context.addPathSend], [...both.context.addPathReceive]]).to.deep.equal([[K4], [K4]]);
      const none = negotiate(local, open(65002, [mp(V4), mp(V6), ap([1, 1, 2], [2, 1, 7])]), CFG);
      // They only send IPv4 (we receive it); the invalid 7 for IPv6 is ignored.
      expect([[...none.context.addPathSend], [...none.context.addPathReceive]]).to.deep.equal([[], [K4]]);
      // A family that was not negotiated gets no ADD-PATH even if both advertised it.
      const v4only = negotiate(local, open(65002, [mp(V4), ap([2, 1, 3])]), CFG);
      expect(v4only.context.addPathReceive.size + v4only.context.addPathSend.size).to.equal(0);
    });

    it('4-octet AS and extended message only when both sides advertised them; ibgp from the AS', () => {
      const a = negotiate(
        LOCAL,
        open(65002, [{ kind: 'four-octet-as', asn: 65002 }, { kind: 'extended-message' }]),
        CFG,
      );
      expect([a.context.fourOctetAs, a.context.extendedMessage, a.context.ibgp]).to.deep.equal([
        true,
        false,
        false,
      ]);
      const local = {
        ...LOCAL,
        capabilities: [...LOCAL.capabilities, { kind: 'extended-message' } as Capability],
      };
      const b = negotiate(local, open(65001, [{ kind: 'extended-message' }], { bgpId: 9 }), CFG);
      expect([b.context.fourOctetAs, b.context.extendedMessage, b.context.ibgp]).to.deep.equal([
        false,
        true,
        true,
      ]);
    });

    it('route refresh (also the old code 128, decoded as route-refresh) and enhanced route refresh need both sides', () => {
      const local = {
        ...LOCAL,
        capabilities: [...LOCAL.capabilities, { kind: 'route-refresh' } as Capability],
      };
      const s = negotiate(
        local,
        open(65002, [{ kind: 'route-refresh' }, { kind: 'enhanced-route-refresh' }]),
        CFG,
      );
      expect([s.routeRefresh, s.enhancedRouteRefresh]).to.deep.equal([true, false]);
      expect(negotiate(LOCAL, open(65002, [{ kind: 'route-refresh' }]), CFG).routeRefresh).to.equal(false);
    });

    it("reports the peer's graceful restart, whether both did GR, and the N bit only when both set it", () => {
      const grCap = (notification: boolean): Capability => ({
        kind: 'graceful-restart',
        restarting: true,
        notification,
        restartTime: 120,
        families: [{ ...V4, forwardingPreserved: true }],
      });
      const peerOnly = negotiate(LOCAL, open(65002, [grCap(true)]), CFG);
      expect(peerOnly.gracefulRestart).to.deep.equal({
        peer: {
          restartTime: 120,
          restarting: true,
          notification: true,
          families: [{ ...V4, forwardingPreserved: true }],
        },
        both: false,
        notification: false,
      });
      const local = (n: boolean) => ({ ...LOCAL, capabilities: [...LOCAL.capabilities, grCap(n)] });
      const bothN = negotiate(local(true), open(65002, [grCap(true)]), CFG);
      expect([bothN.gracefulRestart.both, bothN.gracefulRestart.notification]).to.deep.equal([true, true]);
      const oneN = negotiate(local(false), open(65002, [grCap(true)]), CFG);
      expect([oneN.gracefulRestart.both, oneN.gracefulRestart.notification]).to.deep.equal([true, false]);
      const none = negotiate(local(true), open(65002, []), CFG);
      expect(none.gracefulRestart).to.deep.equal({ peer: null, both: false, notification: false });
    });

    it('extended next hop entries both advertised, LLGR families and hostname of the peer', () => {
      const enh = (...nh: number[]): Capability => ({
        kind: 'extended-next-hop',
        entries: nh.map((nextHopAfi) => ({ ...V4, nextHopAfi })),
      });
      const local = { ...LOCAL, capabilities: [...LOCAL.capabilities, enh(2)] };
      const llgr: Capability = {
        kind: 'long-lived-graceful-restart',
        families: [{ ...V4, forwardingPreserved: false, staleTime: 3600 }],
      };
      const s = negotiate(
        local,
        open(65002, [enh(2, 3), llgr, { kind: 'fqdn', hostname: 'tor1', domain: 'dc' }]),
        CFG,
      );
      expect(s.extendedNextHop).to.deep.equal([{ ...V4, nextHopAfi: 2 }]);
      expect(s.longLivedGracefulRestart).to.deep.equal([
        { ...V4, forwardingPreserved: false, staleTime: 3600 },
      ]);
      expect(s.remoteHostname).to.deep.equal({ hostname: 'tor1', domain: 'dc' });
      const bare = negotiate(LOCAL, open(65002, [enh(2)]), CFG);
      expect([bare.extendedNextHop, bare.longLivedGracefulRestart, bare.remoteHostname]).to.deep.equal([
        [],
        null,
        null,
      ]);
    });
  });

  describe('buildOpen', () => {
    it('puts AS_TRANS in My AS and the AS in the 4-octet capability when it needs 4 octets', () => {
      const o = buildOpen({ asn: 4200000000, holdTime: 90, bgpId: 1 });
      expect(o.myAs).to.equal(23456);
      expect(o.capabilities).to.deep.include({ kind: 'four-octet-as', asn: 4200000000 });
      const small = buildOpen({ asn: 65001, holdTime: 90, bgpId: 1 });
      expect(small.myAs).to.equal(65001);
      expect(small.capabilities).to.deep.equal([
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'route-refresh' },
        { kind: 'four-octet-as', asn: 65001 },
      ]);
    });

    it('builds every optional capability, survives the wire, and negotiates with itself', () => {
      const o = buildOpen({
        asn: 65001,
        holdTime: 30,
        bgpId: 0x0a000001,
        families: [V4, V6],
        addPath: [{ ...V4, sendReceive: 3 }],
        gracefulRestart: {
          restartTime: 120,
          restarting: true,
          notification: true,
          families: [{ ...V4, forwardingPreserved: true }],
        },
        longLivedGracefulRestart: [{ ...V6, forwardingPreserved: false, staleTime: 600 }],
        routeRefresh: true,
        enhancedRouteRefresh: true,
        extendedMessage: true,
        extendedNextHop: [{ ...V4, nextHopAfi: 2 }],
        role: 4,
        hostname: 'node-1',
        domain: 'k8s',
      });
      expect(o.capabilities.map((c) => c.kind)).to.have.members([
        'multiprotocol',
        'multiprotocol',
        'route-refresh',
        'enhanced-route-refresh',
        'extended-message',
        'extended-next-hop',
        'role',
        'graceful-restart',
        'four-octet-as',
        'add-path',
        'long-lived-graceful-restart',
        'fqdn',
      ]);
      const back = decodeOpen(encodeOpen(o).subarray(19));
      expect(back.capabilities).to.deep.equal(o.capabilities);
      const peer = { ...back, bgpId: 0x0a000002 };
      const s = negotiate(o, peer, { localAs: 65001, localBgpId: 0x0a000001 });
      expect(s.families).to.deep.equal([V4, V6]);
      expect([s.context.ibgp, s.context.fourOctetAs, s.context.extendedMessage]).to.deep.equal([
        true,
        true,
        true,
      ]);
      expect([[...s.context.addPathSend], [...s.context.addPathReceive]]).to.deep.equal([[K4], [K4]]);
      expect([
        s.routeRefresh,
        s.enhancedRouteRefresh,
        s.gracefulRestart.both,
        s.gracefulRestart.notification,
      ]).to.deep.equal([true, true, true, true]);
      expect(s.remoteHostname).to.deep.equal({ hostname: 'node-1', domain: 'k8s' });
      expect(s.keepaliveTime).to.equal(10);
    });

    it('leaves out route refresh when asked', () => {
      const o = buildOpen({ asn: 65001, holdTime: 0, bgpId: 1, routeRefresh: false });
      expect(o.capabilities.some((c) => c.kind === 'route-refresh')).to.equal(false);
    });

    it('throws RangeError for configuration that cannot be sent', () => {
      const base = { asn: 65001, holdTime: 90, bgpId: 1 };
      for (const bad of [
        { ...base, asn: 0 },
        { ...base, asn: 2 ** 32 },
        { ...base, holdTime: 2 },
        { ...base, holdTime: 70000 },
        { ...base, bgpId: 0 },
        { ...base, gracefulRestart: { restartTime: 4096, families: [] } },
        { ...base, hostname: 'h'.repeat(254) },
      ]) {
        expect(() => buildOpen(bad), JSON.stringify(bad).slice(0, 80)).to.throw(RangeError);
      }
    });
  });
});
