// Tests for event-loop.ts: stall detection with an injected clock, and a real stall of the event
// loop seen by /healthz on the real HTTP server (127.0.0.1, port 0).
import { expect } from 'chai';
import { EventLoopMonitor } from './event-loop.ts';
import { Readiness } from './health.ts';
import { startObservabilityServer } from './http.ts';
import { DaemonMetrics } from './metrics.ts';

describe('event-loop monitor', () => {
  it('measures stalls as heartbeat gaps and fails health for the recent window', () => {
    let t = 0;
    const m = new EventLoopMonitor({
      heartbeatMs: 100,
      stallThresholdMs: 1000,
      recentWindowMs: 5000,
      now: () => t,
    });
    t = 100;
    m.beat();
    expect(m.health().ok).to.equal(true);
    t = 600; // 400 ms late: a stall, below the threshold
    m.beat();
    expect(m.longestStallMs).to.equal(400);
    expect(m.health()).to.deep.include({ ok: true });
    t = 2100; // 1400 ms late
    expect(m.health()).to.deep.equal({
      ok: false,
      reason: 'event loop stalled for 1400 ms (threshold 1000 ms)',
    });
    m.beat();
    expect(m.longestStallMs).to.equal(1400);
    for (t = 2200; t <= 4100; t += 100) m.beat();
    t = 4100;
    expect(m.health()).to.deep.equal({
      ok: false,
      reason: 'event loop stalled for 1400 ms 2 s ago (threshold 1000 ms, window 5 s)',
    });
    for (t = 4200; t <= 7200; t += 100) m.beat();
    expect(m.health()).to.deep.equal({ ok: true, reason: 'ok: event loop running; longest stall 1400 ms' });
  });

  it('makes /healthz answer 503 after a real stall beyond the threshold, and 200 again later', async () => {
    const loop = new EventLoopMonitor({ heartbeatMs: 10, stallThresholdMs: 150, recentWindowMs: 300 });
    loop.start();
    const server = await startObservabilityServer({
      address: '127.0.0.1:0',
      metrics: new DaemonMetrics({ defaultMetrics: false }),
      readiness: new Readiness({ timeoutSeconds: 1, peers: [] }),
      liveness: loop,
    });
    const healthz = async () => {
      const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      return { status: res.status, body: await res.text() };
    };
    try {
      let h = await healthz();
      expect(h.status).to.equal(200);
      expect(h.body).to.match(/^ok: event loop running/);
      const end = performance.now() + 250;
      while (performance.now() < end) {
        // Block the event loop for 250 ms on purpose.
      }
      h = await healthz();
      expect(h.status).to.equal(503);
      expect(h.body).to.match(/^event loop stalled for \d+ ms/);
      await new Promise((r) => setTimeout(r, 400));
      h = await healthz();
      expect(h.status).to.equal(200);
      expect(loop.longestStallMs).to.be.greaterThan(200);
    } finally {
      loop.stop();
      await server.close();
    }
  });
});
