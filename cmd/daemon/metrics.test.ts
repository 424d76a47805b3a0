// Tests for metrics.ts through the real HTTP server (http.ts) on 127.0.0.1, port 0, scraped
// with fetch: series values after sequences of typed messages, HELP text, the peer's series
// removed with the peer, event-loop gauges, process metrics.
import { expect } from 'chai';
import { EventLoopMonitor } from './event-loop.ts';
import { Readiness } from './health.ts';
import { startObservabilityServer } from './http.ts';
import type { ObservabilityServer } from './http.ts';
import { DaemonMetrics } from './metrics.ts';
import type { ObservedMessage } from './observe-types.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parse the text exposition format's sample lines (not comments). */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

function find(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

function one(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const f = find(samples, name, labels);
  expect(f, `${name} ${JSON.stringify(labels)}`).to.have.length(1);
  return f[0]!.value;
}

describe('daemon metrics over HTTP', () => {
  let clock = 1_000_000;
  let metrics: DaemonMetrics;
  let loop: EventLoopMonitor;
  let server: ObservabilityServer;

  const scrape = async (): Promise<{ text: string; samples: Sample[]; type: string | null }> => {
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).to.equal(200);
    const text = await res.text();
    return { text, samples: parse(text), type: res.headers.get('content-type') };
  };
  const feed = (msgs: ObservedMessage[]) => msgs.forEach((m) => metrics.observe(m));

  beforeEach(async () => {
    clock = 1_000_000;
    loop = new EventLoopMonitor({ heartbeatMs: 20 });
    loop.start();
    metrics = new DaemonMetrics({ now: () => clock, eventLoop: loop });
    server = await startObservabilityServer({
      address: '127.0.0.1:0',
      metrics,
      readiness: new Readiness({ timeoutSeconds: 60 }),
      liveness: loop,
    });
  });

  afterEach(async () => {
    loop.stop();
    await server.close();
  });

  it('serves the Prometheus text format with HELP and process metrics', async () => {
    metrics.addPeer('10.0.0.254');
    const { text, samples, type } = await scrape();
    expect(type).to.match(/^text\/plain; version=0\.0\.4/);
    expect(text).to.include(
      '# HELP podbgp_peer_session_state BGP session state per peer, BGP4-MIB numbering',
    );
    expect(text).to.include('# TYPE podbgp_peer_established_transitions_total counter');
    expect(find(samples, 'process_cpu_seconds_total')).to.have.length(1);
    expect(find(samples, 'nodejs_heap_size_used_bytes')).to.have.length(1);
    // A configured peer shows as Idle (1) before anything happens.
    expect(one(samples, 'podbgp_peer_session_state', { peer: '10.0.0.254' })).to.equal(1);
    expect(one(samples, 'podbgp_peer_up', { peer: '10.0.0.254' })).to.equal(0);
  });

  it('follows a session through its states, uptime and established transitions', async () => {
    const p = '10.0.0.254';
    feed([
      { kind: 'session-state', peer: p, from: 'Idle', to: 'Connect', reason: 'ManualStart' },
      { kind: 'session-state', peer: p, from: 'Connect', to: 'OpenSent', reason: 'TCP connected' },
    ]);
    let s = (await scrape()).samples;
    expect(one(s, 'podbgp_peer_session_state', { peer: p })).to.equal(4);
    expect(one(s, 'podbgp_peer_uptime_seconds', { peer: p })).to.equal(0);
    feed([
      { kind: 'session-state', peer: p, from: 'OpenSent', to: 'OpenConfirm', reason: 'OPEN received' },
      {
        kind: 'session-state',
        peer: p,
        from: 'OpenConfirm',
        to: 'Established',
        reason: 'KEEPALIVE received',
      },
      {
        kind: 'peer-up',
        peer: p,
        negotiated: { remoteAs: 65000, holdTime: 90, families: [{ afi: 1, safi: 1 }] },
      },
    ]);
    clock += 42_500;
    s = (await scrape()).samples;
    expect(one(s, 'podbgp_peer_session_state', { peer: p })).to.equal(6);
    expect(one(s, 'podbgp_peer_up', { peer: p })).to.equal(1);
    expect(one(s, 'podbgp_peer_uptime_seconds', { peer: p })).to.equal(42.5);
    expect(one(s, 'podbgp_peer_established_transitions_total', { peer: p })).to.equal(1);
    feed([
      { kind: 'session-state', peer: p, from: 'Established', to: 'Idle', reason: 'Hold Timer Expired' },
      { kind: 'peer-down', peer: p, reason: 'Hold Timer Expired', gracefulRestart: true },
      { kind: 'session-state', peer: p, from: 'Idle', to: 'Established', reason: 'again' },
    ]);
    s = (await scrape()).samples;
    expect(one(s, 'podbgp_peer_established_transitions_total', { peer: p })).to.equal(2);
    expect(one(s, 'podbgp_peer_uptime_seconds', { peer: p })).to.equal(0);
  });

  it('counts messages by type, prefixes per family and NOTIFICATIONs by code/subcode', async () => {
    const p = 'fd00::1';
    feed([
      {
        kind: 'message-counters',
        peer: p,
        received: { OPEN: 1, UPDATE: 7, KEEPALIVE: 3 },
        sent: { OPEN: 1, KEEPALIVE: 4 },
      },
      { kind: 'prefix-counts', peer: p, afi: 2, safi: 1, received: 10, accepted: 8, advertised: 2 },
      { kind: 'prefix-counts', peer: p, afi: 1, safi: 1, received: 5, accepted: 5, advertised: 1 },
      {
        kind: 'notification',
        peer: p,
        direction: 'received',
        code: 6,
        subcode: 2,
        text: 'Cease / Administrative Shutdown',
      },
      {
        kind: 'notification',
        peer: p,
        direction: 'received',
        code: 6,
        subcode: 2,
        text: 'Cease / Administrative Shutdown',
      },
      { kind: 'notification', peer: p, direction: 'sent', code: 4, subcode: 0, text: 'Hold Timer Expired' },
      { kind: 'max-prefix', peer: p, afi: 1, safi: 1, limit: 4, count: 5 },
    ]);
    metrics.countMessage(p, 'received', 'UPDATE', 2);
    const s = (await scrape()).samples;
    expect(one(s, 'podbgp_peer_messages_received_total', { peer: p, type: 'UPDATE' })).to.equal(9);
    expect(one(s, 'podbgp_peer_messages_received_total', { peer: p, type: 'KEEPALIVE' })).to.equal(3);
    expect(one(s, 'podbgp_peer_messages_sent_total', { peer: p, type: 'KEEPALIVE' })).to.equal(4);
    expect(one(s, 'podbgp_peer_prefixes_received', { peer: p, family: 'ipv6-unicast' })).to.equal(10);
    expect(one(s, 'podbgp_peer_prefixes_accepted', { peer: p, family: 'ipv6-unicast' })).to.equal(8);
    expect(one(s, 'podbgp_peer_prefixes_advertised', { peer: p, family: 'ipv4-unicast' })).to.equal(1);
    expect(
      one(s, 'podbgp_peer_notifications_received_total', {
        peer: p,
        code: '6',
        subcode: '2',
        name: 'Cease / Administrative Shutdown',
      }),
    ).to.equal(2);
    expect(one(s, 'podbgp_peer_notifications_sent_total', { peer: p, code: '4', subcode: '0' })).to.equal(1);
    expect(one(s, 'podbgp_peer_max_prefix_exceeded_total', { peer: p })).to.equal(1);
  });

  it('removes every series of a peer removed from the configuration', async () => {
    feed([
      { kind: 'session-state', peer: 'a', from: 'OpenConfirm', to: 'Established', reason: 'x' },
      { kind: 'prefix-counts', peer: 'a', afi: 1, safi: 1, received: 1, accepted: 1, advertised: 1 },
      {
        kind: 'notification',
        peer: 'a',
        direction: 'sent',
        code: 6,
        subcode: 3,
        text: 'Cease / Peer De-configured',
      },
      { kind: 'message-counters', peer: 'a', received: { UPDATE: 1 }, sent: { UPDATE: 1 } },
      { kind: 'session-state', peer: 'b', from: 'Idle', to: 'Active', reason: 'y' },
    ]);
    let s = (await scrape()).samples;
    expect(s.filter((x) => x.labels.peer === 'a').length).to.be.greaterThan(8);
    metrics.removePeer('a');
    s = (await scrape()).samples;
    expect(s.filter((x) => x.labels.peer === 'a')).to.deep.equal([]);
    expect(one(s, 'podbgp_peer_session_state', { peer: 'b' })).to.equal(3);
  });

  it('counts kernel routes, failures, reconciles and UPDATE latency', async () => {
    let installed = 0;
    metrics.setKernelRouteCount(() => installed);
    feed([
      {
        kind: 'fib-failed',
        key: 1,
        prefix: '10.1.0.0/24',
        op: 'replace',
        errno: 101,
        message: 'Network is unreachable',
      },
      {
        kind: 'fib-failed',
        key: 2,
        prefix: '10.2.0.0/24',
        op: 'replace',
        errno: 101,
        message: 'Network is unreachable',
      },
      { kind: 'fib-installed', key: 1, prefix: '10.1.0.0/24', route: {} as never },
      { kind: 'fib-installed', key: 3, prefix: '10.3.0.0/24', route: {} as never },
      { kind: 'fib-removed', key: 4, prefix: '10.4.0.0/24' },
      {
        kind: 'fib-reconciled',
        full: true,
        installed: 2,
        removed: 1,
        failed: 2,
        unchanged: 0,
        durationMs: 30,
      },
      {
        kind: 'fib-reconciled',
        full: false,
        installed: 0,
        removed: 0,
        failed: 0,
        unchanged: 1,
        durationMs: 0.5,
      },
      {
        kind: 'fib-reconciled',
        full: false,
        installed: 0,
        removed: 0,
        failed: 0,
        unchanged: 1,
        durationMs: 2,
      },
      { kind: 'update-processed', peer: 'p', seconds: 0.0002 },
      { kind: 'update-processed', peer: 'p', seconds: 0.02 },
      { kind: 'fib-change', prefix: { afi: 1, words: [0x0a000000], length: 24 }, nextHops: null },
    ]);
    installed = 1234;
    const s = (await scrape()).samples;
    expect(one(s, 'podbgp_kernel_route_installs_total')).to.equal(2);
    expect(one(s, 'podbgp_kernel_route_removals_total')).to.equal(1);
    expect(one(s, 'podbgp_kernel_route_failures_total', { op: 'replace' })).to.equal(2);
    expect(one(s, 'podbgp_kernel_routes_failed')).to.equal(1); // 10.1.0.0/24 got installed after failing
    expect(one(s, 'podbgp_kernel_routes_installed')).to.equal(1234);
    expect(one(s, 'podbgp_kernel_reconcile_runs_total', { mode: 'full' })).to.equal(1);
    expect(one(s, 'podbgp_kernel_reconcile_runs_total', { mode: 'incremental' })).to.equal(2);
    expect(one(s, 'podbgp_kernel_reconcile_duration_seconds_count', { mode: 'incremental' })).to.equal(2);
    expect(
      one(s, 'podbgp_kernel_reconcile_duration_seconds_bucket', { mode: 'incremental', le: '0.001' }),
    ).to.equal(1);
    expect(one(s, 'podbgp_kernel_reconcile_duration_seconds_sum', { mode: 'full' })).to.be.closeTo(
      0.03,
      1e-9,
    );
    expect(one(s, 'podbgp_update_processing_seconds_count')).to.equal(2);
    expect(one(s, 'podbgp_update_processing_seconds_bucket', { le: '0.0005' })).to.equal(1);
    expect(one(s, 'podbgp_update_processing_seconds_bucket', { le: '0.05' })).to.equal(2);
    expect(one(s, 'podbgp_rib_fib_changes_total')).to.equal(1);
  });

  it('reports event-loop lag after a real stall', async () => {
    await new Promise((r) => setTimeout(r, 60));
    const end = performance.now() + 120;
    while (performance.now() < end) {
      // Block the event loop for 120 ms on purpose.
    }
    await new Promise((r) => setTimeout(r, 40));
    const s = (await scrape()).samples;
    expect(one(s, 'podbgp_event_loop_lag_max_seconds')).to.be.greaterThan(0.1);
    expect(one(s, 'podbgp_event_loop_lag_p99_seconds')).to.be.greaterThan(0);
    expect(one(s, 'podbgp_event_loop_longest_stall_seconds')).to.be.greaterThan(0.08);
    // The lag histogram was reset by the scrape: the next one sees only the time since.
    const again = (await scrape()).samples;
    expect(one(again, 'podbgp_event_loop_lag_max_seconds')).to.be.lessThan(0.1);
  });
});
