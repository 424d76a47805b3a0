// The demo's result as data: what `podbgp demo -o json` prints and what the text renderer shows.
// Every check is a named pass/fail with a one-line detail; the run passes only if all pass.
//
// In: node reports, pings, capture and tunnel records. Out: DemoSummary (plain JSON).
import type { PeerSummary } from '../../api/daemon-api.ts';
import type { DemoTopology, TorKind } from './topology.ts';

export interface KernelRoute {
  readonly family: 'ipv4' | 'ipv6';
  readonly dst: string;
  readonly gateway: string | null;
  readonly dev: string | null;
  /** As `ip -j route` names it ("201"). */
  readonly protocol: string;
  /** The gateway is the ToR's address (global or link-local) on this node's uplink. */
  readonly viaTor?: boolean;
}

export interface NodeReport {
  readonly name: string;
  readonly asn: number;
  readonly peers: { address: string; asn: number; state: string; lastError: string | null }[];
  /** The API's records as they came (for the `podbgp peers` table); left out of the JSON. */
  readonly peersRaw?: PeerSummary[];
  readonly torAddresses: string[];
  readonly routes: KernelRoute[];
  /** Other nodes' Pod CIDRs with no route via the ToR in this node's kernel. */
  readonly missingRoutes: string[];
}

export interface PingResult {
  readonly from: string;
  readonly to: string;
  readonly family: 'ipv4' | 'ipv6';
  readonly src: string;
  readonly dst: string;
  readonly ok: boolean;
  readonly rttMs: number | null;
}

export interface CaptureResult {
  readonly namespace: string;
  readonly interface: string;
  readonly filter: string;
  /** tcpdump's line for the captured echo request, or null when none was seen. */
  readonly line: string | null;
  readonly ok: boolean;
}

export interface TunnelReport {
  readonly ok: boolean;
  readonly namespaces: number;
  /** Every link kind seen in the lab's namespaces (loopback, veth, ...). */
  readonly kinds: string[];
  readonly devices: {
    namespace: string;
    name: string;
    kind: string;
    up: boolean;
    tunnel: boolean;
    /** A module's per-namespace fallback device (tunl0, gre0, ...), down: not counted. */
    fallback: boolean;
  }[];
}

export interface CheckResult {
  readonly name: 'sessions' | 'routes' | 'pings' | 'no-tunnel' | 'wire-capture';
  readonly ok: boolean;
  readonly detail: string;
}

export interface DemoSummary {
  ok: boolean;
  prefix: string;
  tor: TorKind;
  kept: boolean;
  durationMs: number;
  convergedMs: number | null;
  topology: DemoTopology;
  nodes: NodeReport[];
  pings: PingResult[];
  capture: CaptureResult | null;
  tunnels: TunnelReport | null;
  checks: CheckResult[];
  error: string | null;
  cleanup: { killed: number[]; namespacesDeleted: string[] } | null;
}

/** The named checks over what was measured. */
export function judge(
  nodes: readonly NodeReport[],
  pings: readonly PingResult[],
  capture: CaptureResult | null,
  tunnels: TunnelReport | null,
): CheckResult[] {
  const sessions = nodes.flatMap((n) => n.peers.map((p) => ({ node: n.name, ...p })));
  const down = sessions.filter((s) => s.state !== 'Established');
  const missing = nodes.flatMap((n) => n.missingRoutes.map((m) => `${n.name}: ${m}`));
  const routeCount = nodes.reduce((k, n) => k + n.routes.filter((r) => r.viaTor === true).length, 0);
  const failedPings = pings.filter((p) => !p.ok);
  const offending = (tunnels?.devices ?? []).filter((d) => d.tunnel && !d.fallback);
  return [
    {
      name: 'sessions',
      ok: sessions.length > 0 && down.length === 0,
      detail:
        down.length === 0
          ? `${sessions.length}/${sessions.length} BGP sessions Established`
          : `not Established: ${down.map((s) => `${s.node}->${s.address} (${s.state})`).join(', ')}`,
    },
    {
      name: 'routes',
      ok: nodes.length > 0 && missing.length === 0,
      detail:
        missing.length === 0
          ? `${routeCount} kernel routes (proto 201) via the ToR, every node reaches every other Pod CIDR`
          : `missing: ${missing.join(', ')}`,
    },
    {
      name: 'pings',
      ok: pings.length > 0 && failedPings.length === 0,
      detail:
        failedPings.length === 0
          ? `${pings.length}/${pings.length} pod-to-pod pings answered (IPv4 and IPv6)`
          : `no answer: ${failedPings.map((p) => `${p.src} -> ${p.dst}`).join(', ')}`,
    },
    {
      name: 'no-tunnel',
      ok: tunnels !== null && tunnels.ok,
      detail:
        tunnels === null
          ? 'not checked'
          : tunnels.ok
            ? `no vxlan/geneve/ipip/gre/wireguard device in ${tunnels.namespaces} namespaces (link kinds: ${tunnels.kinds.join(', ')})`
            : `tunnel devices: ${offending.map((d) => `${d.namespace}/${d.name} (${d.kind})`).join(', ')}`,
    },
    {
      name: 'wire-capture',
      ok: capture !== null && capture.ok,
      detail:
        capture === null
          ? 'not captured'
          : capture.ok
            ? 'an echo request crossed the ToR link as a plain IPv4 packet between the pod addresses'
            : `no plain echo request seen on ${capture.namespace}/${capture.interface}`,
    },
  ];
}

/** The summary as printed by -o json (the raw API records are dropped). */
export function summaryJson(s: DemoSummary): string {
  const nodes = s.nodes.map(({ peersRaw: _raw, ...rest }) => rest);
  return `${JSON.stringify({ ...s, nodes }, null, 2)}\n`;
}
