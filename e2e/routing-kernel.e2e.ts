// Routes between the real podbgp daemon (`bin/podbgp run` in a node namespace) and two real
// top-of-rack routers, BIRD and FRR, over IPv4 and IPv6 sessions:
// - what BIRD and FRR advertise appears in the node's kernel with protocol 201 and the ToR's
//   address as gateway (`ip -j route`, the independent oracle), IPv4 and IPv6;
// - BIRD `configure` without a static route and FRR `no network` withdraw, and the kernel route goes;
// - podbgp's originated Pod CIDRs reach BIRD (`birdc show route`) and FRR (`vtysh show bgp`) with
//   podbgp's link address as next hop.
// One lab is shared by the tests of this file (they run in order and build on each other).
import { expect } from 'chai';
import { Bird, Frr, Lab, waitFor } from './lab/index.ts';
import type { BirdConfig, FrrConfig } from './lab/index.ts';
import { PodbgpDaemon, PODBGP_PROTOCOL } from './lab/podbgp-daemon.ts';

const TIMERS = { holdTime: 9, connectRetryTime: 1 };

const BIRD_CONFIG: BirdConfig = {
  routerId: '10.0.1.1',
  staticRoutes: [
    { prefix: '10.244.1.0/24' },
    { prefix: '10.244.11.0/24' },
    { prefix: 'fd10:244:1::/64' },
    { prefix: 'fd10:244:11::/64' },
  ],
  neighbors: [
    { name: 'node4', address: '10.0.1.2', remoteAs: 65100, localAs: 65001 },
    { name: 'node6', address: 'fd00:1::2', remoteAs: 65100, localAs: 65001 },
  ],
};

const FRR_CONFIG: FrrConfig = {
  asn: 65002,
  routerId: '10.0.2.1',
  networks: ['10.244.2.0/24', 'fd10:244:2::/64'],
  neighbors: [
    { address: '10.0.2.2', remoteAs: 65100 },
    { address: 'fd00:2::2', remoteAs: 65100 },
  ],
};

describe('e2e routing: BIRD and FRR routes in the node kernel, withdrawals, originated Pod CIDRs', function () {
  this.timeout(90_000);
  let lab: Lab;
  let bird: Bird;
  let frr: Frr;
  let node: PodbgpDaemon;

  before(async function () {
    lab = await Lab.create('rt-kernel');
    await lab.addNode('node');
    await lab.addNode('bird');
    await lab.addNode('frr');
    await lab.link('node', 'bird', {
      v4: ['10.0.1.2/30', '10.0.1.1/30'],
      v6: ['fd00:1::2/64', 'fd00:1::1/64'],
    });
    await lab.link('node', 'frr', {
      v4: ['10.0.2.2/30', '10.0.2.1/30'],
      v6: ['fd00:2::2/64', 'fd00:2::1/64'],
    });
    bird = await Bird.start(lab, 'bird', BIRD_CONFIG);
    frr = await Frr.start(lab, 'frr', FRR_CONFIG);
    node = await PodbgpDaemon.start(lab, 'node', {
      asn: 65100,
      routerId: '10.0.1.2',
      originate: ['10.244.0.0/24', 'fd10:244::/64'],
      accept: ['10.244.0.0/16', 'fd10:244::/32'],
      peers: [
        { address: '10.0.1.1', asn: 65001, timers: TIMERS },
        { address: 'fd00:1::1', asn: 65001, timers: TIMERS },
        { address: '10.0.2.1', asn: 65002, timers: TIMERS },
        { address: 'fd00:2::1', asn: 65002, timers: TIMERS },
      ],
    });
    for (const a of ['10.0.1.1', 'fd00:1::1', '10.0.2.1', 'fd00:2::1']) await node.waitEstablished(a);
  });

  after(async function () {
    await lab?.destroy();
  });

  it('IPv4 and IPv6 routes from BIRD and FRR are in the kernel with proto 201 and the ToR as gateway', async function () {
    const want: [string, string, string][] = [
      ['10.244.1.0/24', '10.0.1.1', 'bird'],
      ['10.244.11.0/24', '10.0.1.1', 'bird'],
      ['10.244.2.0/24', '10.0.2.1', 'frr'],
      ['fd10:244:1::/64', 'fd00:1::1', 'bird'],
      ['fd10:244:11::/64', 'fd00:1::1', 'bird'],
      ['fd10:244:2::/64', 'fd00:2::1', 'frr'],
    ];
    for (const [dst, gateway, dev] of want) {
      const r = await node.waitKernelRoute(dst, (x) => x !== undefined);
      expect(r, dst).to.include({ gateway, dev });
      expect(r?.nexthops, `${dst} has a single next hop`).to.equal(undefined);
    }
    // The oracle's own filter: every one of them carries our protocol number, nothing else does.
    const v4 = (await node.kernelRoutes(4)).map((r) => r.dst).sort();
    const v6 = (await node.kernelRoutes(6)).map((r) => r.dst).sort();
    expect(v4).to.deep.equal(['10.244.1.0/24', '10.244.11.0/24', '10.244.2.0/24']);
    expect(v6).to.deep.equal(['fd10:244:11::/64', 'fd10:244:1::/64', 'fd10:244:2::/64']);
    const raw = await lab.execOk('node', ['ip', '-j', 'route', 'show', '10.244.1.0/24']);
    expect((JSON.parse(raw.stdout) as { protocol: string }[])[0]?.protocol).to.equal(String(PODBGP_PROTOCOL));
  });

  it("podbgp's Pod CIDRs reach BIRD and FRR with podbgp's link address as next hop", async function () {
    const birdRoutes = await waitFor(
      'BIRD to learn 10.244.0.0/24 and fd10:244::/64 from podbgp',
      () => bird.showRoutes(),
      (rs) => rs.some((r) => r.prefix === '10.244.0.0/24') && rs.some((r) => r.prefix === 'fd10:244::/64'),
    );
    const b4 = birdRoutes.find((r) => r.prefix === '10.244.0.0/24');
    expect(b4?.protocol).to.equal('node4');
    expect(b4?.via[0]).to.match(/^via 10\.0\.1\.2 on /);
    expect(b4?.attributes['BGP.as_path']).to.equal('65100');
    const b6 = birdRoutes.find((r) => r.prefix === 'fd10:244::/64');
    expect(b6?.protocol).to.equal('node6');
    expect(b6?.attributes['BGP.next_hop']).to.match(/^fd00:1::2\b/);

    const f4 = await waitFor(
      'FRR to learn 10.244.0.0/24',
      () => frr.routes('ipv4'),
      (rs) => (rs['10.244.0.0/24'] ?? []).some((p) => p.valid === true),
    );
    expect(f4['10.244.0.0/24']?.[0]?.nexthops?.[0]?.ip).to.equal('10.0.2.2');
    expect(f4['10.244.0.0/24']?.[0]?.path).to.equal('65100');
    const f6 = await waitFor(
      'FRR to learn fd10:244::/64',
      () => frr.routes('ipv6'),
      (rs) => (rs['fd10:244::/64'] ?? []).some((p) => p.valid === true),
    );
    const hops = f6['fd10:244::/64']?.[0]?.nexthops ?? [];
    expect(hops.map((h) => h.ip)).to.include('fd00:2::2');
  });

  it('BIRD configure without a static route and FRR no network withdraw the kernel routes', async function () {
    await bird.configure({
      ...BIRD_CONFIG,
      staticRoutes: BIRD_CONFIG.staticRoutes!.filter((r) => !r.prefix.includes('11')),
    });
    await frr.configureBgp(['no network 10.244.2.0/24'], 'ipv4');
    await frr.configureBgp(['no network fd10:244:2::/64'], 'ipv6');
    for (const dst of ['10.244.11.0/24', '10.244.2.0/24', 'fd10:244:11::/64', 'fd10:244:2::/64']) {
      await node.waitKernelRoute(dst, (r) => r === undefined);
    }
    // What was not withdrawn stays, untouched.
    expect((await node.kernelRoutes(4)).map((r) => r.dst)).to.deep.equal(['10.244.1.0/24']);
    expect((await node.kernelRoutes(6)).map((r) => r.dst)).to.deep.equal(['fd10:244:1::/64']);
    const rib = await node.cliJson<{ prefix: string }[]>(['rib']);
    expect(rib.map((r) => r.prefix).sort()).to.deep.equal([
      '10.244.0.0/24',
      '10.244.1.0/24',
      'fd10:244:1::/64',
      'fd10:244::/64',
    ]);
  });
});
