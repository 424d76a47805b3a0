// The lab sessions e2e/capture-goldens.ts records: each scenario builds real daemons in a lab,
// asks for captures on chosen interfaces, and drives the daemons through the messages we want as
// golden vectors (OPEN variants, UPDATEs with many attribute kinds, ADD-PATH, AS4_PATH toward a
// 2-octet peer, route reflection, End-of-RIB, ROUTE-REFRESH, NOTIFICATION with a shutdown message).
import type { Lab } from './lab.ts';
import { Bird } from './bird.ts';
import { Frr } from './frr.ts';
import { GoBgp } from './gobgp.ts';
import { ExaBgp } from './exabgp.ts';
import { sleep } from './wait.ts';

export type DaemonName = 'bird' | 'frr' | 'gobgp' | 'exabgp';

export interface Endpoint {
  address: string;
  daemon: DaemonName;
}

/** Starts a capture on node/iface; endpoints name the daemon behind each address seen there. */
export type StartCapture = (
  node: string,
  iface: string,
  endpoints: Endpoint[],
  transport: 'IPv4' | 'IPv6',
) => Promise<void>;

export interface Scenario {
  name: string;
  summary: string;
  build(lab: Lab, capture: StartCapture): Promise<void>;
}

const TAG_ROUTE_MAP = [
  'route-map TAG permit 10',
  ' set community 65002:100 65002:200',
  ' set large-community 65002:1:1',
  ' set extcommunity rt 65002:7',
  ' set metric 20',
];

const birdFrrV4: Scenario = {
  name: 'bird-frr-v4',
  summary:
    'eBGP BIRD AS4200000001 <-> FRR AS65002, GR, communities, aggregate, refresh, withdraw, shutdown message',
  async build(lab, capture) {
    await lab.addNode('bird');
    await lab.addNode('frr');
    await lab.link('bird', 'frr', { v4: ['10.0.0.1/30', '10.0.0.2/30'] });
    await capture(
      'frr',
      'bird',
      [
        { address: '10.0.0.1', daemon: 'bird' },
        { address: '10.0.0.2', daemon: 'frr' },
      ],
      'IPv4',
    );
    const frr = await Frr.start(lab, 'frr', {
      asn: 65002,
      routerId: '10.0.0.2',
      gracefulRestart: true,
      preamble: TAG_ROUTE_MAP,
      networks: ['192.0.2.0/24 route-map TAG', '10.20.1.0/24', '10.20.2.0/24'],
      aggregates: ['10.20.0.0/16 summary-only'],
      neighbors: [{ address: '10.0.0.1', remoteAs: 4200000001 }],
    });
    const statics = [
      {
        prefix: '198.51.100.0/24',
        set: [
          'bgp_med = 50;',
          'bgp_community.add((65001,100));',
          'bgp_ext_community.add((rt, 65001, 100));',
          'bgp_large_community.add((4200000001, 1, 2));',
        ],
      },
      { prefix: '198.51.101.0/24' },
    ];
    const birdConfig = {
      routerId: '10.0.0.1',
      staticRoutes: statics,
      neighbors: [
        { name: 'frr', address: '10.0.0.2', remoteAs: 65002, localAs: 4200000001, gracefulRestart: true },
      ],
    };
    const bird = await Bird.start(lab, 'bird', birdConfig);
    await bird.waitEstablished('frr');
    await frr.waitEstablished('10.0.0.1');
    await sleep(3000);
    await bird.reloadIn('frr');
    await sleep(1500);
    await frr.vtysh('clear bgp 10.0.0.1 soft in');
    await sleep(1500);
    await frr.configureBgp(['no network 10.20.2.0/24', 'no network 192.0.2.0/24 route-map TAG'], 'ipv4');
    await sleep(2000);
    await bird.configure({ ...birdConfig, staticRoutes: [statics[0] ?? { prefix: '198.51.100.0/24' }] });
    await sleep(2000);
    await frr.configureBgp(['neighbor 10.0.0.1 shutdown message "maintenance: podbgp golden capture"']);
    await sleep(2000);
  },
};

const birdFrrV6: Scenario = {
  name: 'bird-frr-v6',
  summary:
    'eBGP over IPv6 BIRD AS4200000001 <-> FRR AS4200000002, IPv6 unicast, ADD-PATH both ways, GR, BIRD disable message',
  async build(lab, capture) {
    await lab.addNode('bird');
    await lab.addNode('frr');
    await lab.link('bird', 'frr', { v6: ['fd00:12::1/64', 'fd00:12::2/64'] });
    await capture(
      'frr',
      'bird',
      [
        { address: 'fd00:12::1', daemon: 'bird' },
        { address: 'fd00:12::2', daemon: 'frr' },
      ],
      'IPv6',
    );
    const frr = await Frr.start(lab, 'frr', {
      asn: 4200000002,
      routerId: '192.0.2.2',
      gracefulRestart: true,
      networks: ['2001:db8:20::/48', '2001:db8:21::/48'],
      neighbors: [{ address: 'fd00:12::1', remoteAs: 4200000001, addpathTxAllPaths: true }],
    });
    const bird = await Bird.start(lab, 'bird', {
      routerId: '192.0.2.1',
      staticRoutes: [
        { prefix: '2001:db8:10::/48', set: ['bgp_community.add((65001,6));'] },
        { prefix: '2001:db8:11::/48' },
      ],
      neighbors: [
        {
          name: 'frr',
          address: 'fd00:12::2',
          remoteAs: 4200000002,
          localAs: 4200000001,
          addPaths: 'on',
          gracefulRestart: true,
        },
      ],
    });
    await bird.waitEstablished('frr');
    await frr.waitEstablished('fd00:12::1');
    await sleep(3000);
    await frr.configureBgp(['no network 2001:db8:21::/48'], 'ipv6');
    await sleep(2000);
    await bird.disable('frr', 'golden capture: BIRD going down');
    await sleep(2000);
  },
};

const frrGoBgp: Scenario = {
  name: 'frr-gobgp',
  summary:
    'eBGP FRR AS65002 <-> GoBGP AS65003, ADD-PATH, GoBGP routes with communities, refresh, withdraw, shutdown',
  async build(lab, capture) {
    await lab.addNode('frr');
    await lab.addNode('gobgp');
    await lab.link('frr', 'gobgp', { v4: ['10.0.3.1/30', '10.0.3.2/30'] });
    await capture(
      'frr',
      'gobgp',
      [
        { address: '10.0.3.1', daemon: 'frr' },
        { address: '10.0.3.2', daemon: 'gobgp' },
      ],
      'IPv4',
    );
    const frr = await Frr.start(lab, 'frr', {
      asn: 65002,
      routerId: '10.0.3.1',
      networks: ['192.0.2.0/25', '192.0.2.128/25'],
      neighbors: [{ address: '10.0.3.2', remoteAs: 65003, addpathTxAllPaths: true }],
    });
    const gobgp = await GoBgp.start(lab, 'gobgp', {
      asn: 65003,
      routerId: '10.0.3.2',
      neighbors: [{ address: '10.0.3.1', remoteAs: 65002, addPathSendMax: 4, gracefulRestart: true }],
    });
    await gobgp.waitEstablished('10.0.3.1');
    await frr.waitEstablished('10.0.3.2');
    await gobgp.addRoute({
      prefix: '203.0.113.0/24',
      nextHop: '10.0.3.2',
      attributes: [
        'origin',
        'egp',
        'med',
        '30',
        'community',
        '65003:1',
        'large-community',
        '65003:1:2',
        'rt',
        '65003:5',
      ],
    });
    await gobgp.addRoute({ prefix: '198.18.0.0/15', nextHop: '10.0.3.2' });
    await sleep(2500);
    await gobgp.deleteRoute('198.18.0.0/15');
    await sleep(1500);
    await gobgp.cli('neighbor', '10.0.3.1', 'softresetin');
    await sleep(1500);
    await frr.vtysh('clear bgp 10.0.3.2 soft in');
    await sleep(1500);
    await gobgp.cli('neighbor', '10.0.3.1', 'shutdown', '--reason', 'gobgp golden capture');
    await sleep(2000);
  },
};

const exaFrrTwoOctet: Scenario = {
  name: 'exabgp-frr-as2',
  summary:
    'ExaBGP AS65004 without the 4-octet AS capability <-> FRR AS65002 that also hears BIRD AS4200000001 (AS_TRANS, AS4_PATH)',
  async build(lab, capture) {
    await lab.addNode('bird');
    await lab.addNode('frr');
    await lab.addNode('exa');
    await lab.link('bird', 'frr', { v4: ['10.0.4.1/30', '10.0.4.2/30'] });
    await lab.link('frr', 'exa', { v4: ['10.0.5.1/30', '10.0.5.2/30'] });
    await capture(
      'frr',
      'exa',
      [
        { address: '10.0.5.1', daemon: 'frr' },
        { address: '10.0.5.2', daemon: 'exabgp' },
      ],
      'IPv4',
    );
    const frr = await Frr.start(lab, 'frr', {
      asn: 65002,
      routerId: '10.0.5.1',
      neighbors: [
        { address: '10.0.4.1', remoteAs: 4200000001 },
        { address: '10.0.5.2', remoteAs: 65004 },
      ],
    });
    const bird = await Bird.start(lab, 'bird', {
      routerId: '10.0.4.1',
      staticRoutes: [{ prefix: '198.51.102.0/24', set: ['bgp_path.prepend(4200000001);'] }],
      neighbors: [{ name: 'frr', address: '10.0.4.2', remoteAs: 65002, localAs: 4200000001 }],
    });
    await bird.waitEstablished('frr');
    const exa = await ExaBgp.start(lab, 'exa', {
      neighbors: [
        {
          address: '10.0.5.1',
          localAddress: '10.0.5.2',
          localAs: 65004,
          remoteAs: 65002,
          routerId: '10.0.5.2',
          asn4: false,
          routeRefresh: true,
          gracefulRestart: 60,
          routes: [
            '10.44.0.0/16 next-hop 10.0.5.2 origin incomplete as-path [ 65004 4200000009 ] med 5 community [ 65004:1 no-export ] extended-community [ target:65004:9 origin:65004:10 ] large-community [ 4200000009:1:2 ] atomic-aggregate aggregator ( 65004:10.0.5.2 )',
            '10.45.0.0/16 next-hop 10.0.5.2',
          ],
        },
      ],
    });
    await exa.waitEstablished('10.0.5.1');
    await frr.waitEstablished('10.0.5.2');
    await sleep(3000);
    exa.command('withdraw route 10.45.0.0/16 next-hop 10.0.5.2');
    await sleep(1500);
    await frr.vtysh('clear bgp 10.0.5.2 soft in');
    await sleep(1500);
    await exa.stop();
    await sleep(1000);
  },
};

const routeReflector: Scenario = {
  name: 'rr-ibgp',
  summary:
    'iBGP AS65010: FRR route reflector, GoBGP and BIRD clients (ORIGINATOR_ID, CLUSTER_LIST, LOCAL_PREF)',
  async build(lab, capture) {
    await lab.addNode('rr');
    await lab.addNode('gobgp');
    await lab.addNode('bird');
    await lab.link('rr', 'gobgp', { v4: ['10.0.6.1/30', '10.0.6.2/30'] });
    await lab.link('rr', 'bird', { v4: ['10.0.7.1/30', '10.0.7.2/30'] });
    await capture(
      'rr',
      'bird',
      [
        { address: '10.0.7.1', daemon: 'frr' },
        { address: '10.0.7.2', daemon: 'bird' },
      ],
      'IPv4',
    );
    const frr = await Frr.start(lab, 'rr', {
      asn: 65010,
      routerId: '10.0.7.1',
      neighbors: [
        { address: '10.0.6.2', remoteAs: 'internal', routeReflectorClient: true },
        { address: '10.0.7.2', remoteAs: 'internal', routeReflectorClient: true },
      ],
    });
    const gobgp = await GoBgp.start(lab, 'gobgp', {
      asn: 65010,
      routerId: '10.0.6.2',
      neighbors: [{ address: '10.0.6.1', remoteAs: 65010 }],
    });
    const bird = await Bird.start(lab, 'bird', {
      routerId: '10.0.7.2',
      staticRoutes: [{ prefix: '198.51.103.0/24', set: ['bgp_local_pref = 300;'] }],
      neighbors: [
        { name: 'reflector', address: '10.0.7.1', remoteAs: 65010, localAs: 65010, extra: ['direct;'] },
      ],
    });
    await gobgp.waitEstablished('10.0.6.1');
    await bird.waitEstablished('reflector');
    await gobgp.addRoute({
      prefix: '192.0.2.0/24',
      nextHop: '10.0.6.2',
      attributes: ['local-pref', '200', 'med', '7'],
    });
    await sleep(3000);
    await gobgp.deleteRoute('192.0.2.0/24');
    await sleep(2000);
    void frr;
  },
};

export const SCENARIOS: readonly Scenario[] = [
  birdFrrV4,
  birdFrrV6,
  frrGoBgp,
  exaFrrTwoOctet,
  routeReflector,
];
