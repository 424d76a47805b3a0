// Graceful restart (RFC 4724) with the whole podbgp daemon and its kernel routes, against BIRD and
// FRR in one lab (node <-> BIRD ToR, node <-> FRR ToR, all advertising GR). `ip monitor route`
// runs in the node for the whole file, so we can tell a route that stayed from one that was
// removed and put back.
// (a) podbgp as helper: BIRD is killed by PID and restarted without one of its prefixes. While it
//     is gone, its routes stay in the node's kernel and `podbgp rib -o json` marks them stale;
//     after its End-of-RIB the prefix it no longer announces is swept, the other one was never
//     removed from the kernel.
// (b) podbgp as restarting speaker: `kill -9` podbgp while FRR (GR helper) holds its route. FRR
//     keeps it, stale (vtysh); the node's kernel keeps podbgp's routes while podbgp is down. FRR
//     stops announcing one prefix meanwhile. podbgp restarts with --graceful-restart-restarting:
//     it re-establishes, the still-valid kernel routes were never deleted or re-added, and the
//     stale one is swept after the peers' End-of-RIB.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { Bird, Frr, Lab, waitFor } from './lab/index.ts';
import type { BirdConfig, FrrConfig, FrrPath } from './lab/index.ts';
import { PodbgpDaemon } from './lab/podbgp-daemon.ts';
import type { DaemonProcess } from './lab/index.ts';

const TIMERS = { holdTime: 9, connectRetryTime: 1 };

const birdConfig = (prefixes: string[]): BirdConfig => ({
  routerId: '10.0.1.1',
  staticRoutes: prefixes.map((prefix) => ({ prefix })),
  neighbors: [{ name: 'node', address: '10.0.1.2', remoteAs: 65100, localAs: 65001, gracefulRestart: true }],
});

const FRR_CONFIG: FrrConfig = {
  asn: 65002,
  routerId: '10.0.2.1',
  gracefulRestart: true,
  networks: ['10.244.21.0/24', '10.244.22.0/24'],
  neighbors: [{ address: '10.0.2.2', remoteAs: 65100 }],
};

interface RouteJson {
  prefix: string;
  peer: string;
  stale: boolean;
  best: boolean;
}

describe('e2e routing: graceful restart with the whole daemon, BIRD and FRR', function () {
  this.timeout(150_000);
  let lab: Lab;
  let monitor: DaemonProcess;
  let bird: Bird;
  let frr: Frr;
  let node: PodbgpDaemon;

  /** `ip monitor route` lines about `prefix` since the monitor started. */
  const monitorLines = (prefix: string): string[] =>
    readFileSync(monitor.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes(`${prefix} `));

  before(async function () {
    lab = await Lab.create('rt-gr');
    await lab.addNode('node');
    await lab.addNode('bird');
    await lab.addNode('frr');
    await lab.link('node', 'bird', { v4: ['10.0.1.2/30', '10.0.1.1/30'] });
    await lab.link('node', 'frr', { v4: ['10.0.2.2/30', '10.0.2.1/30'] });
    monitor = lab.spawn('node', ['ip', 'monitor', 'route'], { logFile: `${lab.dir('monitor')}/route.log` });
    bird = await Bird.start(lab, 'bird', birdConfig(['10.244.11.0/24', '10.244.12.0/24']));
    frr = await Frr.start(lab, 'frr', FRR_CONFIG);
    node = await PodbgpDaemon.start(lab, 'node', {
      asn: 65100,
      routerId: '10.0.1.2',
      originate: ['10.244.0.0/24'],
      accept: ['10.244.0.0/16'],
      gracefulRestart: { enabled: true, restartTime: 60 },
      peers: [
        { address: '10.0.1.1', asn: 65001, timers: TIMERS },
        { address: '10.0.2.1', asn: 65002, timers: TIMERS },
      ],
    });
    for (const dst of ['10.244.11.0/24', '10.244.12.0/24', '10.244.21.0/24', '10.244.22.0/24'])
      await node.waitKernelRoute(dst, (r) => r !== undefined);
  });

  after(async function () {
    await lab?.destroy();
  });

  it('(a) BIRD restarts: its routes stay in the kernel, stale, until End-of-RIB; the dropped one is swept', async function () {
    bird.process.signal('SIGKILL');
    await bird.process.exited;
    const stale = await waitFor(
      'podbgp to mark BIRD routes stale',
      () => node.cliJson<RouteJson[]>(['rib', '--family', 'ipv4']),
      (rs) => rs.filter((r) => r.peer === '10.0.1.1' && r.stale).length === 2,
      { timeoutMs: 15_000 },
    );
    expect(stale.filter((r) => r.peer === '10.0.1.1').map((r) => [r.prefix, r.stale, r.best])).to.deep.equal([
      ['10.244.11.0/24', true, true],
      ['10.244.12.0/24', true, true],
    ]);
    const during = (await node.kernelRoutes()).map((r) => r.dst);
    expect(during, 'kernel keeps the stale routes').to.include.members(['10.244.11.0/24', '10.244.12.0/24']);

    bird = await Bird.start(lab, 'bird', birdConfig(['10.244.11.0/24']), 'bird2');
    await node.waitEstablished('10.0.1.1');
    await node.waitKernelRoute('10.244.12.0/24', (r) => r === undefined, { timeoutMs: 20_000 });
    const [kept] = await node.cliJson<RouteJson[]>(['rib', '10.244.11.0/24']);
    expect(kept).to.include({ peer: '10.0.1.1', stale: false, best: true });
    expect((await node.kernelRoutes()).map((r) => r.dst)).to.include('10.244.11.0/24');
    expect(
      monitorLines('10.244.11.0/24').filter((l) => l.startsWith('Deleted')),
      'never removed',
    ).to.deep.equal([]);
    expect(monitorLines('10.244.12.0/24').filter((l) => l.startsWith('Deleted'))).to.have.length(1);
  });

  it('(b) podbgp kill -9: FRR keeps our route stale, the kernel keeps ours; restart sweeps only the stale', async function () {
    await frr.waitEstablished('10.0.2.2');
    const before = readFileSync(monitor.logFile, 'utf8').length;
    await node.kill9();
    const held = await waitFor(
      'FRR to hold 10.244.0.0/24 stale',
      () => frr.routes('ipv4'),
      (rs) => (rs['10.244.0.0/24'] ?? []).some((p: FrrPath) => p.stale === true),
      { timeoutMs: 20_000 },
    );
    expect(held['10.244.0.0/24']?.[0]?.nexthops?.[0]?.ip).to.equal('10.0.2.2');
    // FRR stops announcing 10.244.22.0/24 while podbgp is down.
    await frr.configureBgp(['no network 10.244.22.0/24'], 'ipv4');
    const down = (await node.kernelRoutes()).map((r) => r.dst).sort();
    expect(down, 'the kernel keeps our routes while podbgp is down').to.deep.equal([
      '10.244.11.0/24',
      '10.244.21.0/24',
      '10.244.22.0/24',
    ]);

    await node.restart(['--graceful-restart-restarting']);
    await node.waitEstablished('10.0.2.1');
    await node.waitEstablished('10.0.1.1');
    await node.waitKernelRoute('10.244.22.0/24', (r) => r === undefined, { timeoutMs: 30_000 });
    const after = (await node.kernelRoutes()).map((r) => r.dst).sort();
    expect(after).to.deep.equal(['10.244.11.0/24', '10.244.21.0/24']);
    // FRR has our route again, no longer stale.
    await waitFor(
      'FRR to hold 10.244.0.0/24 fresh',
      () => frr.routes('ipv4'),
      (rs) => (rs['10.244.0.0/24'] ?? []).some((p: FrrPath) => p.valid === true && p.stale !== true),
      { timeoutMs: 20_000 },
    );
    const since = readFileSync(monitor.logFile, 'utf8').slice(before);
    const about = (prefix: string) => since.split('\n').filter((l) => l.includes(`${prefix} `));
    expect(about('10.244.11.0/24'), 'valid route untouched through the restart').to.deep.equal([]);
    expect(about('10.244.21.0/24'), 'valid route untouched through the restart').to.deep.equal([]);
    expect(about('10.244.22.0/24').filter((l) => l.startsWith('Deleted'))).to.have.length(1);
    const log = readFileSync(`${node.dir}/podbgp.log`, 'utf8');
    expect(log).to.include('End-of-RIB from every peer');
  });
});
