// ECMP with the real podbgp daemon: two top-of-rack routers, BIRD (AS 65001) and FRR (AS 65002),
// both advertise a remote pod CIDR (10.244.9.0/24, a "remote node" namespace reachable through
// either ToR). With kernel.ecmpMaxPaths 2 and bestPath.multipathRelax (the ToRs' ASNs differ),
// the node's kernel gets one route with two next hops (`ip -j route`). Then a ToR fails while a
// ping (-i 0.05) from the node's pod address to the remote pod runs, and we measure the loss:
//  1. FRR's daemons are killed by PID (forwarding in the ToR stays): its path leaves the route;
//  2. the link of the ToR that carries the ping's flow goes down on the ToR side: the node's end
//     loses carrier, podbgp sees the next hop unreachable (link event) or the hold timer
//     expires, and the path leaves the route; the ping moves to the other ToR.
// The loss numbers are printed (and bounded) so the report can quote them.
import { expect } from 'chai';
import { Bird, Frr, Lab } from './lab/index.ts';
import type { FrrConfig } from './lab/index.ts';
import { PodbgpDaemon } from './lab/podbgp-daemon.ts';
import type { KernelRouteJson } from './lab/podbgp-daemon.ts';

const REMOTE_POD_CIDR = '10.244.9.0/24';
const REMOTE_POD = '10.244.9.1';
const LOCAL_POD = '10.244.0.1';
const TIMERS = { holdTime: 3, connectRetryTime: 1 };

const FRR_CONFIG: FrrConfig = {
  asn: 65002,
  routerId: '10.0.2.1',
  networks: [REMOTE_POD_CIDR],
  neighbors: [{ address: '10.0.2.2', remoteAs: 65100, holdTime: 3 }],
};

function gateways(r: KernelRouteJson | undefined): string[] {
  if (r === undefined) return [];
  if (r.nexthops !== undefined) return r.nexthops.map((h) => h.gateway ?? '').sort();
  return r.gateway === undefined ? [] : [r.gateway];
}

interface PingResult {
  transmitted: number;
  received: number;
  lost: number;
}

/** `ping -i 0.05 -w SECONDS` from the node's pod address; resolves with the packet counts. */
async function pingFor(lab: Lab, seconds: number): Promise<PingResult> {
  const r = await lab.exec(
    'node',
    ['ping', '-q', '-n', '-i', '0.05', '-W', '1', '-w', String(seconds), '-I', LOCAL_POD, REMOTE_POD],
    { timeoutMs: (seconds + 5) * 1000 },
  );
  const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  if (m === null) throw new Error(`unexpected ping output: ${r.stdout} ${r.stderr}`);
  const transmitted = Number(m[1]);
  const received = Number(m[2]);
  return { transmitted, received, lost: transmitted - received };
}

describe('e2e routing: ECMP over two ToRs (BIRD and FRR), one ToR fails, pings keep flowing', function () {
  this.timeout(120_000);
  let lab: Lab;
  let frr: Frr;
  let node: PodbgpDaemon;

  before(async function () {
    lab = await Lab.create('rt-ecmp');
    await lab.addNode('node');
    await lab.addNode('tor1', { forwarding: true });
    await lab.addNode('tor2', { forwarding: true });
    await lab.addNode('rnode');
    await lab.link('node', 'tor1', { v4: ['10.0.1.2/30', '10.0.1.1/30'] });
    await lab.link('node', 'tor2', { v4: ['10.0.2.2/30', '10.0.2.1/30'] });
    await lab.link('rnode', 'tor1', { v4: ['10.1.1.2/30', '10.1.1.1/30'] });
    await lab.link('rnode', 'tor2', { v4: ['10.1.2.2/30', '10.1.2.1/30'] });
    // Pod addresses live on lo of the node and of the remote node.
    await lab.addAddress('node', 'lo', `${LOCAL_POD}/32`);
    await lab.addAddress('rnode', 'lo', `${REMOTE_POD}/32`);
    // The data plane behind the ToRs (static, not BGP: the test is about the node's routes).
    await lab.execOk('tor1', ['ip', 'route', 'add', REMOTE_POD_CIDR, 'via', '10.1.1.2']);
    await lab.execOk('tor1', ['ip', 'route', 'add', '10.244.0.0/24', 'via', '10.0.1.2']);
    await lab.execOk('tor2', ['ip', 'route', 'add', REMOTE_POD_CIDR, 'via', '10.1.2.2']);
    await lab.execOk('tor2', ['ip', 'route', 'add', '10.244.0.0/24', 'via', '10.0.2.2']);
    await lab.execOk('rnode', [
      'ip',
      'route',
      'add',
      '10.244.0.0/24',
      'nexthop',
      'via',
      '10.1.1.1',
      'nexthop',
      'via',
      '10.1.2.1',
    ]);
    await Bird.start(lab, 'tor1', {
      routerId: '10.0.1.1',
      staticRoutes: [{ prefix: REMOTE_POD_CIDR }],
      neighbors: [{ name: 'node', address: '10.0.1.2', remoteAs: 65100, localAs: 65001, holdTime: 3 }],
    });
    frr = await Frr.start(lab, 'tor2', FRR_CONFIG);
    node = await PodbgpDaemon.start(lab, 'node', {
      asn: 65100,
      routerId: '10.0.1.2',
      accept: ['10.244.0.0/16'],
      bestPath: { multipathRelax: true },
      kernel: { ecmpMaxPaths: 2 },
      peers: [
        { address: '10.0.1.1', asn: 65001, timers: TIMERS },
        { address: '10.0.2.1', asn: 65002, timers: TIMERS },
      ],
    });
  });

  after(async function () {
    await lab?.destroy();
  });

  const bothToRs = (r: KernelRouteJson | undefined) =>
    JSON.stringify(gateways(r)) === JSON.stringify(['10.0.1.1', '10.0.2.1']);

  it('the remote pod CIDR is one kernel route with two next hops, one per ToR', async function () {
    const r = await node.waitKernelRoute(REMOTE_POD_CIDR, bothToRs);
    expect(r?.nexthops?.map((h) => h.dev).sort()).to.deep.equal(['tor1', 'tor2']);
    const rib = await node.cliJson<{ prefix: string; best: boolean; multipath: boolean }[]>([
      'rib',
      REMOTE_POD_CIDR,
    ]);
    expect(rib.filter((p) => p.best)).to.have.length(1);
    expect(rib.filter((p) => p.multipath)).to.have.length(1);
    const ping = await pingFor(lab, 1);
    expect(ping.received, 'remote pod answers through the ToRs').to.be.greaterThan(0);
  });

  it('FRR killed: its path leaves the route and the ping keeps flowing', async function () {
    const ping = pingFor(lab, 5);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    frr.bgpd.signal('SIGKILL');
    frr.zebra.signal('SIGKILL');
    const r = await node.waitKernelRoute(REMOTE_POD_CIDR, (x) => gateways(x).join() === '10.0.1.1', {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    expect(r?.dev).to.equal('tor1');
    const result = await ping;
    console.log(`      ping during FRR kill: ${result.transmitted} sent, ${result.lost} lost`);
    expect(result.lost, 'forwarding through the ToR went on; nothing should be lost').to.be.at.most(3);
    // FRR comes back (a new instance): both next hops again.
    frr = await Frr.start(lab, 'tor2', FRR_CONFIG, 'frr2');
    await node.waitKernelRoute(REMOTE_POD_CIDR, bothToRs);
  });

  it('the link of the ToR carrying the flow goes down: its path leaves, the ping moves over', async function () {
    const get = await lab.execOk('node', ['ip', '-j', 'route', 'get', REMOTE_POD, 'from', LOCAL_POD]);
    const used = (JSON.parse(get.stdout) as { gateway?: string; dev?: string }[])[0];
    expect(used?.gateway).to.be.oneOf(['10.0.1.1', '10.0.2.1']);
    const failing = used!.dev === 'tor1' ? 'tor1' : 'tor2';
    const remaining = failing === 'tor1' ? '10.0.2.1' : '10.0.1.1';
    // The remote node's way back is static: pin it to the surviving ToR, so what is measured is
    // the node's failover alone (not a return path into the dead link).
    const back = failing === 'tor1' ? '10.1.2.1' : '10.1.1.1';
    await lab.execOk('rnode', ['ip', 'route', 'replace', '10.244.0.0/24', 'via', back]);
    const ping = pingFor(lab, 8);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const t0 = Date.now();
    await lab.linkDown(failing, 'node');
    await node.waitKernelRoute(REMOTE_POD_CIDR, (x) => gateways(x).join() === remaining, {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    const removedAfterMs = Date.now() - t0;
    const result = await ping;
    console.log(
      `      ping during ${failing} link down: ${result.transmitted} sent, ${result.lost} lost ` +
        `(${result.lost * 50} ms at 20 pkt/s); path removed from the kernel after ${removedAfterMs} ms`,
    );
    expect(result.received).to.be.greaterThan(result.transmitted / 2);
    // Hold time 3 s bounds detection; at 20 packets/s that is at most ~70 packets.
    expect(result.lost).to.be.at.most(70);
    const after = await pingFor(lab, 1);
    expect(after.lost, 'after the failover nothing is lost').to.equal(0);
    await lab.linkUp(failing, 'node');
    await node.waitKernelRoute(REMOTE_POD_CIDR, bothToRs);
  });
});
