// Sessions between podbgp (SessionManager in namespace "pod", see e2e/lab/podbgp.ts) and a real
// BIRD, FRR and GoBGP (namespace "peer"), one lab per daemon, one veth link with two addresses per
// family on each side, and four sessions per daemon:
//   v4 active   podbgp 10.0.0.1 connects to 10.0.0.2 (daemon passive)
//   v4 passive  the daemon connects from 10.0.0.4 to podbgp 10.0.0.3 (podbgp passive)
//   v6 active   fd00::1 -> fd00::2,  v6 passive  fd00::4 -> fd00::3
// Checked per session: Established on both sides; podbgp's UPDATE (built with the packer) shows
// in the daemon's RIB (birdc / vtysh / gobgp); the daemon's route arrives at podbgp as a decoded
// UPDATE. (FRR and GoBGP send End-of-RIB only with graceful restart: see session-graceful-restart.)
import { expect } from 'chai';
import { Afi, Safi } from '../bgp/wire/iana/afi-safi.ts';
import { Origin } from '../bgp/wire/iana/attribute-types.ts';
import { formatPrefixes, parseIpv4, parseIpv6, prefixList } from '../bgp/wire/prefix-text.ts';
import type { PathAttributes } from '../bgp/wire/types.ts';
import { Bird, Frr, GoBgp, waitFor } from './lab/index.ts';
import type { Podbgp } from './lab/podbgp.ts';
import { SessionLab } from './lab/session-lab.ts';

const POD_AS = 65001;
const PEER_AS = 65002;

interface Leg {
  name: string;
  v6: boolean;
  /** podbgp's address and the daemon's address of this session. */
  pod: string;
  peer: string;
  /** podbgp waits for the daemon to connect. */
  podPassive: boolean;
  /** What podbgp announces on this session. */
  announce: string;
}

const LEGS: readonly Leg[] = [
  {
    name: 'v4active',
    v6: false,
    pod: '10.0.0.1',
    peer: '10.0.0.2',
    podPassive: false,
    announce: '172.16.1.0/24',
  },
  {
    name: 'v4passive',
    v6: false,
    pod: '10.0.0.3',
    peer: '10.0.0.4',
    podPassive: true,
    announce: '172.16.2.0/24',
  },
  { name: 'v6active', v6: true, pod: 'fd00::1', peer: 'fd00::2', podPassive: false, announce: 'fd01:1::/64' },
  { name: 'v6passive', v6: true, pod: 'fd00::3', peer: 'fd00::4', podPassive: true, announce: 'fd01:2::/64' },
];

const DAEMON_V4 = '192.168.10.0/24';
const DAEMON_V6 = 'fd02::/64';

/** podbgp's attribute set for a leg: next hop = its own address on the link. */
function attrsFor(leg: Leg): PathAttributes {
  const base = { origin: Origin.IGP, asPath: [{ type: 2, asns: [POD_AS] }] };
  if (!leg.v6) return { ...base, nextHop: parseIpv4(leg.pod) };
  const words = parseIpv6(leg.pod);
  const nextHop = new Uint8Array(16);
  const view = new DataView(nextHop.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w));
  return {
    ...base,
    mpReach: { afi: Afi.IPV6, safi: Safi.UNICAST, nextHop, linkLocal: null, nlri: prefixList(Afi.IPV6, []) },
  };
}

interface DaemonUnderTest {
  waitEstablished(leg: Leg): Promise<void>;
  /** Prefixes the daemon's RIB holds from this leg's podbgp address. */
  routesFrom(leg: Leg): Promise<string[]>;
}

/** Two addresses per family on each end of the one link (see the legs above). */
const LINK = {
  v4: ['10.0.0.1/24', '10.0.0.2/24'],
  v6: ['fd00::1/64', 'fd00::2/64'],
  podAddresses: ['10.0.0.3/24', 'fd00::3/64'],
  peerAddresses: ['10.0.0.4/24', 'fd00::4/64'],
} as const;

async function startPodbgp(fixture: SessionLab): Promise<Podbgp> {
  const pod = await fixture.startPodbgp({ asn: POD_AS, routerId: '10.0.0.1' });
  for (const leg of LEGS) {
    pod.addPeer({
      address: leg.peer,
      asn: PEER_AS,
      passive: leg.podPassive,
      sourceAddress: leg.pod,
      families: [leg.v6 ? 'ipv6-unicast' : 'ipv4-unicast'],
      timers: { holdTime: 9, connectRetryTime: 1 },
    });
  }
  return pod;
}

async function proveLegs(pod: Podbgp, daemon: DaemonUnderTest, daemonSendsEndOfRib: boolean): Promise<void> {
  for (const leg of LEGS) {
    await pod.waitEstablished(leg.peer);
    await daemon.waitEstablished(leg);
    const session = pod.session(leg.peer);
    const direction = session.counters().negotiated === null ? '' : session.primary.direction;
    expect(direction, `${leg.name}: who opened the TCP connection`).to.equal(
      leg.podPassive ? 'incoming' : 'outgoing',
    );
    const afi = leg.v6 ? Afi.IPV6 : Afi.IPV4;
    session.sendAnnouncements(attrsFor(leg), prefixList(afi, [leg.announce]));
    session.sendEndOfRib(afi, Safi.UNICAST);
  }
  for (const leg of LEGS) {
    await waitFor(
      `${leg.name}: ${leg.announce} from podbgp in the daemon's RIB`,
      () => daemon.routesFrom(leg),
      (routes) => routes.includes(leg.announce),
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const want = leg.v6 ? DAEMON_V6 : DAEMON_V4;
    await pod.waitMessage('update', (m) => {
      if (m.peer !== leg.peer) return false;
      const list = leg.v6 ? m.msg.attrs.mpReach?.nlri : m.msg.nlri;
      return list !== undefined && formatPrefixes(list).includes(want);
    });
    if (daemonSendsEndOfRib) {
      await pod.waitMessage(
        'end-of-rib',
        (m) => m.peer === leg.peer && m.afi === (leg.v6 ? Afi.IPV6 : Afi.IPV4),
      );
    }
  }
  expect(pod.ofKind('peer-down'), 'no session went down').to.have.length(0);
}

describe('e2e session: Established and routes both ways over IPv4 and IPv6, podbgp active and passive', function () {
  this.timeout(120_000);
  const fixture = SessionLab.perTest();

  it('with BIRD 2', async () => {
    const { lab } = await fixture.podAndPeer('sess-bird', LINK);
    const bird = await Bird.start(lab, 'peer', {
      routerId: '10.0.0.2',
      staticRoutes: [{ prefix: DAEMON_V4 }, { prefix: DAEMON_V6 }],
      neighbors: LEGS.map((leg) => ({
        name: leg.name,
        address: leg.pod,
        localAddress: leg.peer,
        localAs: PEER_AS,
        remoteAs: POD_AS,
        passive: !leg.podPassive,
      })),
    });
    const pod = await startPodbgp(fixture);
    await proveLegs(
      pod,
      {
        waitEstablished: async (leg) => {
          await bird.waitEstablished(leg.name);
        },
        routesFrom: async (leg) => (await bird.showRoutes({ protocol: leg.name })).map((r) => r.prefix),
      },
      false,
    );
  });

  it('with FRR 8', async () => {
    const { lab } = await fixture.podAndPeer('sess-frr', LINK);
    const frr = await Frr.start(lab, 'peer', {
      asn: PEER_AS,
      routerId: '10.0.0.2',
      networks: [DAEMON_V4, DAEMON_V6],
      neighbors: LEGS.map((leg) => ({
        address: leg.pod,
        remoteAs: POD_AS,
        updateSource: leg.peer,
        passive: !leg.podPassive,
      })),
    });
    const pod = await startPodbgp(fixture);
    await proveLegs(
      pod,
      {
        waitEstablished: async (leg) => {
          await frr.waitEstablished(leg.pod);
        },
        routesFrom: async (leg) => {
          const table = await frr.routes(leg.v6 ? 'ipv6' : 'ipv4');
          return Object.entries(table)
            .filter(([, paths]) => paths.some((p) => p.peerId === leg.pod))
            .map(([prefix]) => prefix);
        },
      },
      false,
    );
  });

  it('with GoBGP 3', async () => {
    const { lab } = await fixture.podAndPeer('sess-gobgp', LINK);
    const gobgp = await GoBgp.start(lab, 'peer', {
      asn: PEER_AS,
      routerId: '10.0.0.2',
      neighbors: LEGS.map((leg) => ({
        address: leg.pod,
        remoteAs: POD_AS,
        localAddress: leg.peer,
        passive: !leg.podPassive,
      })),
    });
    await gobgp.addRoute({ prefix: DAEMON_V4, nextHop: '10.0.0.2' });
    await gobgp.addRoute({ prefix: DAEMON_V6, nextHop: 'fd00::2' });
    const pod = await startPodbgp(fixture);
    await proveLegs(
      pod,
      {
        waitEstablished: async (leg) => {
          await gobgp.waitEstablished(leg.pod);
        },
        routesFrom: async (leg) => {
          const rib = await gobgp.rib(leg.v6 ? 'ipv6' : 'ipv4');
          return Object.keys(rib);
        },
      },
      false,
    );
  });
});
