// The podbgp CLI against the real daemon with two BIRD ToRs (one instance each in its own
// namespace). Both send 10.244.10.0/24; tor1 prepends its AS once, so the AS_PATH step decides
// `explain`. Checked through the CLI and on BIRD's side:
//   peers, peer ADDR (capabilities negotiated with real BIRD), rib (best marked), rib --peer
//   --in/--out, fib (MATCH yes), explain (two candidates, the deciding step), the decoded last
//   NOTIFICATION after BIRD `disable NAME "maintenance"`, peer disable --message (BIRD shows the
//   shutdown communication), enable, reset (new session at BIRD), soft-in (ROUTE-REFRESH sent,
//   BIRD re-sends), soft-out (we re-send), originate add/del (BIRD sees the prefix come and go),
//   and the error when no daemon answers on the socket.
import { expect } from 'chai';
import { Bird, Lab, waitFor } from './lab/index.ts';
import { PODBGP_BIN, PodbgpDaemon } from './lab/podbgp-daemon.ts';
import { execArgv } from './lab/index.ts';

const TOR1 = '10.0.1.1';
const TOR2 = '10.0.2.1';
const SHARED = '10.244.10.0/24';

interface PeerDetailJson {
  state: string;
  adminDown: boolean;
  establishedTransitions: number;
  negotiated: {
    families: string[];
    fourOctetAs: boolean;
    routeRefresh: boolean;
    gracefulRestart: string | null;
  } | null;
  capabilitiesReceived: string[];
  messages: { type: string; sent: number; received: number }[];
  lastNotification: { direction: string; code: number; subcode: number; text: string } | null;
}

interface RouteJson {
  prefix: string;
  peer: string;
  best: boolean;
  asPath: string;
}

describe('e2e daemon: the CLI against the real daemon and two BIRD ToRs', function () {
  this.timeout(150_000);
  let lab: Lab;
  let tor1: Bird;
  let tor2: Bird;
  let d: PodbgpDaemon;

  const detail = (a: string) => d.cliJson<PeerDetailJson>(['peer', a]);
  const count = (p: PeerDetailJson, type: string, dir: 'sent' | 'received') =>
    p.messages.find((m) => m.type === type)?.[dir] ?? 0;
  const ok = async (args: string[]) => {
    const r = await d.cli(args);
    expect(r.code, `podbgp ${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return r.stdout;
  };

  before(async () => {
    lab = await Lab.create('d-cli');
    await lab.addNode('node');
    await lab.addNode('tor1');
    await lab.addNode('tor2');
    await lab.link('tor1', 'node', { v4: [`${TOR1}/30`, '10.0.1.2/30'] });
    await lab.link('tor2', 'node', { v4: [`${TOR2}/30`, '10.0.2.2/30'] });
    const bird = (node: string, routerId: string, address: string, prepend: boolean) =>
      Bird.start(lab, node, {
        routerId,
        neighbors: [{ name: 'node', address, localAs: 65000, remoteAs: 65010 }],
        staticRoutes: [
          { prefix: SHARED, ...(prepend ? { set: ['bgp_path.prepend(65000);'] } : {}) },
          { prefix: node === 'tor1' ? '10.244.11.0/24' : '10.244.12.0/24' },
        ],
      });
    tor1 = await bird('tor1', TOR1, '10.0.1.2', true);
    tor2 = await bird('tor2', TOR2, '10.0.2.2', false);
    d = await PodbgpDaemon.start(lab, 'node', {
      asn: 65010,
      routerId: '10.0.1.2',
      originate: ['10.244.1.0/24'],
      accept: ['10.244.0.0/16'],
      peers: [TOR1, TOR2].map((address) => ({
        address,
        asn: 65000,
        timers: { holdTime: 9, connectRetryTime: 1 },
      })),
    });
    await d.waitEstablished(TOR1);
    await d.waitEstablished(TOR2);
    await waitFor(
      'both paths of the shared prefix',
      () => d.cliJson<RouteJson[]>(['rib', SHARED]),
      (r) => r.length === 2,
    );
  });

  after(async () => {
    await lab?.destroy();
  });

  it('peers and peer ADDR: both Established, capabilities negotiated with the real BIRD', async () => {
    const table = await ok(['peers']);
    expect(table).to.match(new RegExp(`${TOR1.replace(/\./g, '\\.')}\\s+65000\\s+Established`));
    expect(table).to.match(new RegExp(`${TOR2.replace(/\./g, '\\.')}\\s+65000\\s+Established`));
    const p = await detail(TOR1);
    expect(p.negotiated?.families).to.deep.equal(['ipv4-unicast']);
    expect(p.negotiated?.fourOctetAs).to.equal(true);
    expect(p.negotiated?.routeRefresh).to.equal(true);
    expect(p.capabilitiesReceived.join(' ')).to.contain('four-octet-as 65000');
    const text = await ok(['peer', TOR1]);
    expect(text).to.contain('Peer 10.0.1.1, AS 65000 (eBGP), local AS 65010');
    expect(text).to.match(/4-octet AS:\s+yes/);
  });

  it('rib, rib --peer --in/--out, fib and explain', async () => {
    const rib = await ok(['rib', SHARED]);
    const bestLine = rib.split('\n').find((l) => l.trimStart().startsWith('*>'));
    expect(bestLine).to.contain(TOR2);
    const inTor1 = await d.cliJson<RouteJson[]>(['rib', '--peer', TOR1, '--in']);
    expect(inTor1.map((r) => r.prefix).sort()).to.deep.equal([SHARED, '10.244.11.0/24']);
    expect(inTor1.find((r) => r.prefix === SHARED)?.asPath).to.equal('65000 65000');
    const out = await d.cliJson<RouteJson[]>(['rib', '--peer', TOR1, '--out']);
    expect(out.map((r) => r.prefix)).to.deep.equal(['10.244.1.0/24']);
    const fib = await waitFor(
      'fib to list three routes, all matching',
      () => d.cliJson<{ prefix: string; match: string; nextHops: string[] }[]>(['fib']),
      (f) => f.length === 3 && f.every((r) => r.match === 'yes'),
    );
    expect(fib.find((r) => r.prefix === SHARED)?.nextHops.join(' ')).to.contain(`via ${TOR2}`);
    expect(await ok(['fib'])).to.match(/yes/);
    const explain = await ok(['explain', SHARED]);
    expect(explain).to.contain(TOR1);
    expect(explain).to.contain(TOR2);
    expect(explain).to.match(/AS_PATH/i);
  });

  it('the last NOTIFICATION decoded after BIRD disables the session with a message', async () => {
    await tor1.disable('node', 'maintenance');
    const p = await waitFor(
      'the NOTIFICATION from tor1',
      () => detail(TOR1),
      (x) => x.lastNotification !== null,
    );
    expect(p.lastNotification?.direction).to.equal('received');
    expect(p.lastNotification?.text).to.equal('Cease / Administrative Shutdown: "maintenance"');
    expect(await ok(['peer', TOR1])).to.contain('Cease / Administrative Shutdown: "maintenance"');
    await tor1.enable('node');
    await d.waitEstablished(TOR1);
  });

  it('peer disable --message reaches BIRD; enable brings it back; reset makes a new session', async () => {
    await ok(['peer', TOR2, 'disable', '--message', 'node drain']);
    const atBird = await waitFor(
      'BIRD to receive our shutdown communication',
      () => tor2.showProtocol('node'),
      (x) => x.bgpState !== 'Established' && x.raw.includes('node drain'),
    );
    expect(atBird.fields['Last error']).to.match(/Received: Administrative shutdown/i);
    expect((await detail(TOR2)).adminDown).to.equal(true);
    await ok(['peer', TOR2, 'enable']);
    await d.waitEstablished(TOR2);
    await tor2.waitEstablished('node');

    const before = (await detail(TOR2)).establishedTransitions;
    await ok(['peer', TOR2, 'reset']);
    await waitFor(
      'a new session with tor2',
      () => detail(TOR2),
      (x) => x.state === 'Established' && x.establishedTransitions === before + 1,
    );
  });

  it('soft-in sends ROUTE-REFRESH and BIRD re-sends; soft-out re-sends our table', async () => {
    await d.waitEstablished(TOR1);
    const p0 = await detail(TOR1);
    await ok(['peer', TOR1, 'soft-in']);
    const p1 = await waitFor(
      'tor1 to answer the route refresh with UPDATEs',
      () => detail(TOR1),
      (x) => count(x, 'UPDATE', 'received') > count(p0, 'UPDATE', 'received'),
    );
    expect(count(p1, 'ROUTE-REFRESH', 'sent')).to.equal(count(p0, 'ROUTE-REFRESH', 'sent') + 1);
    expect(p1.establishedTransitions).to.equal(p0.establishedTransitions);
    await ok(['peer', TOR1, 'soft-out']);
    const p2 = await waitFor(
      'our table re-sent to tor1',
      () => detail(TOR1),
      (x) => count(x, 'UPDATE', 'sent') > count(p1, 'UPDATE', 'sent'),
    );
    expect(p2.establishedTransitions).to.equal(p0.establishedTransitions);
  });

  it('originate add/del: BIRD sees the prefix appear and disappear', async () => {
    await ok(['originate', 'add', '10.244.50.0/24']);
    await waitFor(
      'tor1 to learn 10.244.50.0/24',
      () => tor1.showRoutes({ protocol: 'node' }),
      (r) => r.some((x) => x.prefix === '10.244.50.0/24'),
    );
    await ok(['originate', 'del', '10.244.50.0/24']);
    await waitFor(
      'tor1 to lose 10.244.50.0/24',
      () => tor1.showRoutes({ protocol: 'node' }),
      (r) => !r.some((x) => x.prefix === '10.244.50.0/24') && r.some((x) => x.prefix === '10.244.1.0/24'),
    );
  });

  it('no daemon on the socket: non-zero exit and a clear message', async () => {
    const r = await execArgv([PODBGP_BIN, 'peers', '--socket', `${lab.workDir}/nobody.sock`]);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.match(/not running/i);
    expect(r.stderr).to.contain('nobody.sock');
  });
});
