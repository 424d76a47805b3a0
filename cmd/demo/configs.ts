// Configuration text for the demo's daemons, from the address plan: podbgp on each node (two
// eBGP sessions to the ToR, one per address family: IPv4 routes over the IPv4 session, IPv6 over
// the IPv6 one, so each side's next hop is its own address on the shared link, which the kernel
// can use as a gateway as it is), and the ToR as BIRD 2, FRR 8 or podbgp acting as a route
// server that installs what it learns. Short timers (hold 9 s, connect retry 1 s) so the lab
// converges in seconds.
//
// In: DemoTopology and per-instance paths. Out: config texts / objects to write to files.
import { CLUSTER_CIDR_V4, CLUSTER_CIDR_V6, type DemoNode, type DemoTopology } from './topology.ts';

/**
 * MRAI 0: RFC 4271 §9.2.1.1 suggests 30 s for eBGP, which would hold back the ToR's second
 * UPDATE to a node (the one carrying the other nodes' CIDRs) for half a minute in a lab that
 * converges in a few seconds. FRR's config below says the same (advertisement-interval 0).
 */
const TIMERS = { holdTime: 9, connectRetryTime: 1, minRouteAdvertisementInterval: 0 } as const;

/** podbgp's YAML config (as an object) for one node. */
export function nodeConfig(
  node: DemoNode,
  topology: DemoTopology,
  apiSocket: string,
): Record<string, unknown> {
  return {
    asn: node.asn,
    routerId: node.routerId,
    peers: [
      {
        address: node.torSide.v4,
        asn: topology.tor.asn,
        description: 'top-of-rack (IPv4)',
        families: ['ipv4-unicast'],
        timers: TIMERS,
      },
      {
        address: node.torSide.v6,
        asn: topology.tor.asn,
        description: 'top-of-rack (IPv6)',
        families: ['ipv6-unicast'],
        timers: TIMERS,
      },
    ],
    originate: [node.podCidrV4, node.podCidrV6],
    accept: [CLUSTER_CIDR_V4, CLUSTER_CIDR_V6],
    gracefulRestart: { enabled: false },
    kernel: { installRoutes: true },
    logging: { level: 'info', format: 'json' },
    api: { socket: apiSocket },
    metrics: { address: '127.0.0.1:9179' },
  };
}

/**
 * podbgp as the ToR: an eBGP route server that passes every cluster route on to every node
 * (a named policy on both directions, since the node defaults would export only its own CIDRs)
 * and installs what it learns, so the ToR namespace forwards between nodes.
 */
export function podbgpTorConfig(topology: DemoTopology, apiSocket: string): Record<string, unknown> {
  const peers = topology.nodes.flatMap((n) => [
    {
      address: n.uplink.v4,
      asn: n.asn,
      description: `${n.name} (IPv4)`,
      families: ['ipv4-unicast'],
      timers: TIMERS,
      importPolicy: 'cluster',
      exportPolicy: 'cluster',
    },
    {
      address: n.uplink.v6,
      asn: n.asn,
      description: `${n.name} (IPv6)`,
      families: ['ipv6-unicast'],
      timers: TIMERS,
      importPolicy: 'cluster',
      exportPolicy: 'cluster',
    },
  ]);
  return {
    asn: topology.tor.asn,
    routerId: topology.tor.routerId,
    peers,
    policies: {
      cluster: [
        {
          name: 'cluster-pod-cidrs',
          match: { prefix: [`${CLUSTER_CIDR_V4} le 32`, `${CLUSTER_CIDR_V6} le 128`] },
          action: 'accept',
        },
      ],
    },
    gracefulRestart: { enabled: false },
    kernel: { installRoutes: true },
    logging: { level: 'info', format: 'json' },
    api: { socket: apiSocket },
    metrics: { address: '127.0.0.1:9179' },
  };
}

/** The BIRD protocol name for a node's session of one family. */
export function birdProtocolName(node: DemoNode, family: 'v4' | 'v6'): string {
  return `${node.name}_${family}`;
}

/** bird.conf for the ToR: two sessions per node, cluster prefixes only, BGP routes into the kernel. */
export function birdTorConfig(topology: DemoTopology): string {
  const t = topology.tor;
  const lines = [
    `router id ${t.routerId};`,
    'log stderr all;',
    'protocol device { scan time 10; }',
    'protocol kernel kernel_v4 { ipv4 { export where source = RTS_BGP; }; }',
    'protocol kernel kernel_v6 { ipv6 { export where source = RTS_BGP; }; }',
    `filter cluster_v4 { if net ~ [ ${CLUSTER_CIDR_V4}+ ] then accept; reject; }`,
    `filter cluster_v6 { if net ~ [ ${CLUSTER_CIDR_V6}+ ] then accept; reject; }`,
  ];
  for (const n of topology.nodes) {
    for (const family of ['v4', 'v6'] as const) {
      const channel = family === 'v4' ? 'ipv4' : 'ipv6';
      lines.push(
        `protocol bgp ${birdProtocolName(n, family)} {`,
        `  description "${n.name}";`,
        `  local ${n.torSide[family]} as ${t.asn};`,
        `  neighbor ${n.uplink[family]} as ${n.asn};`,
        `  hold time ${TIMERS.holdTime};`,
        `  keepalive time ${TIMERS.holdTime / 3};`,
        `  connect retry time ${TIMERS.connectRetryTime};`,
        '  error wait time 1, 5;',
        `  ${channel} { import filter cluster_${family}; export filter cluster_${family}; };`,
        '}',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** bgpd.conf for the ToR (FRR): the same sessions and filters as the BIRD one, zebra installs. */
export function frrTorConfig(topology: DemoTopology): string {
  const t = topology.tor;
  const lines = [
    'hostname tor',
    'log stdout informational',
    '!',
    `ip prefix-list CLUSTER4 seq 5 permit ${CLUSTER_CIDR_V4} le 32`,
    `ipv6 prefix-list CLUSTER6 seq 5 permit ${CLUSTER_CIDR_V6} le 128`,
    '!',
    `router bgp ${t.asn}`,
    ` bgp router-id ${t.routerId}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
  ];
  const peers = topology.nodes.flatMap((n) => [
    { address: n.uplink.v4, asn: n.asn, name: n.name },
    { address: n.uplink.v6, asn: n.asn, name: n.name },
  ]);
  for (const p of peers) {
    lines.push(
      ` neighbor ${p.address} remote-as ${p.asn}`,
      ` neighbor ${p.address} description ${p.name}`,
      ` neighbor ${p.address} timers ${TIMERS.holdTime / 3} ${TIMERS.holdTime}`,
      ` neighbor ${p.address} timers connect ${TIMERS.connectRetryTime}`,
      ` neighbor ${p.address} advertisement-interval 0`,
    );
  }
  for (const family of ['ipv4', 'ipv6'] as const) {
    const list = family === 'ipv4' ? 'CLUSTER4' : 'CLUSTER6';
    lines.push(` address-family ${family} unicast`);
    for (const p of peers.filter((x) => x.address.includes(':') === (family === 'ipv6'))) {
      lines.push(
        `  neighbor ${p.address} activate`,
        `  neighbor ${p.address} prefix-list ${list} in`,
        `  neighbor ${p.address} prefix-list ${list} out`,
      );
    }
    lines.push(' exit-address-family');
  }
  lines.push('!');
  return `${lines.join('\n')}\n`;
}
