// What the demo proves, measured from outside the daemons: the nodes' sessions (through podbgp's
// own API, as `podbgp peers` shows them), the kernel routes podbgp installed (`ip -j route show
// proto 201`, the kernel as oracle), pod-to-pod pings over IPv4 and IPv6, the absence of any
// tunnel device (`ip -d -j link` in every namespace), and one ICMP echo captured on the ToR's
// wire with tcpdump, showing the pod addresses in a plain Ethernet/IP frame.
//
// In: DemoLab, DemoTopology. Out: the plain records of DemoSummary (cmd/demo/summary.ts).
import { ApiClient } from '../../api/client.ts';
import type { PeerSummary } from '../../api/daemon-api.ts';
import type { DemoLab } from './lab.ts';
import { apiSocketOf } from './build.ts';
import { pingPairs, type DemoNode, type DemoTopology } from './topology.ts';
import type { CaptureResult, KernelRoute, NodeReport, PingResult, TunnelReport } from './summary.ts';

/** rtnetlink protocol number of podbgp's routes (config kernel.protocol default). */
export const PODBGP_PROTOCOL = 201;

/** Link kinds that would mean an overlay (encapsulation) rather than a routed network. */
export const TUNNEL_KINDS = [
  'vxlan',
  'geneve',
  'ipip',
  'sit',
  'gre',
  'gretap',
  'ip6gre',
  'ip6gretap',
  'erspan',
  'ip6erspan',
  'ip6tnl',
  'vti',
  'vti6',
  'wireguard',
  'fou',
] as const;

/**
 * The devices a tunnel kernel module creates in every namespace once it is loaded (down, unused
 * unless configured): not a tunnel anyone set up, so they are reported but do not fail the check
 * while they stay down.
 */
const FALLBACK_DEVICES = new Set([
  'tunl0',
  'sit0',
  'gre0',
  'gretap0',
  'erspan0',
  'ip6tnl0',
  'ip6gre0',
  'ip_vti0',
  'ip6_vti0',
]);

export async function listPeers(lab: DemoLab, node: string): Promise<PeerSummary[]> {
  const api = new ApiClient({ socketPath: apiSocketOf(lab, node), deadlineMs: 3000 });
  try {
    return await api.listPeers();
  } finally {
    api.close();
  }
}

interface IpRouteJson {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string | number;
  nexthops?: { gateway?: string; dev?: string }[];
}

/** podbgp's routes in a node's kernel, both families. */
export async function kernelRoutes(lab: DemoLab, node: string): Promise<KernelRoute[]> {
  const out: KernelRoute[] = [];
  for (const family of ['4', '6'] as const) {
    const r = await lab.execOk(node, [
      'ip',
      `-${family}`,
      '-j',
      'route',
      'show',
      'proto',
      String(PODBGP_PROTOCOL),
    ]);
    for (const route of JSON.parse(r.stdout.trim() || '[]') as IpRouteJson[]) {
      const hop = route.nexthops?.[0];
      out.push({
        family: family === '4' ? 'ipv4' : 'ipv6',
        dst: route.dst,
        gateway: route.gateway ?? hop?.gateway ?? null,
        dev: route.dev ?? hop?.dev ?? null,
        protocol: String(route.protocol ?? PODBGP_PROTOCOL),
      });
    }
  }
  return out;
}

/** The ToR's addresses on its link to `node` (global and link-local), to tell "via the ToR". */
export async function torAddresses(lab: DemoLab, topology: DemoTopology, node: DemoNode): Promise<string[]> {
  const r = await lab.execOk(topology.tor.name, ['ip', '-j', 'addr', 'show', 'dev', node.torSide.ifName]);
  const links = JSON.parse(r.stdout || '[]') as { addr_info?: { local: string }[] }[];
  return links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local));
}

/** Other nodes' Pod CIDRs, the routes a node must have. */
export function expectedRoutes(topology: DemoTopology, node: DemoNode): string[] {
  return topology.nodes.filter((n) => n !== node).flatMap((n) => [n.podCidrV4, n.podCidrV6]);
}

/** One node's sessions and kernel routes, judged. */
export async function nodeReport(lab: DemoLab, topology: DemoTopology, node: DemoNode): Promise<NodeReport> {
  const [peers, routes, viaAddresses] = await Promise.all([
    listPeers(lab, node.name),
    kernelRoutes(lab, node.name),
    torAddresses(lab, topology, node),
  ]);
  const expected = expectedRoutes(topology, node);
  const good = new Set(
    routes.filter((r) => r.gateway !== null && viaAddresses.includes(r.gateway)).map((r) => r.dst),
  );
  return {
    name: node.name,
    asn: node.asn,
    peers: peers.map((p) => ({ address: p.address, asn: p.asn, state: p.state, lastError: p.lastError })),
    peersRaw: peers,
    torAddresses: viaAddresses,
    routes: routes.map((r) => ({ ...r, viaTor: r.gateway !== null && viaAddresses.includes(r.gateway) })),
    missingRoutes: expected.filter((dst) => !good.has(dst)),
  };
}

/** Converged: every node's sessions Established and every other node's Pod CIDRs in its kernel via the ToR. */
export function converged(reports: readonly NodeReport[]): boolean {
  return reports.every(
    (r) =>
      r.peers.length > 0 && r.peers.every((p) => p.state === 'Established') && r.missingRoutes.length === 0,
  );
}

async function ping(
  lab: DemoLab,
  from: DemoNode,
  to: DemoNode,
  family: 'ipv4' | 'ipv6',
): Promise<PingResult> {
  const src = family === 'ipv4' ? from.pod.v4 : from.pod.v6;
  const dst = family === 'ipv4' ? to.pod.v4 : to.pod.v6;
  const r = await lab.exec(
    from.pod.name,
    ['ping', family === 'ipv4' ? '-4' : '-6', '-n', '-c', '2', '-i', '0.2', '-W', '2', dst],
    10_000,
  );
  const received = /(\d+) received/.exec(r.stdout);
  const rtt = /= [\d.]+\/([\d.]+)\//.exec(r.stdout);
  const ok = r.code === 0 && received !== null && Number(received[1]) > 0;
  return {
    from: from.pod.name,
    to: to.pod.name,
    family,
    src,
    dst,
    ok,
    rttMs: ok && rtt !== null ? Number(rtt[1]) : null,
  };
}

/** Each pod pings the next node's pod over IPv4 and IPv6 (all at once). */
export function pingAll(lab: DemoLab, topology: DemoTopology): Promise<PingResult[]> {
  return Promise.all(
    pingPairs(topology).flatMap(({ from, to }) => [ping(lab, from, to, 'ipv4'), ping(lab, from, to, 'ipv6')]),
  );
}

/**
 * tcpdump on the ToR's link to the first node, for one ICMP echo request from the first pod to
 * the second: the frame on the wire carries the pod addresses themselves (-e shows the
 * Ethernet header: ethertype IPv4, no outer header). Pings are sent until tcpdump has its packet.
 */
export async function captureEcho(lab: DemoLab, topology: DemoTopology): Promise<CaptureResult> {
  const [a, b] = topology.nodes as [DemoNode, DemoNode];
  const ifName = a.torSide.ifName;
  const filter = `icmp and src host ${a.pod.v4} and dst host ${b.pod.v4}`;
  const dump = lab.exec(
    topology.tor.name,
    ['tcpdump', '-l', '-n', '-e', '-t', '-c', '1', '-i', ifName, filter],
    8000,
  );
  let done = false;
  void dump.then(() => (done = true));
  const deadline = Date.now() + 7000;
  while (!done && Date.now() < deadline) {
    await lab.exec(a.pod.name, ['ping', '-4', '-n', '-c', '1', '-W', '1', b.pod.v4], 3000);
    await new Promise((r) => setTimeout(r, 150));
  }
  const r = await dump;
  const line = r.stdout.split('\n').find((l) => l.includes(' > ')) ?? null;
  const ok =
    line !== null &&
    line.includes('ethertype IPv4') &&
    line.includes(`${a.pod.v4} > ${b.pod.v4}: ICMP echo request`);
  return { namespace: topology.tor.name, interface: ifName, filter, line, ok };
}

interface IpLinkJson {
  ifname: string;
  operstate?: string;
  flags?: string[];
  linkinfo?: { info_kind?: string };
}

/** `ip -d -j link show` in every namespace of the lab: no tunnel device in use anywhere. */
export async function tunnelCheck(lab: DemoLab, topology: DemoTopology): Promise<TunnelReport> {
  const names = [topology.tor.name, ...topology.nodes.flatMap((n) => [n.name, n.pod.name])];
  const devices: TunnelReport['devices'] = [];
  for (const name of names) {
    const r = await lab.execOk(name, ['ip', '-d', '-j', 'link', 'show']);
    for (const link of JSON.parse(r.stdout || '[]') as IpLinkJson[]) {
      const kind = link.linkinfo?.info_kind ?? (link.ifname === 'lo' ? 'loopback' : 'unknown');
      const up = (link.flags ?? []).includes('UP');
      const tunnel = (TUNNEL_KINDS as readonly string[]).includes(kind);
      devices.push({
        namespace: name,
        name: link.ifname,
        kind,
        up,
        tunnel,
        fallback: tunnel && FALLBACK_DEVICES.has(link.ifname) && !up,
      });
    }
  }
  const offending = devices.filter((d) => d.tunnel && !d.fallback);
  const kinds = [...new Set(devices.map((d) => d.kind))].sort();
  return { ok: offending.length === 0, namespaces: names.length, kinds, devices };
}
