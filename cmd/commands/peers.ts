// `podbgp peers`: one line per BGP peer, like `gobgp neighbor` or `cilium bgp peers`: address,
// AS, session state, how long it has been up (or down), prefix counts per family, last error.
//
// In: ListPeers over the local API. Out: a table (wide adds router id, timers, local address), or
// the records as json/yaml.
import type { Command } from '../cli.ts';
import type { PeerSummary } from '../../api/daemon-api.ts';
import { ExitCode } from '../cli.ts';
import { SOCKET_HELP, SOCKET_OPTION, withApi } from '../api-client.ts';
import { cell, humanDuration, OUTPUT_OPTION, outputFormatOf, render, renderTable } from '../output.ts';
import { compareAddressBytes, parseAddressBytes } from '../../rib/prefix.ts';

/** IPv4 peers first, then IPv6, each in address order. */
export function comparePeerAddresses(a: string, b: string): number {
  return compareAddressBytes(parseAddressBytes(a), parseAddressBytes(b));
}

/** "ipv4 10/8/3 ipv6 2/2/1": received/accepted/advertised per family. */
export function familyCounts(p: PeerSummary): string {
  return p.families.map((f) => `${f.family} ${f.received}/${f.accepted}/${f.advertised}`).join(' ');
}

export function stateText(p: PeerSummary): string {
  return p.adminDown ? `${p.state} (admin down)` : p.state;
}

export function peersTable(peers: readonly PeerSummary[], wide: boolean, now: number): string {
  const headers = ['PEER', 'AS', 'STATE', 'UP/DOWN', 'RCVD/ACCPT/ADV', 'LAST ERROR'];
  if (wide) headers.splice(5, 0, 'ROUTER ID', 'HOLD/KA', 'LOCAL ADDRESS');
  const rows = peers.map((p) => {
    const r = [
      p.address,
      String(p.asn),
      stateText(p),
      humanDuration(now - p.stateSince),
      cell(familyCounts(p)),
      cell(p.lastError),
    ];
    if (wide) {
      const timers = p.holdTime === null ? '-' : `${p.holdTime}s/${p.keepaliveTime ?? 0}s`;
      r.splice(5, 0, cell(p.routerId), timers, cell(p.localAddress));
    }
    return r;
  });
  return renderTable(headers, rows);
}

export const peersCommand: Command = {
  name: 'peers',
  summary: 'List BGP peers: state, uptime, prefix counts, last error',
  usage: '[-o table|wide|json|yaml] [--socket PATH]',
  help: `
Columns:
  PEER            the peer's address
  AS              its AS number
  STATE           RFC 4271 session state (Idle, Connect, Active, OpenSent, OpenConfirm,
                  Established); "(admin down)" when disabled with 'podbgp peer ADDR disable'
  UP/DOWN         time in the current state: uptime when Established, downtime otherwise
  RCVD/ACCPT/ADV  per family: paths received, accepted by import policy, prefixes advertised
  LAST ERROR      the last NOTIFICATION or transport error, decoded
-o wide adds ROUTER ID, HOLD/KA (negotiated hold time and keepalive) and LOCAL ADDRESS.

options:
  -o, --output FORMAT   table (default), wide, json or yaml
${SOCKET_HELP}

examples:
  podbgp peers
  podbgp peers -o wide
  podbgp peers -o json | jq -r '.[] | select(.state != "Established") | .address'`,
  options: { ...OUTPUT_OPTION, ...SOCKET_OPTION },
  async run(positionals, values, io) {
    const format = outputFormatOf(values.output);
    if (positionals.length > 0) {
      io.stderr.write(`podbgp peers takes no arguments (did you mean 'podbgp peer ${positionals[0]}'?)\n`);
      return ExitCode.USAGE;
    }
    const peers = await withApi(values, io, (api) => api.listPeers());
    const sorted = [...peers].sort((a, b) => comparePeerAddresses(a.address, b.address));
    io.stdout.write(render(format, sorted, (wide) => peersTable(sorted, wide, Date.now())));
    return ExitCode.OK;
  },
};
