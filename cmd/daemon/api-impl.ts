// The daemon's answers to the local API (api/daemon-api.ts): peers from the session layer's
// counters and negotiation results, routes from the RIB (api/rib-view.ts), kernel routes from the
// Fib with whether each matches what the RIB wants, explain from rib/explain.ts, and peer actions.
//
// In: calls from the gRPC server. Out: plain records; ApiError for the caller's mistakes.
import type {
  ApiEvent,
  DaemonApi,
  FamilyCounters,
  KernelRouteRecord,
  PeerAction,
  PeerDetail,
  PeerSummary,
  RouteQuery,
  RouteRecord,
  SessionStateName,
} from '../../api/daemon-api.ts';
import type { Session } from '../../bgp/session/session.ts';
import type { Daemon } from './core.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { ApiError } from '../../api/daemon-api.ts';
import { ribRoutes } from '../../api/rib-view.ts';
import { capabilityLines, negotiatedRecord } from '../../api/records.ts';
import { explain, type Explanation } from '../../rib/explain.ts';
import { formatAddressBytes, formatIpv4, parsePrefix } from '../../rib/prefix.ts';
import { formatPrefix as formatKernelPrefix, routeKey } from '../../rib/fib/route-identity.ts';
import { Rtn, AddressFamily } from '../../rib/fib/rtnetlink-constants.ts';
import { normalizeAddress } from '../../bgp/transport/peer-address.ts';

export class DaemonApiImpl implements DaemonApi {
  private readonly d: Daemon;

  constructor(d: Daemon) {
    this.d = d;
  }

  private sessionOf(address: string): Session {
    const s = this.d.sessions.session(normalizeAddress(address));
    if (s === undefined) throw new ApiError('not-found', `no peer ${address}`);
    return s;
  }

  private families(s: Session): FamilyCounters[] {
    return this.d.familyCounters(s);
  }

  private summary(s: Session): PeerSummary {
    const c = s.counters();
    const neg = c.negotiated;
    const cfg = this.d.peerConfigOf(s.peer);
    const remoteAs = neg?.remoteAs ?? (typeof cfg?.asn === 'number' ? cfg.asn : 0);
    return {
      address: s.peer,
      asn: remoteAs,
      localAsn: this.d.config.asn,
      state: c.state as SessionStateName,
      stateSince: c.upSince ?? c.lastStateChange,
      adminDown: s.isDisabled,
      families: this.families(s),
      lastError: c.lastNotification?.text ?? c.lastError,
      routerId: neg ? formatIpv4(neg.remoteBgpId) : null,
      holdTime: neg?.holdTime ?? null,
      keepaliveTime: neg?.keepaliveTime ?? null,
      localAddress: s.localEndpoint?.address ?? null,
    };
  }

  listPeers(): PeerSummary[] {
    return this.d.sessions.all().map((s) => this.summary(s));
  }

  getPeer(address: string): PeerDetail {
    const s = this.sessionOf(address);
    const c = s.counters();
    const cfg = this.d.peerConfigOf(s.peer);
    const types = ['OPEN', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE', 'ROUTE-REFRESH'];
    const n = c.lastNotification;
    return {
      ...this.summary(s),
      description: cfg?.description ?? null,
      localPort: s.localEndpoint?.port ?? null,
      remotePort: s.remotePort,
      passive: s.settings.passive,
      configuredHoldTime: s.settings.holdTime,
      establishedTransitions: c.establishedTransitions,
      lastStateReason: c.lastError,
      capabilitiesSent: s.localOpen ? capabilityLines(s.localOpen.capabilities) : [],
      capabilitiesReceived: s.remoteOpen ? capabilityLines(s.remoteOpen.capabilities) : [],
      negotiated: c.negotiated ? negotiatedRecord(c.negotiated) : null,
      messages: types.map((type) => ({
        type,
        sent: c.messagesOut[type] ?? 0,
        received: c.messagesIn[type] ?? 0,
      })),
      lastNotification: n
        ? { direction: n.direction, code: n.code, subcode: n.subcode, text: n.text, time: n.at }
        : null,
    };
  }

  listRoutes(q: RouteQuery): Iterable<RouteRecord> {
    const r = this.d.routing;
    return ribRoutes(
      {
        rib: r.rib,
        adjRibOut: r.out,
        peerByAddress: (a) => {
          const i = r.indexOf(normalizeAddress(a));
          return i === undefined ? undefined : r.rib.peers[i];
        },
      },
      q,
    );
  }

  listKernelRoutes(): KernelRouteRecord[] {
    const fib = this.d.routing.fib;
    if (fib === null)
      throw new ApiError(
        'failed-precondition',
        'podbgp does not install routes (kernel.installRoutes is false)',
      );
    const out: KernelRouteRecord[] = [];
    const names = interfaceNames();
    for (const { route, match } of fib.routeViews()) {
      const failure = fib.failureOf(routeKey(route));
      out.push({
        prefix: formatKernelPrefix(route),
        family: route.family === AddressFamily.INET6 ? 'ipv6' : 'ipv4',
        type:
          route.type === Rtn.BLACKHOLE
            ? 'blackhole'
            : route.type === Rtn.UNREACHABLE
              ? 'unreachable'
              : 'unicast',
        nextHops: route.nextHops.map(
          (h) =>
            `${h.gateway ? `via ${formatAddressBytes(h.gateway)}` : 'direct'}${h.ifindex ? ` dev ${names.get(h.ifindex) ?? `#${h.ifindex}`}` : ''}` +
            `${h.weight > 1 ? ` weight ${h.weight}` : ''}${h.onlink ? ' onlink' : ''}`,
        ),
        protocol: route.protocol,
        table: route.table,
        metric: route.priority,
        match,
        reason:
          match === 'yes'
            ? ''
            : (failure?.message ??
              {
                no: 'differs from what the RIB wants',
                missing: 'wanted by the RIB, not in the kernel yet',
                extra: 'ours, not wanted by the RIB (removal pending or held by graceful restart)',
              }[match]),
      });
    }
    return out;
  }

  explain(prefix: string): Explanation {
    return explain(this.d.routing.rib, parsePrefix(prefix));
  }

  addOriginated(cidr: string): void {
    this.d.setOriginated(cidr, true);
  }

  deleteOriginated(cidr: string): void {
    this.d.setOriginated(cidr, false);
  }

  peerAction(address: string, action: PeerAction, message?: string): void {
    const s = this.sessionOf(address);
    switch (action) {
      case 'enable':
        s.enable();
        return;
      case 'disable':
        s.disable(message);
        return;
      case 'reset':
        s.hardReset(message);
        return;
      case 'soft-in':
      case 'soft-out':
        if (s.negotiated === null) throw new ApiError('failed-precondition', `${s.peer} is not Established`);
        this.d.softReset(s.peer, action === 'soft-in' ? 'in' : 'out');
        return;
    }
  }

  async *events(signal: AbortSignal): AsyncIterable<ApiEvent> {
    const queue: ApiEvent[] = [];
    let wake: (() => void) | null = null;
    const off = this.d.onApiEvent((e) => {
      queue.push(e);
      wake?.();
    });
    const aborted = new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    try {
      while (!signal.aborted) {
        while (queue.length > 0) yield queue.shift()!;
        await Promise.race([new Promise<void>((r) => (wake = r)), aborted]);
        wake = null;
      }
    } finally {
      off();
    }
  }
}

/** ifindex -> interface name, read from sysfs (the daemon's own network namespace). */
function interfaceNames(): Map<number, string> {
  const out = new Map<number, string>();
  try {
    for (const name of readdirSync('/sys/class/net')) {
      const index = Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8'));
      if (Number.isInteger(index)) out.set(index, name);
    }
  } catch {
    // No sysfs: indexes are shown as #N.
  }
  return out;
}
