// Test support (not a test file): a DaemonApi over a real Rib and AdjRibOut fed with decoded
// UPDATEs (PathAttributes + PrefixList values written by hand), so routes and `explain` come from
// the real decision process; peers, kernel routes and events are fixed records. Used by the API
// server tests and the CLI golden-output tests.
//
// In: nothing. Out: TestDaemon (a DaemonApi), plus a log of the mutating calls it received.
import type {
  ApiEvent,
  DaemonApi,
  KernelRouteRecord,
  PeerAction,
  PeerDetail,
  PeerSummary,
  RouteQuery,
  RouteRecord,
} from './daemon-api.ts';
import type { PathAttributes, PrefixList } from '../bgp/wire/types.ts';
import type { RibPeer } from '../rib/peer.ts';
import { ApiError } from './daemon-api.ts';
import { ribRoutes } from './rib-view.ts';
import { Rib } from '../rib/rib.ts';
import { AdjRibOut } from '../rib/adj-rib-out.ts';
import { explain } from '../rib/explain.ts';
import { makePeer, ribConfig } from '../rib/peer.ts';
import { Policy } from '../rib/policy/policy.ts';
import { formatAddressBytes, parseAddressBytes, parseIpv4, parsePrefix } from '../rib/prefix.ts';
import { WellKnownCommunity } from '../bgp/wire/iana/attribute-types.ts';

export const LOCAL_AS = 65000;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

function prefixList(...texts: string[]): PrefixList {
  const ps = texts.map(parsePrefix);
  return {
    afi: ps[0].afi,
    count: ps.length,
    words: Uint32Array.from(ps.flatMap((p) => p.words)),
    lengths: Uint8Array.from(ps.map((p) => p.length)),
    pathIds: null,
  };
}

function v4(nextHop: string, asns: number[], extra: PathAttributes = {}): PathAttributes {
  return { origin: 0, asPath: [{ type: 2, asns }], nextHop: parseIpv4(nextHop), ...extra };
}

interface FixedPeer {
  readonly summary: Omit<PeerSummary, 'stateSince'> & { readonly ageMs: number };
  readonly rib: RibPeer | null;
}

export class TestDaemon implements DaemonApi {
  readonly rib: Rib;
  readonly out: AdjRibOut;
  readonly calls: string[] = [];
  private readonly peers: FixedPeer[] = [];
  private readonly originated = new Set<string>();
  private readonly pendingEvents: ApiEvent[] = [];
  private wake: (() => void) | null = null;
  private readonly now: () => number;

  /** `now`: the daemon's clock for stateSince and times (a fixed one gives fixed JSON). */
  constructor(o: { now?: () => number } = {}) {
    this.now = o.now ?? Date.now;
    const sink = { out: null as AdjRibOut | null };
    const unreachable = new Set(['10.0.0.9']);
    this.rib = new Rib({
      config: ribConfig({ localAs: LOCAL_AS, routerId: parseIpv4('10.255.0.1'), decision: { maxPaths: 4 } }),
      nextHopReachable: (a) => !unreachable.has(formatAddressBytes(a)),
      sink: { fibChange: () => {}, bestChanged: (afi, slot) => sink.out?.bestChanged(afi, slot) },
    });
    this.out = new AdjRibOut(this.rib, () => {});
    sink.out = this.out;
    const acceptAll = new Policy('accept-all', [], 'accept');
    const est = (address: string, asn: number, index: number, ageMs: number, lastError: string | null) => {
      const rib = makePeer({
        index,
        address: parseAddressBytes(address),
        asn,
        routerId: parseIpv4(address),
        localAs: LOCAL_AS,
        importPolicy: acceptAll,
      });
      this.rib.addPeer(rib);
      this.out.addPeer({ peer: rib, exportPolicy: acceptAll, mraiMs: 0 });
      this.peers.push({
        rib,
        summary: {
          address,
          asn,
          localAsn: LOCAL_AS,
          state: 'Established',
          ageMs,
          adminDown: false,
          families: [],
          lastError,
          routerId: address,
          holdTime: 90,
          keepaliveTime: 30,
          localAddress: '10.0.0.254',
        },
      });
      return rib;
    };
    const a = est('10.0.0.1', 65001, 1, 3 * DAY + 4 * HOUR + 5 * MINUTE, null);
    const b = est('10.0.0.2', 65001, 2, 5 * MINUTE + 10_000, 'Cease / Administrative Reset: "upgrade"');
    const c = est('10.0.0.3', 65003, 3, 2 * HOUR + 30_000, null);
    const d = est('10.0.0.9', 65009, 4, 42_000, null);
    this.peers.push({
      rib: null,
      summary: {
        address: '2001:db8::5',
        asn: 65005,
        localAsn: LOCAL_AS,
        state: 'Active',
        ageMs: 7 * MINUTE,
        adminDown: false,
        families: [],
        lastError: 'Hold Timer Expired',
        routerId: null,
        holdTime: null,
        keepaliveTime: null,
        localAddress: null,
      },
    });

    const r = this.rib;
    r.applyUpdate(a, { attrs: v4('10.0.0.1', [65001, 9]), nlri: prefixList('10.9.0.0/16') });
    r.applyUpdate(b, { attrs: v4('10.0.0.2', [65001, 9]), nlri: prefixList('10.9.0.0/16', '10.9.1.0/24') });
    r.applyUpdate(c, { attrs: v4('10.0.0.3', [65003, 9, 9]), nlri: prefixList('10.9.0.0/16') });
    r.applyUpdate(a, {
      attrs: v4('10.0.0.1', [65001], {
        med: 10,
        communities: [(65001 << 16) | 100, WellKnownCommunity.NO_EXPORT],
        largeCommunities: [65001, 1, 2],
      }),
      nlri: prefixList('192.168.1.0/24'),
    });
    r.applyUpdate(c, { attrs: v4('10.0.0.3', [65003], { origin: 2 }), nlri: prefixList('192.168.1.0/24') });
    r.applyUpdate(d, { attrs: v4('10.0.0.9', [65009]), nlri: prefixList('172.16.0.0/12') });
    r.applyUpdate(a, {
      attrs: {
        origin: 0,
        asPath: [{ type: 2, asns: [65001] }],
        mpReach: {
          afi: 2,
          safi: 1,
          nextHop: parseAddressBytes('2001:db8::1'),
          linkLocal: null,
          nlri: prefixList('2001:db8:1::/48'),
        },
      },
    });
    this.addOriginated('10.244.1.0/24');
    this.calls.length = 0;
    this.out.poll(this.now());
  }

  private peerByAddress(address: string): FixedPeer | undefined {
    return this.peers.find((p) => p.summary.address === address);
  }

  private summaryOf(p: FixedPeer, now: number): PeerSummary {
    const { ageMs, ...rest } = p.summary;
    const families =
      p.rib === null
        ? [{ family: 'ipv4' as const, received: 0, accepted: 0, advertised: 0 }]
        : (['ipv4', 'ipv6'] as const).map((family) => {
            const afi = family === 'ipv4' ? 1 : 2;
            const n = this.rib.locRib(afi).adjIn.countOf(p.rib!.index);
            const advertised = [...ribRoutes(this.sources(), { table: 'out', peer: rest.address, family })]
              .length;
            return { family, received: n, accepted: n, advertised };
          });
    return { ...rest, stateSince: now - ageMs, families };
  }

  private sources() {
    return {
      rib: this.rib,
      adjRibOut: this.out,
      peerByAddress: (address: string) => this.peerByAddress(address)?.rib ?? undefined,
    };
  }

  listPeers(): PeerSummary[] {
    const now = this.now();
    return this.peers.map((p) => this.summaryOf(p, now));
  }

  getPeer(address: string): PeerDetail {
    const p = this.peerByAddress(address);
    if (p === undefined) throw new ApiError('not-found', `no such peer: ${address}`);
    const now = this.now();
    const up = p.rib !== null;
    return {
      ...this.summaryOf(p, now),
      description: up ? `tor-${address.split('.').pop()}` : null,
      localPort: up ? 40179 : null,
      remotePort: up ? 179 : null,
      passive: false,
      configuredHoldTime: 90,
      establishedTransitions: up ? 2 : 0,
      lastStateReason: up ? 'OPEN and KEEPALIVE exchanged' : 'connect failed: ECONNREFUSED',
      capabilitiesSent: up
        ? ['multiprotocol ipv4-unicast', 'multiprotocol ipv6-unicast', 'four-octet-as 65000']
        : [],
      capabilitiesReceived: up ? ['multiprotocol ipv4-unicast', 'route-refresh', 'four-octet-as 65001'] : [],
      negotiated: up
        ? {
            families: ['ipv4-unicast'],
            fourOctetAs: true,
            routeRefresh: true,
            enhancedRouteRefresh: false,
            extendedMessage: false,
            gracefulRestart: null,
            addPath: [],
            extendedNextHop: [],
            remoteHostname: null,
          }
        : null,
      messages: [
        { type: 'OPEN', sent: 2, received: 2 },
        { type: 'UPDATE', sent: 5, received: 12 },
        { type: 'NOTIFICATION', sent: 0, received: 1 },
        { type: 'KEEPALIVE', sent: 8000, received: 7999 },
        { type: 'ROUTE-REFRESH', sent: 0, received: 0 },
      ],
      lastNotification: {
        direction: 'received',
        code: 6,
        subcode: 4,
        text: 'Cease / Administrative Reset: "upgrade"',
        time: now - 2 * HOUR,
      },
    };
  }

  listRoutes(q: RouteQuery): Iterable<RouteRecord> {
    return ribRoutes(this.sources(), q);
  }

  listKernelRoutes(): KernelRouteRecord[] {
    const base = { family: 'ipv4' as const, protocol: 201, table: 254, metric: 20 };
    return [
      {
        ...base,
        prefix: '10.9.0.0/16',
        type: 'unicast',
        nextHops: ['via 10.0.0.1 dev eth0', 'via 10.0.0.2 dev eth0'],
        match: 'yes',
        reason: '',
      },
      {
        ...base,
        prefix: '10.9.1.0/24',
        type: 'unicast',
        nextHops: [],
        match: 'missing',
        reason: 'RTM_NEWROUTE failed: Network is unreachable (ENETUNREACH)',
      },
      { ...base, prefix: '10.244.1.0/24', type: 'blackhole', nextHops: [], match: 'yes', reason: '' },
      {
        ...base,
        prefix: '192.168.1.0/24',
        type: 'unicast',
        nextHops: ['via 10.0.0.3 dev eth0'],
        match: 'no',
        reason: 'RIB wants via 10.0.0.1',
      },
      {
        ...base,
        prefix: '198.51.100.0/24',
        type: 'unicast',
        nextHops: ['via 10.0.0.7 dev eth0'],
        match: 'extra',
        reason: 'not in the RIB (graceful restart holds the sweep)',
      },
    ];
  }

  explain(prefix: string) {
    return explain(this.rib, parsePrefix(prefix));
  }

  addOriginated(cidr: string): void {
    this.calls.push(`add ${cidr}`);
    this.originated.add(cidr);
    this.rib.originate(parsePrefix(cidr));
  }

  deleteOriginated(cidr: string): void {
    this.calls.push(`del ${cidr}`);
    if (!this.originated.delete(cidr)) throw new ApiError('not-found', `${cidr} is not originated`);
    this.rib.withdrawOriginated(parsePrefix(cidr));
  }

  peerAction(address: string, action: PeerAction, message?: string): void {
    if (this.peerByAddress(address) === undefined)
      throw new ApiError('not-found', `no such peer: ${address}`);
    this.calls.push(`${action} ${address}${message === undefined ? '' : ` "${message}"`}`);
  }

  /** Queue an event for every open WatchEvents stream (one consumer in the tests). */
  emit(e: ApiEvent): void {
    this.pendingEvents.push(e);
    this.wake?.();
  }

  async *events(signal: AbortSignal): AsyncIterable<ApiEvent> {
    while (!signal.aborted) {
      const e = this.pendingEvents.shift();
      if (e !== undefined) {
        yield e;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      this.wake = null;
    }
  }
}
