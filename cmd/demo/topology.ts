// The demo's address plan: one top-of-rack router and N nodes, each node with one pod behind
// it. Pure data, computed from the node count and the ToR kind; everything else in the demo
// (namespaces, links, configs, checks, rendering) reads this plan.
//
//            pod1 (10.244.1.10)      pod2 (10.244.2.10)      ...
//              | eth0                  | eth0
//              | pod  (10.244.1.1)     | pod  (10.244.2.1)
//            node1 AS 64513          node2 AS 64514          podbgp run
//              | tor  (10.0.1.2)       | tor  (10.0.2.2)
//              | node1 (10.0.1.1)      | node2 (10.0.2.1)
//            +------------------ tor AS 65000 ------------------+   BIRD / FRR / podbgp
//
// In: node count (2..8) and ToR kind. Out: DemoTopology.

export const TOR_KINDS = ['bird', 'frr', 'podbgp'] as const;
export type TorKind = (typeof TOR_KINDS)[number];

export const TOR_ASN = 65000;
export const TOR_ROUTER_ID = '10.0.0.254';
/** Node N gets AS NODE_ASN_BASE + N (private 2-octet range, RFC 6996). */
export const NODE_ASN_BASE = 64512;
/** The cluster's Pod CIDRs: each node's Pod CIDR lies inside them; the ToR and nodes accept only these. */
export const CLUSTER_CIDR_V4 = '10.244.0.0/16';
export const CLUSTER_CIDR_V6 = 'fd00:10:244::/48';
export const MIN_NODES = 2;
export const MAX_NODES = 8;

export interface DemoNode {
  /** Short name: node1, node2, ... (also the lab namespace suffix). */
  readonly name: string;
  readonly index: number;
  readonly asn: number;
  readonly routerId: string;
  /** The node's end of its link to the ToR (interface `tor` in the node). */
  readonly uplink: { readonly ifName: string; readonly v4: string; readonly v6: string };
  /** The ToR's end of that link (interface named after the node in the ToR). */
  readonly torSide: { readonly ifName: string; readonly v4: string; readonly v6: string };
  readonly podCidrV4: string;
  readonly podCidrV6: string;
  /** The pod: its own namespace, `eth0` towards the node, default routes via the node. */
  readonly pod: {
    readonly name: string;
    readonly ifName: string;
    readonly v4: string;
    readonly v6: string;
  };
  /** The node's end of the pod link (interface `pod` in the node): the pod's gateway. */
  readonly podGateway: { readonly ifName: string; readonly v4: string; readonly v6: string };
}

export interface DemoTopology {
  readonly tor: {
    readonly name: 'tor';
    readonly kind: TorKind;
    readonly asn: number;
    readonly routerId: string;
  };
  readonly nodes: readonly DemoNode[];
}

/** The plan for `count` nodes; addresses are bare (no prefix length) except the CIDRs. */
export function buildTopology(count: number, torKind: TorKind): DemoTopology {
  if (!Number.isInteger(count) || count < MIN_NODES || count > MAX_NODES) {
    throw new RangeError(`node count must be an integer from ${MIN_NODES} to ${MAX_NODES}, got ${count}`);
  }
  const nodes: DemoNode[] = [];
  for (let n = 1; n <= count; n++) {
    nodes.push({
      name: `node${n}`,
      index: n,
      asn: NODE_ASN_BASE + n,
      routerId: `10.0.${n}.2`,
      uplink: { ifName: 'tor', v4: `10.0.${n}.2`, v6: `fd00:0:${n}::2` },
      torSide: { ifName: `node${n}`, v4: `10.0.${n}.1`, v6: `fd00:0:${n}::1` },
      podCidrV4: `10.244.${n}.0/24`,
      podCidrV6: `fd00:10:244:${n}::/64`,
      pod: { name: `pod${n}`, ifName: 'eth0', v4: `10.244.${n}.10`, v6: `fd00:10:244:${n}::10` },
      podGateway: { ifName: 'pod', v4: `10.244.${n}.1`, v6: `fd00:10:244:${n}::1` },
    });
  }
  return { tor: { name: 'tor', kind: torKind, asn: TOR_ASN, routerId: TOR_ROUTER_ID }, nodes };
}

/** Link prefix lengths: /30 and /64 on the node-ToR links, /24 and /64 on the pod links. */
export const UPLINK_LEN = { v4: 30, v6: 64 } as const;
export const POD_LEN = { v4: 24, v6: 64 } as const;

/**
 * Which pod pings which: each pod pings the next node's pod (the last one the first), so every
 * node is once a source and once a destination, over IPv4 and over IPv6.
 */
export function pingPairs(topology: DemoTopology): { from: DemoNode; to: DemoNode }[] {
  const nodes = topology.nodes;
  return nodes.map((from, i) => ({ from, to: nodes[(i + 1) % nodes.length]! }));
}
