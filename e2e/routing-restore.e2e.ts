// The kernel table stays a projection of the Loc-RIB when someone else changes it, proven with the
// real podbgp daemon and a BIRD ToR (IPv4 and IPv6 sessions):
// - a route of ours deleted by hand (`ip route del`) inside the node comes back;
// - a link bounce of the ToR link (down for 1.5 s on the node's side, shorter than the hold time):
//   the kernel drops the IPv4 routes through the link silently (and the IPv6 ones with a
//   notification); when the link is back, every route is back. (BIRD may reset its sessions when
//   it sees its interface go down, or not, depending on timing: either way the routes return.)
// The periodic full reconcile is set to 60 s, so a restore within a few seconds proves podbgp
// reacts to kernel events, not to its timer.
import { expect } from 'chai';
import { Bird, Lab } from './lab/index.ts';
import { PodbgpDaemon } from './lab/podbgp-daemon.ts';

const TIMERS = { holdTime: 9, connectRetryTime: 1 };
const FAST = { timeoutMs: 8_000, intervalMs: 100 };

describe('e2e routing: routes deleted by hand and dropped by a link bounce come back', function () {
  this.timeout(90_000);
  let lab: Lab;
  let node: PodbgpDaemon;

  before(async function () {
    lab = await Lab.create('rt-restore');
    await lab.addNode('node');
    await lab.addNode('tor');
    // Without this the kernel flushes the IPv6 addresses of a downed link (a network manager
    // would add them back on a real node; here nothing would).
    await lab.execOk('node', [
      'sysctl',
      '-q',
      '-w',
      'net.ipv6.conf.all.keep_addr_on_down=1',
      'net.ipv6.conf.default.keep_addr_on_down=1',
    ]);
    await lab.link('node', 'tor', {
      v4: ['10.0.1.2/30', '10.0.1.1/30'],
      v6: ['fd00:1::2/64', 'fd00:1::1/64'],
    });
    await Bird.start(lab, 'tor', {
      routerId: '10.0.1.1',
      staticRoutes: [{ prefix: '10.244.1.0/24' }, { prefix: '10.244.2.0/24' }, { prefix: 'fd10:244:1::/64' }],
      neighbors: [
        { name: 'node4', address: '10.0.1.2', remoteAs: 65100, localAs: 65001 },
        { name: 'node6', address: 'fd00:1::2', remoteAs: 65100, localAs: 65001 },
      ],
    });
    node = await PodbgpDaemon.start(lab, 'node', {
      asn: 65100,
      routerId: '10.0.1.2',
      accept: ['10.244.0.0/16', 'fd10:244::/32'],
      kernel: { reconcileIntervalSeconds: 60 },
      peers: [
        { address: '10.0.1.1', asn: 65001, timers: TIMERS },
        { address: 'fd00:1::1', asn: 65001, timers: TIMERS },
      ],
    });
    for (const dst of ['10.244.1.0/24', '10.244.2.0/24', 'fd10:244:1::/64']) {
      await node.waitKernelRoute(dst, (r) => r?.gateway !== undefined);
    }
  });

  after(async function () {
    await lab?.destroy();
  });

  it('ip route del of our IPv4 and IPv6 routes: both come back, the others untouched', async function () {
    await lab.execOk('node', ['ip', 'route', 'del', '10.244.1.0/24', 'proto', '201']);
    await lab.execOk('node', ['ip', '-6', 'route', 'del', 'fd10:244:1::/64', 'proto', '201']);
    const v4 = await node.waitKernelRoute('10.244.1.0/24', (r) => r !== undefined, FAST);
    expect(v4).to.include({ gateway: '10.0.1.1', dev: 'tor' });
    const v6 = await node.waitKernelRoute('fd10:244:1::/64', (r) => r !== undefined, FAST);
    expect(v6).to.include({ gateway: 'fd00:1::1', dev: 'tor' });
    const fib = await node.cliJson<{ prefix: string; match: string }[]>(['fib']);
    expect(fib.map((r) => `${r.prefix} ${r.match}`).sort()).to.deep.equal([
      '10.244.1.0/24 yes',
      '10.244.2.0/24 yes',
      'fd10:244:1::/64 yes',
    ]);
  });

  it('link bounce: the kernel drops the routes while down, all come back when it is up', async function () {
    await lab.linkDown('node', 'tor');
    // The kernel removes the IPv4 routes through a downed link without telling anyone.
    const gone = await node.kernelRoutes(4);
    expect(gone, 'IPv4 routes dropped by the kernel').to.deep.equal([]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await lab.linkUp('node', 'tor');
    const t0 = Date.now();
    await node.waitEstablished('10.0.1.1', { timeoutMs: 15_000 });
    await node.waitEstablished('fd00:1::1', { timeoutMs: 15_000 });
    for (const dst of ['10.244.1.0/24', '10.244.2.0/24', 'fd10:244:1::/64']) {
      const r = await node.waitKernelRoute(dst, (x) => x?.gateway !== undefined, FAST);
      expect(r?.dev, dst).to.equal('tor');
    }
    const ms = Date.now() - t0;
    const peers = await node.peers();
    console.log(`      routes back and sessions Established ${ms} ms after link up`);
    expect(peers.map((p) => p.state)).to.deep.equal(['Established', 'Established']);
  });
});
