// Tests for health.ts (readiness) through the real HTTP server's /readyz on 127.0.0.1, port 0:
// start -> Established -> End-of-RIB both ways -> ready; every peer down -> not ready; the
// timeout path with an injected clock; peers added and removed by a reload.
import { expect } from 'chai';
import { EventLoopMonitor } from './event-loop.ts';
import { Readiness } from './health.ts';
import { startObservabilityServer } from './http.ts';
import type { ObservabilityServer } from './http.ts';
import { DaemonMetrics } from './metrics.ts';
import type { ObservedMessage } from './observe-types.ts';

const V4 = { afi: 1, safi: 1 };
const V6 = { afi: 2, safi: 1 };

function established(peer: string, families = [V4, V6]): ObservedMessage[] {
  return [
    { kind: 'session-state', peer, from: 'OpenConfirm', to: 'Established', reason: 'KEEPALIVE received' },
    { kind: 'peer-up', peer, negotiated: { remoteAs: 65000, holdTime: 90, families } },
  ];
}

function eor(
  peer: string,
  f: { afi: number; safi: number },
  direction: 'sent' | 'received',
): ObservedMessage {
  return { kind: 'end-of-rib', peer, afi: f.afi, safi: f.safi, direction };
}

describe('daemon readiness over /readyz', () => {
  let clock: number;
  let readiness: Readiness;
  let server: ObservabilityServer;
  let loop: EventLoopMonitor;

  const readyz = async (): Promise<{ status: number; body: string }> => {
    const res = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    return { status: res.status, body: (await res.text()).trim() };
  };
  const feed = (msgs: ObservedMessage[]) => msgs.forEach((m) => readiness.observe(m));

  beforeEach(async () => {
    clock = 5_000;
    readiness = new Readiness({ timeoutSeconds: 120, peers: ['10.0.0.254', 'fd00::254'], now: () => clock });
    loop = new EventLoopMonitor();
    server = await startObservabilityServer({
      address: '127.0.0.1:0',
      metrics: new DaemonMetrics({ defaultMetrics: false }),
      readiness,
      liveness: loop,
    });
  });

  afterEach(async () => {
    await server.close();
  });

  it('is ready once every peer was Established and End-of-RIB went both ways for each family', async () => {
    let r = await readyz();
    expect(r.status).to.equal(503);
    expect(r.body).to.equal(
      'not ready: waiting for 10.0.0.254 to reach Established (now Idle); waiting for fd00::254 to reach Established (now Idle); 120 s left of 120 s',
    );

    feed([...established('10.0.0.254'), ...established('fd00::254', [V6])]);
    clock += 66_000;
    r = await readyz();
    expect(r.status).to.equal(503);
    expect(r.body).to.equal(
      'not ready: waiting for End-of-RIB from 10.0.0.254 (ipv4-unicast, ipv6-unicast); sending our End-of-RIB to 10.0.0.254 (ipv4-unicast, ipv6-unicast); waiting for End-of-RIB from fd00::254 (ipv6-unicast); sending our End-of-RIB to fd00::254 (ipv6-unicast); 54 s left of 120 s',
    );

    feed([
      eor('10.0.0.254', V4, 'received'),
      eor('10.0.0.254', V4, 'sent'),
      eor('10.0.0.254', V6, 'sent'),
      eor('fd00::254', V6, 'received'),
      eor('fd00::254', V6, 'sent'),
    ]);
    r = await readyz();
    expect(r.status).to.equal(503);
    expect(r.body).to.equal(
      'not ready: waiting for End-of-RIB from 10.0.0.254 (ipv6-unicast); 54 s left of 120 s',
    );

    // The session layer's end-of-rib without a direction is the peer's.
    feed([{ kind: 'end-of-rib', peer: '10.0.0.254', afi: 2, safi: 1 }]);
    r = await readyz();
    expect(r.status).to.equal(200);
    expect(r.body).to.equal(
      'ready: 2 of 2 peers Established (10.0.0.254, fd00::254); End-of-RIB exchanged with all 2 peers',
    );
  });

  it('after start-up, is ready while at least one peer is Established', async () => {
    for (const p of ['10.0.0.254', 'fd00::254'])
      feed([...established(p, [V4]), eor(p, V4, 'sent'), eor(p, V4, 'received')]);
    expect((await readyz()).status).to.equal(200);

    feed([
      {
        kind: 'session-state',
        peer: '10.0.0.254',
        from: 'Established',
        to: 'Idle',
        reason: 'Hold Timer Expired',
      },
      { kind: 'peer-down', peer: '10.0.0.254', reason: 'Hold Timer Expired', gracefulRestart: false },
    ]);
    let r = await readyz();
    expect(r.status).to.equal(200);
    expect(r.body).to.match(/^ready: 1 of 2 peers Established \(fd00::254\)/);

    feed([{ kind: 'peer-down', peer: 'fd00::254', reason: 'Cease', gracefulRestart: false }]);
    r = await readyz();
    expect(r.status).to.equal(503);
    expect(r.body).to.equal(
      'not ready: no peer Established (10.0.0.254 Idle, fd00::254 Idle); End-of-RIB exchanged with all 2 peers',
    );

    // Coming back is enough: no new End-of-RIB exchange is needed after start-up.
    feed([
      { kind: 'session-state', peer: 'fd00::254', from: 'OpenConfirm', to: 'Established', reason: 'back' },
    ]);
    expect((await readyz()).status).to.equal(200);
  });

  it('ends the start-up wait when the timeout passes', async () => {
    feed([
      ...established('10.0.0.254', [V4]),
      eor('10.0.0.254', V4, 'received'),
      eor('10.0.0.254', V4, 'sent'),
    ]);
    clock += 119_500;
    let r = await readyz();
    expect(r.status).to.equal(503);
    expect(r.body).to.equal(
      'not ready: waiting for fd00::254 to reach Established (now Idle); 1 s left of 120 s',
    );
    clock += 500;
    r = await readyz();
    expect(r.status).to.equal(200);
    expect(r.body).to.equal(
      'ready: 1 of 2 peers Established (10.0.0.254); start-up wait timed out after 120 s',
    );
  });

  it('after a timeout with no session up, is not ready', async () => {
    feed([{ kind: 'session-state', peer: 'fd00::254', from: 'Idle', to: 'Connect', reason: 'ManualStart' }]);
    clock += 121_000;
    const r = await readyz();
    expect(r.status).to.equal(503);
    expect(r.body).to.equal(
      'not ready: no peer Established (10.0.0.254 Idle, fd00::254 Connect); start-up wait timed out after 120 s',
    );
  });

  it('starts the End-of-RIB exchange over when the session drops before it completed', async () => {
    feed([...established('10.0.0.254', [V4]), eor('10.0.0.254', V4, 'received')]);
    feed([{ kind: 'session-state', peer: '10.0.0.254', from: 'Established', to: 'Idle', reason: 'reset' }]);
    feed([...established('10.0.0.254', [V4]), eor('10.0.0.254', V4, 'sent')]);
    const status = readiness.check();
    expect(status.ready).to.equal(false);
    expect(status.reason).to.include('waiting for End-of-RIB from 10.0.0.254 (ipv4-unicast)');
  });

  it('follows the configured peers across a reload, and is ready with none', async () => {
    for (const p of ['10.0.0.254'])
      feed([...established(p, [V4]), eor(p, V4, 'sent'), eor(p, V4, 'received')]);
    expect(readiness.check().ready).to.equal(false);
    readiness.setPeers(['10.0.0.254']); // fd00::254 removed from the config
    expect(readiness.check()).to.deep.include({ ready: true, phase: 'running' });

    const empty = new Readiness({ timeoutSeconds: 10, peers: [], now: () => clock });
    expect(empty.check()).to.deep.equal({
      ready: true,
      phase: 'running',
      reason: 'ready: no peers configured',
    });
  });

  it('does not wait for dynamic peers but counts them as Established', () => {
    const r = new Readiness({ timeoutSeconds: 10, peers: ['10.0.0.1'], now: () => clock });
    r.observe({
      kind: 'session-state',
      peer: '10.9.9.9',
      from: 'OpenConfirm',
      to: 'Established',
      reason: 'dynamic',
    });
    expect(r.check().reason).to.equal(
      'not ready: waiting for 10.0.0.1 to reach Established (now Idle); 10 s left of 10 s',
    );
    clock += 10_000;
    expect(r.check()).to.deep.include({ ready: true });
    expect(r.check().reason).to.include('(10.9.9.9)');
  });
});
