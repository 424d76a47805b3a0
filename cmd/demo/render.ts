// The demo's text output: headings, aligned tables, ✔/✘ marks, colour only when writing to a
// terminal (and NO_COLOR unset). Each function returns the text of one section, so the command
// can print sections as the run reaches them.
//
// In: DemoTopology and DemoSummary parts. Out: strings.
import { peersTable } from '../commands/peers.ts';
import { renderTable } from '../output.ts';
import { POD_LEN, UPLINK_LEN, type DemoTopology } from './topology.ts';
import type {
  CaptureResult,
  CheckResult,
  KernelRoute,
  NodeReport,
  PingResult,
  TunnelReport,
} from './summary.ts';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
  cyan(s: string): string;
}

const sgr = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
const plain = (s: string) => s;

export function makeStyle(colour: boolean): Style {
  if (!colour) return { bold: plain, dim: plain, green: plain, red: plain, cyan: plain };
  return { bold: sgr('1'), dim: sgr('2'), green: sgr('32'), red: sgr('31'), cyan: sgr('36') };
}

/** Colour when the stream is a terminal, unless NO_COLOR is set (https://no-color.org). */
export function wantsColour(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true && (env.NO_COLOR ?? '') === '';
}

const indent = (text: string, by = '  ') =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => (l === '' ? l : by + l))
    .join('\n') + '\n';

export function heading(st: Style, title: string): string {
  return `\n${st.bold(st.cyan(`== ${title}`))}\n`;
}

export function mark(st: Style, ok: boolean): string {
  return ok ? st.green('✔') : st.red('✘');
}

const TOR_NAMES = { bird: 'BIRD', frr: 'FRR (zebra + bgpd)', podbgp: 'podbgp (route server)' } as const;

/**
 * One row per node, the ToR on the middle row:
 *   pod1 ── node1 ─┐
 *   pod2 ── node2 ─┼─ tor (BIRD, AS 65000)
 *   pod3 ── node3 ─┘
 */
export function diagram(t: DemoTopology): string {
  const last = t.nodes.length - 1;
  const mid = Math.floor(last / 2);
  return t.nodes
    .map((n, i) => {
      const joint =
        i === mid ? (i === 0 ? '┬' : i === last ? '┴' : '┼') : i === 0 ? '┐' : i === last ? '┘' : '┤';
      const tor = i === mid ? `─ tor (${TOR_NAMES[t.tor.kind]}, AS ${t.tor.asn})` : '';
      return `${n.pod.name} ── ${n.name} ─${joint}${tor}`;
    })
    .join('\n');
}

export function topologySection(st: Style, t: DemoTopology, prefix: string): string {
  const rows: string[][] = [
    [
      'tor',
      `AS ${t.tor.asn}`,
      TOR_NAMES[t.tor.kind],
      t.nodes.map((n) => n.torSide.ifName).join(' '),
      'forwards between nodes',
    ],
  ];
  for (const n of t.nodes) {
    rows.push([
      n.name,
      `AS ${n.asn}`,
      'podbgp run',
      `tor ${n.uplink.v4}/${UPLINK_LEN.v4} ${n.uplink.v6}/${UPLINK_LEN.v6}`,
      `Pod CIDR ${n.podCidrV4} ${n.podCidrV6}`,
    ]);
    rows.push([
      `  ${n.pod.name}`,
      '',
      'pod',
      `eth0 ${n.pod.v4}/${POD_LEN.v4} ${n.pod.v6}/${POD_LEN.v6}`,
      `gateway ${n.name}`,
    ]);
  }
  const table = renderTable(['NAMESPACE', 'AS', 'RUNS', 'LINKS', 'ROLE'], rows);
  const lines = [
    heading(st, 'Topology'),
    indent(diagram(t)),
    '\n',
    indent(table),
    st.dim(`  namespaces ${prefix}*; eBGP node<->tor over IPv4 (IPv4 routes) and IPv6 (IPv6 routes)`) + '\n',
  ];
  return lines.join('');
}

export function peersSection(st: Style, nodes: readonly NodeReport[], now: number): string {
  const parts = [heading(st, 'BGP sessions (podbgp peers, on each node)')];
  for (const n of nodes) {
    parts.push(`  ${st.bold(n.name)} ${st.dim(`AS ${n.asn}`)}\n`);
    const table = peersTable(n.peersRaw ?? [], false, now).replaceAll('Established', st.green('Established'));
    parts.push(indent(table, '    '));
  }
  return parts.join('');
}

/** A route the way `ip route` prints it (without metric and flags). */
export function routeLine(r: KernelRoute): string {
  const via = r.gateway === null ? '' : ` via ${r.gateway}`;
  const dev = r.dev === null ? '' : ` dev ${r.dev}`;
  return `${r.dst}${via}${dev} proto ${r.protocol}`;
}

export function routesSection(st: Style, nodes: readonly NodeReport[]): string {
  const parts = [
    heading(st, 'Kernel routes podbgp installed (ip route show proto 201; ip -6 route show proto 201)'),
  ];
  for (const n of nodes) {
    parts.push(`  ${st.bold(n.name)}\n`);
    if (n.routes.length === 0) parts.push(`    ${st.red('(none)')}\n`);
    for (const r of n.routes) parts.push(`    ${routeLine(r)}\n`);
    for (const m of n.missingRoutes) parts.push(`    ${st.red(`missing: ${m} via the ToR`)}\n`);
  }
  return parts.join('');
}

export function pingsSection(st: Style, pings: readonly PingResult[]): string {
  const rows = pings.map((p) => [
    mark(st, p.ok),
    p.family === 'ipv4' ? 'IPv4' : 'IPv6',
    `${p.from} ${p.src}`,
    '->',
    `${p.to} ${p.dst}`,
    p.ok ? `${p.rttMs?.toFixed(3) ?? '?'} ms` : st.red('no reply'),
  ]);
  // renderTable needs headers; the first row of the table is dropped after rendering.
  const table = renderTable(['', '', '', '', '', ''], rows).split('\n').slice(1).join('\n');
  return heading(st, "Pod to pod across nodes (ping from each pod to the next node's pod)") + indent(table);
}

export function tunnelSection(st: Style, t: TunnelReport): string {
  const offending = t.devices.filter((d) => d.tunnel && !d.fallback);
  const lines = [heading(st, 'No tunnel (ip -d link show, in every namespace)')];
  lines.push(`  ${mark(st, t.ok)} link kinds in ${t.namespaces} namespaces: ${t.kinds.join(', ')}\n`);
  if (t.ok)
    lines.push(
      st.dim(
        '    no vxlan, geneve, ipip, gre, sit or wireguard device: pod packets are routed, not encapsulated',
      ) + '\n',
    );
  for (const d of offending) lines.push(`    ${st.red(`${d.namespace}: ${d.name} is a ${d.kind} device`)}\n`);
  return lines.join('');
}

export function captureSection(st: Style, c: CaptureResult): string {
  return (
    heading(st, `On the wire (tcpdump -e -i ${c.interface} in ${c.namespace})`) +
    `  ${mark(st, c.ok)} ${c.line ?? st.red('nothing captured')}\n` +
    (c.ok
      ? st.dim('    the pod addresses themselves, in a plain Ethernet/IPv4 frame: no outer header') + '\n'
      : '')
  );
}

export function resultSection(
  st: Style,
  checks: readonly CheckResult[],
  ok: boolean,
  seconds: number,
): string {
  const table = renderTable(
    ['', '', ''],
    checks.map((c) => [mark(st, c.ok), c.name, c.detail]),
  )
    .split('\n')
    .slice(1)
    .join('\n');
  const verdict = ok ? st.bold(st.green('PASS')) : st.bold(st.red('FAIL'));
  return `${heading(st, 'Result')}${indent(table)}\n  ${verdict} in ${seconds.toFixed(1)} s\n`;
}
