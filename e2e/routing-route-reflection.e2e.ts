// Route reflection (RFC 4456) with three real podbgp daemons in one AS (65100): a reflector (rr,
// cluster id 10.0.0.100) and two route-reflector clients (c1, c2), each in its own namespace, plus
// ExaBGP as a third client that sends crafted routes for the loop checks.
// - c1's Pod CIDR reaches c2 through the reflector with ORIGINATOR_ID = c1's router id and
//   CLUSTER_LIST = [the reflector's cluster id] (`podbgp rib -o json` on c2), and it is installed
//   in c2's kernel with its iBGP next hop (c1's address) resolved through c2's route to it;
// - a route reflected to c1 that carries c1's own router id as ORIGINATOR_ID (ExaBGP sets it) is
//   kept but not used by c1: `podbgp explain` says why, and it is not in c1's kernel, while c2
//   installs it;
// - a route whose CLUSTER_LIST holds the reflector's cluster id (ExaBGP sets it) is ignored by the
//   reflector (explain says why) and reaches neither client.
// The reflector imports and exports everything (`policies: {all: [{action: accept}]}`): RFC 8212's
// defaults only bind eBGP peers, but podbgp's default export policy sends just its own Pod CIDRs.
import { expect } from 'chai';
import { ExaBgp, Lab, sleep, waitFor } from './lab/index.ts';
import { PodbgpDaemon } from './lab/podbgp-daemon.ts';

const TIMERS = { holdTime: 9, connectRetryTime: 1 };
const CLUSTER_ID = '10.0.0.100';
const C1_ID = '10.0.1.2';

interface RouteJson {
  prefix: string;
  peer: string;
  nextHop: string;
  best: boolean;
  ineligible: string[];
  originatorId: string | null;
  clusterList: string[];
}

interface ExplainJson {
  prefix: string;
  paths: { peer: string; best: boolean; ineligible: string[] }[];
}

async function rib(d: PodbgpDaemon, prefix: string): Promise<RouteJson[]> {
  return d.cliJson<RouteJson[]>(['rib', prefix]);
}

describe('e2e routing: route reflection with three podbgp daemons, loop checks', function () {
  this.timeout(90_000);
  let lab: Lab;
  let rr: PodbgpDaemon;
  let c1: PodbgpDaemon;
  let c2: PodbgpDaemon;
  let exa: ExaBgp;

  before(async function () {
    lab = await Lab.create('rt-rr');
    await lab.addNode('rr', { forwarding: true });
    for (const n of ['c1', 'c2', 'exa']) await lab.addNode(n);
    await lab.link('rr', 'c1', { v4: ['10.0.1.1/24', '10.0.1.2/24'] });
    await lab.link('rr', 'c2', { v4: ['10.0.2.1/24', '10.0.2.2/24'] });
    await lab.link('rr', 'exa', { v4: ['10.0.3.1/24', '10.0.3.2/24'] });
    // iBGP next hops are other clients' link addresses: each client reaches them through rr.
    for (const net of ['10.0.2.0/24', '10.0.3.0/24'])
      await lab.execOk('c1', ['ip', 'route', 'add', net, 'via', '10.0.1.1']);
    for (const net of ['10.0.1.0/24', '10.0.3.0/24'])
      await lab.execOk('c2', ['ip', 'route', 'add', net, 'via', '10.0.2.1']);
    // A network behind ExaBGP that rr can reach and c2, at first, cannot (last test).
    await lab.execOk('rr', ['ip', 'route', 'add', '10.0.4.0/24', 'via', '10.0.3.2']);
    const client = (address: string, passive = false) => ({
      address,
      passive,
      asn: 65100,
      timers: TIMERS,
      routeReflectorClient: true,
      importPolicy: 'all',
      exportPolicy: 'all',
    });
    rr = await PodbgpDaemon.start(lab, 'rr', {
      asn: 65100,
      routerId: '10.0.0.1',
      clusterId: CLUSTER_ID,
      policies: { all: [{ action: 'accept' }] },
      peers: [client('10.0.1.2'), client('10.0.2.2'), client('10.0.3.2', true)],
    });
    c1 = await PodbgpDaemon.start(lab, 'c1', {
      asn: 65100,
      routerId: C1_ID,
      originate: ['10.244.1.0/24'],
      peers: [{ address: '10.0.1.1', asn: 65100, timers: TIMERS }],
    });
    c2 = await PodbgpDaemon.start(lab, 'c2', {
      asn: 65100,
      routerId: '10.0.2.2',
      originate: ['10.244.2.0/24'],
      peers: [{ address: '10.0.2.1', asn: 65100, timers: TIMERS }],
    });
    await c1.waitEstablished('10.0.1.1');
    await c2.waitEstablished('10.0.2.1');
  });

  after(async function () {
    await lab?.destroy();
  });

  it("c1's Pod CIDR reaches c2 via the reflector with ORIGINATOR_ID and CLUSTER_LIST, into c2's kernel", async function () {
    const k = await c2.waitKernelRoute('10.244.1.0/24', (r) => r !== undefined);
    // The iBGP next hop 10.0.1.2 is not on c2's link; it resolves through c2's route via rr.
    expect(k).to.include({ gateway: '10.0.2.1', dev: 'rr' });
    const [route] = await rib(c2, '10.244.1.0/24');
    expect(route).to.include({ peer: '10.0.2.1', nextHop: '10.0.1.2', best: true, originatorId: C1_ID });
    expect(route?.clusterList).to.deep.equal([CLUSTER_ID]);
    // And the other way round.
    await c1.waitKernelRoute('10.244.2.0/24', (r) => r?.gateway === '10.0.1.1');
    const [back] = await rib(c1, '10.244.2.0/24');
    expect(back).to.include({ originatorId: '10.0.2.2' });
    expect(back?.clusterList).to.deep.equal([CLUSTER_ID]);
    // The reflector itself holds both, learned without ORIGINATOR_ID (they come from the originators).
    const [atRr] = await rib(rr, '10.244.1.0/24');
    expect(atRr).to.include({ peer: '10.0.1.2', originatorId: null });
  });

  it('loop checks: own ORIGINATOR_ID unused by c1; own cluster id in CLUSTER_LIST ignored by rr', async function () {
    // ExaBGP does not listen; rr waits for it passively (an active podbgp refuses incoming
    // connections while Idle between its own connect attempts, RFC 4271 §8.2.2).
    exa = await ExaBgp.start(lab, 'exa', {
      neighbors: [
        {
          address: '10.0.3.1',
          localAddress: '10.0.3.2',
          localAs: 65100,
          remoteAs: 65100,
          routerId: '10.0.3.2',
          routes: [
            `10.244.7.0/24 next-hop 10.0.3.2 originator-id ${C1_ID}`,
            `10.244.8.0/24 next-hop 10.0.3.2 cluster-list [ ${CLUSTER_ID} ]`,
          ],
        },
      ],
    });
    await exa.waitEstablished('10.0.3.1');
    // c2 takes 10.244.7.0/24 (its ORIGINATOR_ID is c1's, not c2's) into the kernel.
    await c2.waitKernelRoute('10.244.7.0/24', (r) => r?.gateway === '10.0.2.1');
    const [at2] = await rib(c2, '10.244.7.0/24');
    expect(at2).to.include({ originatorId: C1_ID, best: true });
    // c1 has it from rr, ineligible because the ORIGINATOR_ID is its own router id.
    const [at1] = await rib(c1, '10.244.7.0/24');
    expect(at1).to.include({ peer: '10.0.1.1', best: false, originatorId: C1_ID });
    expect(at1?.ineligible).to.deep.equal(['ORIGINATOR_ID is our router id']);
    const why1 = await c1.cliJson<ExplainJson>(['explain', '10.244.7.0/24']);
    expect(why1.paths.map((p) => p.ineligible)).to.deep.equal([['ORIGINATOR_ID is our router id']]);
    expect((await c1.kernelRoutes()).map((r) => r.dst)).to.not.include('10.244.7.0/24');

    // rr: 10.244.8.0/24 carries rr's own cluster id: kept in the Adj-RIB-In, never used.
    const why = await rr.cliJson<ExplainJson>(['explain', '10.244.8.0/24']);
    expect(why.paths).to.have.length(1);
    expect(why.paths[0]).to.include({ peer: '10.0.3.2', best: false });
    expect(why.paths[0]?.ineligible).to.deep.equal(['CLUSTER_LIST contains our cluster id']);
    // Give the reflector time to (wrongly) pass it on, then check neither client has it.
    await sleep(1000);
    expect(await rib(c1, '10.244.8.0/24')).to.deep.equal([]);
    expect(await rib(c2, '10.244.8.0/24')).to.deep.equal([]);
    expect((await c2.kernelRoutes()).map((r) => r.dst)).to.not.include('10.244.8.0/24');
  });

  it('a reflected route whose next hop c2 cannot reach is ineligible, and installed once c2 can', async function () {
    exa.command('announce route 10.244.6.0/24 next-hop 10.0.4.2');
    const [unreachable] = await waitFor(
      'c2 to hold 10.244.6.0/24',
      () => rib(c2, '10.244.6.0/24'),
      (rs) => rs.length === 1,
      { timeoutMs: 15_000 },
    );
    expect(unreachable).to.include({ nextHop: '10.0.4.2', best: false });
    expect(unreachable?.ineligible).to.deep.equal(['next hop unreachable']);
    expect((await c2.kernelRoutes()).map((r) => r.dst)).to.not.include('10.244.6.0/24');
    // The operator adds the missing route: the path becomes eligible and reaches the kernel.
    await lab.execOk('c2', ['ip', 'route', 'add', '10.0.4.0/24', 'via', '10.0.2.1']);
    const k = await c2.waitKernelRoute('10.244.6.0/24', (r) => r !== undefined, { timeoutMs: 10_000 });
    expect(k).to.include({ gateway: '10.0.2.1', dev: 'rr' });
    const [usable] = await rib(c2, '10.244.6.0/24');
    expect(usable).to.include({ best: true });
    expect(usable?.ineligible).to.deep.equal([]);
  });
});
