// A full-table feed into the real podbgp daemon: BIRD originates 500,000 IPv4 /24s (static
// blackhole routes in bird.conf) to podbgp over one eBGP session; every one of them must reach the
// node's kernel with protocol 201 (counted with `ip -4 route show proto 201 | wc -l`, the
// independent oracle), and when BIRD disables its static protocol every one must leave the
// kernel again. The session must stay Established throughout (a long event-loop stall in podbgp
// would let the 9 s hold timer expire). Install and withdraw times are printed for the report.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { expect } from 'chai';
import { Bird, Lab, waitFor } from './lab/index.ts';
import type { BirdStaticRoute } from './lab/index.ts';
import { PodbgpDaemon, PODBGP_PROTOCOL } from './lab/podbgp-daemon.ts';

const ROUTES = 500_000;

function fullTable(n: number): BirdStaticRoute[] {
  const out: BirdStaticRoute[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = { prefix: `${11 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24` };
  }
  return out;
}

async function kernelCount(lab: Lab): Promise<number> {
  const r = await lab.execOk('node', ['sh', '-c', `ip -4 route show proto ${PODBGP_PROTOCOL} | wc -l`], {
    timeoutMs: 60_000,
  });
  return Number(r.stdout.trim());
}

describe('e2e routing: a 500k-prefix full table from BIRD installs and withdraws completely', function () {
  this.timeout(240_000);
  let lab: Lab | undefined;

  after(async function () {
    await lab?.destroy();
  });

  it(`${ROUTES} IPv4 prefixes: all in the kernel, then all gone`, async function () {
    lab = await Lab.create('rt-full');
    await lab.addNode('node');
    await lab.addNode('tor');
    await lab.link('node', 'tor', { v4: ['10.0.1.2/30', '10.0.1.1/30'] });
    const node = await PodbgpDaemon.start(lab, 'node', {
      asn: 65100,
      routerId: '10.0.1.2',
      accept: ['0.0.0.0/0'],
      logging: { level: 'info', format: 'json' },
      peers: [{ address: '10.0.1.1', asn: 65001, timers: { holdTime: 9, connectRetryTime: 1 } }],
    });
    const t0 = Date.now();
    const bird = await Bird.start(lab, 'tor', {
      routerId: '10.0.1.1',
      staticRoutes: fullTable(ROUTES),
      neighbors: [{ name: 'node', address: '10.0.1.2', remoteAs: 65100, localAs: 65001 }],
    });
    const birdUp = Date.now() - t0;
    await node.waitEstablished('10.0.1.1', { timeoutMs: 60_000, intervalMs: 250 });
    const established = Date.now();
    await waitFor(
      `${ROUTES} routes of ours in the node's kernel`,
      () => kernelCount(lab!),
      (n) => n === ROUTES,
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    const installMs = Date.now() - established;
    const [peer] = await node.peers();
    expect(peer?.state).to.equal('Established');
    expect(peer?.families.find((f) => f.family === 'ipv4')?.accepted).to.equal(ROUTES);

    const t1 = Date.now();
    await bird.birdc('disable', 'static_ipv4');
    await waitFor(
      'every route of ours to leave the kernel',
      () => kernelCount(lab!),
      (n) => n === 0,
      {
        timeoutMs: 120_000,
        intervalMs: 1000,
      },
    );
    const withdrawMs = Date.now() - t1;
    const [after] = await node.peers();
    expect(after?.state, 'the session never dropped').to.equal('Established');
    const log = readFileSync(`${node.dir}/podbgp.log`, 'utf8');
    expect(log, 'no hold timer expiry during the feed').to.not.include('Hold Timer Expired');
    // Where the install time went: the feed (Established -> End-of-RIB received, BIRD sending and
    // podbgp's RIB taking it in), then the rest (kernel programming, plus up to 1 s of polling).
    const stamp = (text: string) => {
      const line = log.split('\n').find((l) => l.includes(text));
      return line === undefined ? NaN : Date.parse((JSON.parse(line) as { timestamp: string }).timestamp);
    };
    const feedMs = stamp('End-of-RIB received') - stamp('session Established with');
    console.log(
      `      feed (Established -> End-of-RIB received) ${feedMs} ms; load ${loadavg()[0]?.toFixed(1)}`,
    );
    console.log(
      `      BIRD start with ${ROUTES} statics ${birdUp} ms; install ${installMs} ms after Established ` +
        `(${Math.round(ROUTES / (installMs / 1000))} routes/s incl. BIRD's send and 1 s polling); ` +
        `withdraw ${withdrawMs} ms (${Math.round(ROUTES / (withdrawMs / 1000))} routes/s)`,
    );
  });
});
