// SIGTERM of the real daemon with BIRD as the ToR. Two nodes share one BIRD: `gr` runs podbgp with
// graceful restart enabled (the default), `nogr` with gracefulRestart.enabled false. Each learns
// BIRD's prefixes into its kernel; on SIGTERM podbgp exits 0 and BIRD receives Cease /
// Administrative Shutdown carrying podbgp's RFC 9003 message ("podbgp is shutting down
// (SIGTERM)"), seen in BIRD's `show protocols all`. With graceful restart the node's kernel
// routes (proto 201) stay, so pods keep forwarding while podbgp restarts; without, they are gone.
import { expect } from 'chai';
import { Bird, Lab, waitFor } from './lab/index.ts';
import { PodbgpDaemon } from './lab/podbgp-daemon.ts';

const BIRD_PREFIXES = ['10.244.10.0/24', '10.244.11.0/24'];

describe('e2e daemon: SIGTERM sends Cease / Administrative Shutdown; kernel routes per graceful restart', function () {
  this.timeout(120_000);
  let lab: Lab;
  let bird: Bird;

  before(async () => {
    lab = await Lab.create('d-term');
    await lab.addNode('tor');
    await lab.addNode('gr');
    await lab.addNode('nogr');
    await lab.link('tor', 'gr', { v4: ['10.0.1.1/30', '10.0.1.2/30'] });
    await lab.link('tor', 'nogr', { v4: ['10.0.2.1/30', '10.0.2.2/30'] });
    bird = await Bird.start(lab, 'tor', {
      routerId: '10.0.1.1',
      neighbors: [
        { name: 'gr', address: '10.0.1.2', localAddress: '10.0.1.1', localAs: 65000, remoteAs: 65010 },
        { name: 'nogr', address: '10.0.2.2', localAddress: '10.0.2.1', localAs: 65000, remoteAs: 65011 },
      ],
      staticRoutes: BIRD_PREFIXES.map((prefix) => ({ prefix })),
    });
  });

  after(async () => {
    await lab?.destroy();
  });

  async function startNode(node: 'gr' | 'nogr', asn: number, tor: string, extra: Record<string, unknown>) {
    const d = await PodbgpDaemon.start(lab, node, {
      asn,
      routerId: tor.replace(/\.1$/, '.2'),
      accept: ['10.244.0.0/16'],
      peers: [{ address: tor, asn: 65000, timers: { holdTime: 9, connectRetryTime: 1 } }],
      ...extra,
    });
    await bird.waitEstablished(node);
    await waitFor(
      `BIRD prefixes in ${node}'s kernel`,
      () => d.kernelRoutes(),
      (rs) => rs.length === 2,
    );
    return d;
  }

  async function expectShutdownAtBird(node: string): Promise<void> {
    const p = await waitFor(
      `BIRD protocol ${node} to leave Established`,
      () => bird.showProtocol(node),
      (x) => x.bgpState !== 'Established' && (x.fields['Last error'] ?? '') !== '',
    );
    expect(p.fields['Last error']).to.match(/Received: Administrative shutdown/i);
    expect(p.raw).to.contain('podbgp is shutting down (SIGTERM)');
  }

  it('graceful restart on: exit 0, Cease/2 with our message at BIRD, kernel routes stay', async () => {
    const d = await startNode('gr', 65010, '10.0.1.1', {});
    expect(await d.stop()).to.equal(0);
    await expectShutdownAtBird('gr');
    const left = await d.kernelRoutes();
    expect(left.map((r) => r.dst).sort()).to.deep.equal(BIRD_PREFIXES);
    expect(left.every((r) => r.gateway === '10.0.1.1')).to.equal(true);
    // The pod network keeps forwarding: the route is usable.
    const get = await lab.execOk('gr', ['ip', 'route', 'get', '10.244.10.1']);
    expect(get.stdout).to.contain('via 10.0.1.1');
  });

  it('graceful restart off: exit 0, Cease/2 with our message at BIRD, kernel routes removed', async () => {
    const d = await startNode('nogr', 65011, '10.0.2.1', { gracefulRestart: { enabled: false } });
    expect(await d.stop()).to.equal(0);
    await expectShutdownAtBird('nogr');
    expect(await d.kernelRoutes()).to.deep.equal([]);
  });
});
