// `podbgp peer ADDR` prints everything about one peer (like `show bgp neighbors ADDR`): state
// and why, timers, negotiated capabilities, both OPENs' capabilities, message counters by type,
// prefix counters by family, and the last NOTIFICATION decoded.
// `podbgp peer ADDR reset|soft-in|soft-out|disable|enable [--message TEXT]` acts on it.
//
// In: GetPeer / PeerAction over the local API. Out: a report (or json/yaml), or one line saying
// what was done.
import type { Command } from '../cli.ts';
import type { PeerAction, PeerDetail } from '../../api/daemon-api.ts';
import { CliError, ExitCode } from '../cli.ts';
import { PEER_ACTIONS } from '../../api/daemon-api.ts';
import { SOCKET_HELP, SOCKET_OPTION, withApi } from '../api-client.ts';
import { cell, humanDuration, OUTPUT_OPTION, outputFormatOf, render, renderTable } from '../output.ts';
import { stateText } from './peers.ts';
import { parseAddressBytes } from '../../rib/prefix.ts';

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

function indent(text: string, by = '  '): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

export function peerReport(p: PeerDetail, now: number): string {
  const kind = p.asn === p.localAsn ? 'iBGP' : 'eBGP';
  const field = (k: string, v: string) => `  ${(k + ':').padEnd(20)}${v}`;
  const up = p.state === 'Established' ? 'up for' : 'down for';
  const out = [`Peer ${p.address}, AS ${p.asn} (${kind}), local AS ${p.localAsn}`];
  if (p.description !== null) out.push(field('Description', p.description));
  out.push(field('State', `${stateText(p)}, ${up} ${humanDuration(now - p.stateSince)}`));
  if (p.lastStateReason !== null) out.push(field('Last transition', p.lastStateReason));
  out.push(field('Router ID', cell(p.routerId)));
  const local =
    p.localAddress === null ? '-' : `${p.localAddress}${p.localPort === null ? '' : ` port ${p.localPort}`}`;
  out.push(field('Local address', local + (p.remotePort === null ? '' : `, remote port ${p.remotePort}`)));
  out.push(field('Mode', p.passive ? 'passive (waits for the peer to connect)' : 'active'));
  const hold =
    p.holdTime === null
      ? `configured ${p.configuredHoldTime}s`
      : `${p.holdTime}s (configured ${p.configuredHoldTime}s), keepalive ${p.keepaliveTime ?? 0}s`;
  out.push(field('Hold time', hold));
  out.push(field('Established', `${p.establishedTransitions} time(s)`));
  out.push(field('Last error', cell(p.lastError)));
  out.push('');
  const n = p.negotiated;
  if (n === null) out.push('Negotiated: nothing (no session)');
  else {
    out.push('Negotiated:');
    out.push(field('Families', n.families.join(', ') || 'none'));
    out.push(field('4-octet AS', yesNo(n.fourOctetAs)));
    out.push(
      field(
        'Route refresh',
        n.routeRefresh ? (n.enhancedRouteRefresh ? 'yes, enhanced (RFC 7313)' : 'yes') : 'no',
      ),
    );
    out.push(field('Extended message', yesNo(n.extendedMessage)));
    out.push(field('Graceful restart', n.gracefulRestart ?? 'no'));
    out.push(field('ADD-PATH', n.addPath.join(', ') || 'no'));
    out.push(field('Extended next hop', n.extendedNextHop.join(', ') || 'no'));
    if (n.remoteHostname !== null) out.push(field('Peer hostname', n.remoteHostname));
  }
  out.push('');
  out.push('Capabilities:');
  out.push(field('Sent', p.capabilitiesSent.join(', ') || '-'));
  out.push(field('Received', p.capabilitiesReceived.join(', ') || '-'));
  out.push('');
  out.push('Messages:');
  out.push(
    indent(
      renderTable(
        ['TYPE', 'SENT', 'RCVD'],
        p.messages.map((m) => [m.type, String(m.sent), String(m.received)]),
      ),
    ),
  );
  out.push('');
  out.push('Prefixes:');
  out.push(
    indent(
      renderTable(
        ['FAMILY', 'RCVD', 'ACCPT', 'ADV'],
        p.families.map((f) => [f.family, String(f.received), String(f.accepted), String(f.advertised)]),
      ),
    ),
  );
  out.push('');
  const ln = p.lastNotification;
  if (ln === null) out.push('Last NOTIFICATION: none');
  else {
    out.push(`Last NOTIFICATION (${ln.direction}, ${humanDuration(now - ln.time)} ago):`);
    out.push(`  ${ln.text} (code ${ln.code}, subcode ${ln.subcode})`);
  }
  return out.join('\n') + '\n';
}

const DONE: Record<PeerAction, string> = {
  enable: 'enabled: the session will be started',
  disable: 'disabled: Cease/Administrative Shutdown sent, the session stays down until enabled',
  reset: 'reset: Cease/Administrative Reset sent, the session will come back',
  'soft-in': 'soft reset inbound: ROUTE-REFRESH sent, import policy re-applied',
  'soft-out': 'soft reset outbound: the Adj-RIB-Out is sent again',
};

export const peerCommand: Command = {
  name: 'peer',
  summary: 'Show one peer in detail, or reset/soft-reset/disable/enable it',
  usage: 'ADDR [reset|soft-in|soft-out|disable|enable] [--message TEXT] [-o table|json|yaml] [--socket PATH]',
  help: `
Without an action, prints everything about the peer at ADDR: state and the reason of the last
transition, router id, addresses and ports, negotiated hold time and keepalive, negotiated
capabilities (families, 4-octet AS, route refresh, graceful restart, ADD-PATH, extended next
hop), the capabilities of both OPENs, messages sent and received by type, prefix counters per
family, and the last NOTIFICATION with its decoded reason.

actions:
  reset      hard reset: Cease/Administrative Reset (RFC 4486), then reconnect
  soft-in    ask the peer to resend its routes (ROUTE-REFRESH, RFC 2918) and re-apply import policy
  soft-out   resend our routes to the peer (export policy re-applied)
  disable    Cease/Administrative Shutdown and keep the session down
  enable     allow the session to start again

options:
  --message TEXT        shutdown communication sent with reset/disable (RFC 9003, at most 255 octets)
  -o, --output FORMAT   table (default), wide, json or yaml
${SOCKET_HELP}

examples:
  podbgp peer 10.0.0.1
  podbgp peer 10.0.0.1 disable --message "maintenance until 14:00, ticket 4711"
  podbgp peer 2001:db8::1 soft-in`,
  options: { ...OUTPUT_OPTION, ...SOCKET_OPTION, message: { type: 'string', short: 'm' } },
  async run(positionals, values, io) {
    const format = outputFormatOf(values.output);
    const [address, action, ...extra] = positionals;
    if (address === undefined || extra.length > 0)
      throw new CliError(`usage: podbgp peer ${this.usage}`, ExitCode.USAGE);
    try {
      parseAddressBytes(address);
    } catch {
      throw new CliError(`bad peer address "${address}": expected an IPv4 or IPv6 address`, ExitCode.USAGE);
    }
    if (action === undefined) {
      if (values.message !== undefined) throw new CliError('--message goes with an action', ExitCode.USAGE);
      const p = await withApi(values, io, (api) => api.getPeer(address));
      io.stdout.write(render(format, p, () => peerReport(p, Date.now())));
      return ExitCode.OK;
    }
    if (!(PEER_ACTIONS as readonly string[]).includes(action))
      throw new CliError(`unknown action "${action}": expected ${PEER_ACTIONS.join(', ')}`, ExitCode.USAGE);
    const message = values.message as string | undefined;
    if (message !== undefined && Buffer.byteLength(message) > 255)
      throw new CliError(
        `--message is ${Buffer.byteLength(message)} octets; at most 255 fit (RFC 9003)`,
        ExitCode.USAGE,
      );
    await withApi(values, io, (api) => api.peerAction(address, action as PeerAction, message));
    io.stdout.write(`peer ${address} ${DONE[action as PeerAction]}\n`);
    return ExitCode.OK;
  },
};
