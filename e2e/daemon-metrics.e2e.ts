// Metrics and health of the real daemon against a real BIRD session, scraped inside the node
// (PodbgpDaemon.http: curl on 127.0.0.1:9179). Before BIRD runs, /readyz is 503 and /healthz 200;
// once the session is up and End-of-RIB went both ways, /readyz is 200 and /metrics says:
// session state 6 (Established), messages in and out by type non-zero and growing (keepalives),
// prefixes received/accepted equal to what BIRD sends, kernel routes installed equal to
// `ip route show proto 201`. When BIRD disables the protocol, the state leaves 6 and readiness
// follows health.ts: after start-up, ready only while at least one peer is Established.
import { expect } from 'chai';
import { Bird, Lab, waitFor } from './lab/index.ts';
import { PodbgpDaemon } from './lab/podbgp-daemon.ts';

const TOR = '10.0.0.1';
const BIRD_PREFIXES = ['10.244.10.0/24', '10.244.11.0/24', '10.244.12.0/24'];

/** One sample of a Prometheus text exposition: the value of `name{labels...}` whose labels include `want`. */
function sample(text: string, name: string, want: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    if (Object.entries(want).every(([k, v]) => labels[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('e2e daemon: metrics and health reflect a real BIRD session', function () {
  this.timeout(120_000);
  let lab: Lab | undefined;

  after(async () => {
    await lab?.destroy();
  });

  it('/readyz 503 -> 200 after End-of-RIB; /metrics state, messages, prefixes, kernel routes; peer down', async () => {
    lab = await Lab.create('d-metrics');
    await lab.addNode('node');
    await lab.addNode('tor');
    await lab.link('tor', 'node', { v4: [`${TOR}/30`, '10.0.0.2/30'] });
    const d = await PodbgpDaemon.start(lab, 'node', {
      asn: 65010,
      routerId: '10.0.0.2',
      originate: ['10.244.1.0/24'],
      accept: ['10.244.0.0/16'],
      peers: [{ address: TOR, asn: 65000, timers: { holdTime: 6, connectRetryTime: 1 } }],
    });
    const metrics = async () => {
      const r = await d.http('/metrics');
      expect(r.status).to.equal(200);
      return r.body;
    };

    // Before the peer exists: alive, not ready, state not Established.
    await waitFor(
      '/metrics to answer',
      () => d.http('/metrics'),
      (r) => r.status === 200,
    );
    const notReady = await d.http('/readyz');
    expect(notReady.status).to.equal(503);
    expect(notReady.body).to.contain(TOR);
    expect((await d.http('/healthz')).status).to.equal(200);
    expect(sample(await metrics(), 'podbgp_peer_session_state', { peer: TOR })).to.not.equal(6);

    const bird = await Bird.start(lab, 'tor', {
      routerId: TOR,
      neighbors: [{ name: 'node', address: '10.0.0.2', localAs: 65000, remoteAs: 65010, holdTime: 6 }],
      staticRoutes: BIRD_PREFIXES.map((prefix) => ({ prefix })),
    });
    await bird.waitEstablished('node');
    const ready = await waitFor(
      '/readyz 200',
      () => d.http('/readyz'),
      (r) => r.status === 200,
    );
    expect(ready.body).to.match(/^ready/);
    await waitFor(
      'all BIRD prefixes installed',
      () => d.kernelRoutes(),
      (rs) => rs.length === 3,
    );

    const first = await metrics();
    expect(sample(first, 'podbgp_peer_session_state', { peer: TOR })).to.equal(6);
    expect(sample(first, 'podbgp_peer_up', { peer: TOR })).to.equal(1);
    for (const type of ['OPEN', 'UPDATE', 'KEEPALIVE']) {
      expect(sample(first, 'podbgp_peer_messages_received_total', { peer: TOR, type }), type).to.be.above(0);
      expect(sample(first, 'podbgp_peer_messages_sent_total', { peer: TOR, type }), type).to.be.above(0);
    }
    // BIRD sends its three statics (and not our own prefix back to the peer it came from).
    const prefixes = (what: string) =>
      sample(first, `podbgp_peer_prefixes_${what}`, { peer: TOR, family: 'ipv4-unicast' });
    expect(prefixes('received')).to.equal(BIRD_PREFIXES.length);
    expect(prefixes('accepted')).to.equal(BIRD_PREFIXES.length);
    expect(prefixes('advertised')).to.equal(1);
    const kernel = await d.kernelRoutes();
    expect(kernel.map((r) => r.dst).sort()).to.deep.equal(BIRD_PREFIXES);
    expect(sample(first, 'podbgp_kernel_routes_installed')).to.equal(kernel.length);
    expect(sample(first, 'podbgp_peer_established_transitions_total', { peer: TOR })).to.equal(1);
    expect(sample(first, 'podbgp_event_loop_longest_stall_seconds')).to.be.a('number');
    // Every UPDATE from BIRD was timed from decode to the RIB's decision.
    expect(sample(first, 'podbgp_update_processing_seconds_count')).to.be.at.least(1);
    expect(sample(first, 'podbgp_event_loop_lag_max_seconds')).to.be.a('number');

    // Keepalives every 2 s (hold 6): the counters grow both ways.
    const ka = (text: string, dir: 'received' | 'sent') =>
      sample(text, `podbgp_peer_messages_${dir}_total`, { peer: TOR, type: 'KEEPALIVE' }) ?? 0;
    const grown = await waitFor(
      'keepalive counters to grow both ways',
      () => metrics(),
      (t) => ka(t, 'received') > ka(first, 'received') && ka(t, 'sent') > ka(first, 'sent'),
      { timeoutMs: 10_000, intervalMs: 500 },
    );
    expect(sample(grown, 'podbgp_peer_uptime_seconds', { peer: TOR })).to.be.above(0);

    // The peer goes down: state leaves 6, the NOTIFICATION is counted, and with no peer
    // Established the node is not ready any more (health.ts running phase).
    await bird.disable('node', 'maintenance');
    const down = await waitFor(
      'session state to leave Established',
      () => metrics(),
      (t) => sample(t, 'podbgp_peer_session_state', { peer: TOR }) !== 6,
    );
    expect(sample(down, 'podbgp_peer_up', { peer: TOR })).to.equal(0);
    expect(
      sample(down, 'podbgp_peer_notifications_received_total', { peer: TOR, code: '6', subcode: '2' }),
    ).to.equal(1);
    const unready = await waitFor(
      '/readyz 503 after the peer left',
      () => d.http('/readyz'),
      (r) => r.status === 503,
    );
    expect(unready.body).to.contain('no peer Established');
    expect((await d.http('/healthz')).status).to.equal(200);

    // Back up: ready again.
    await bird.enable('node');
    await waitFor(
      '/readyz 200 again',
      () => d.http('/readyz'),
      (r) => r.status === 200,
    );
    expect(sample(await metrics(), 'podbgp_peer_established_transitions_total', { peer: TOR })).to.equal(2);
  });
});
