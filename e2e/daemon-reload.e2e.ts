// SIGHUP reload of the real daemon (`podbgp run --config`) against BIRD: a ToR namespace runs one
// BIRD with a protocol per link (a, b, c, d); the node runs podbgp with peers a, b and c. Each
// step rewrites the config file, sends SIGHUP and checks, on BIRD's side (`show protocols all`:
// the Since time, with millisecond resolution) and in podbgp's own counters (`podbgp peer -o
// json`: establishedTransitions), that only the peers whose settings changed were touched:
//   1. a's hold time changes -> a is reset (new hold time negotiated); b and c stay up.
//   2. b's import policy changes -> soft reset only: b sends no OPEN again, its filtered prefix
//      leaves our RIB; a and c stay up.
//   3. c is removed (BIRD sees Cease / Peer De-configured), d is added and comes up; a, b stay up.
//   4. a broken file -> nothing changes, every session stays up, the log says why.
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { Bird, Lab, waitFor, sleep } from './lab/index.ts';
import type { BirdNeighbor } from './lab/index.ts';
import { PodbgpDaemon } from './lab/podbgp-daemon.ts';

const NAMES = ['a', 'b', 'c', 'd'] as const;
type Name = (typeof NAMES)[number];
/** Link n: ToR 10.0.n.1, node 10.0.n.2. */
const torAddress = (n: Name) => `10.0.${NAMES.indexOf(n) + 1}.1`;

interface PeerDetailJson {
  address: string;
  state: string;
  holdTime: number | null;
  establishedTransitions: number;
  messages: { type: string; sent: number; received: number }[];
  lastNotification: { direction: string; code: number; subcode: number; text: string } | null;
}

interface RouteJson {
  prefix: string;
  peer: string;
}

function peerConfig(n: Name, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { address: torAddress(n), asn: 65000, timers: { holdTime: 9, connectRetryTime: 1 }, ...extra };
}

const BASE = {
  asn: 65010,
  routerId: '10.0.1.2',
  originate: ['10.244.1.0/24'],
  accept: ['10.244.0.0/16'],
  kernel: { installRoutes: false },
  // Named policies default to reject: only 10.244.10.0/24 passes.
  policies: { only10: [{ match: { prefix: ['10.244.10.0/24'] }, action: 'accept' }] },
};

/** BIRD's `Since` column of `show protocols all NAME` (timeformat iso long ms). */
async function since(bird: Bird, name: Name): Promise<string> {
  const p = await bird.showProtocol(name);
  const row = p.raw.split('\n').find((l) => l.startsWith(name + ' '));
  const cols = row?.trim().split(/\s+/) ?? [];
  return `${cols[4]} ${cols[5]}`;
}

describe('e2e daemon: SIGHUP reload touches only the changed peers', function () {
  this.timeout(150_000);
  let lab: Lab | undefined;

  after(async () => {
    await lab?.destroy();
  });

  it('hold time change resets one peer, policy change soft-resets, add/remove, broken file keeps all', async () => {
    lab = await Lab.create('d-reload');
    await lab.addNode('node');
    await lab.addNode('tor');
    for (const n of NAMES) {
      const i = NAMES.indexOf(n) + 1;
      await lab.link('tor', 'node', { v4: [`10.0.${i}.1/30`, `10.0.${i}.2/30`], names: [`n${n}`, `t${n}`] });
    }
    const neighbor = (n: Name): BirdNeighbor => ({
      name: n,
      address: `10.0.${NAMES.indexOf(n) + 1}.2`,
      localAddress: torAddress(n),
      localAs: 65000,
      remoteAs: 65010,
    });
    const bird = await Bird.start(lab, 'tor', {
      routerId: '10.0.1.1',
      neighbors: NAMES.map(neighbor),
      staticRoutes: [{ prefix: '10.244.10.0/24' }, { prefix: '10.244.11.0/24' }],
      extra: 'timeformat protocol iso long ms;',
    });
    const d = await PodbgpDaemon.start(lab, 'node', {
      ...BASE,
      peers: [peerConfig('a'), peerConfig('b'), peerConfig('c')],
    });
    const detail = (n: Name) => d.cliJson<PeerDetailJson>(['peer', torAddress(n)]);
    const routesFrom = async (n: Name) =>
      (await d.cliJson<RouteJson[]>(['rib'])).filter((r) => r.peer === torAddress(n)).map((r) => r.prefix);

    for (const n of ['a', 'b', 'c'] as const) {
      await bird.waitEstablished(n);
      await d.waitEstablished(torAddress(n));
    }
    await waitFor(
      'both BIRD prefixes from b in podbgp RIB',
      () => routesFrom('b'),
      (p) => p.includes('10.244.10.0/24') && p.includes('10.244.11.0/24'),
    );
    const sinceBefore = { a: await since(bird, 'a'), b: await since(bird, 'b'), c: await since(bird, 'c') };
    const transitions = async () =>
      Object.fromEntries(
        await Promise.all(
          (['a', 'b', 'c'] as const).map(async (n) => [n, (await detail(n)).establishedTransitions]),
        ),
      ) as Record<'a' | 'b' | 'c', number>;
    expect(await transitions()).to.deep.equal({ a: 1, b: 1, c: 1 });

    // 1. a's hold time 9 -> 6: a is reset and comes back with hold time 6.
    d.reload({
      peers: [
        peerConfig('a', { timers: { holdTime: 6, connectRetryTime: 1 } }),
        peerConfig('b'),
        peerConfig('c'),
      ],
    });
    const a1 = await waitFor(
      'a to come back with the new hold time',
      () => detail('a'),
      (p) => p.state === 'Established' && p.holdTime === 6,
    );
    expect(a1.establishedTransitions).to.equal(2);
    await bird.waitEstablished('a');
    expect(await since(bird, 'a')).to.not.equal(sinceBefore.a);
    expect(await since(bird, 'b')).to.equal(sinceBefore.b);
    expect(await since(bird, 'c')).to.equal(sinceBefore.c);
    expect((await transitions()).b).to.equal(1);
    expect((await transitions()).c).to.equal(1);
    const sinceA = await since(bird, 'a');

    // 2. b gets import policy only10: a route refresh, not a reset; 10.244.11.0/24 from b is gone.
    const refreshBefore = (await detail('b')).messages.find((m) => m.type === 'ROUTE-REFRESH')?.sent ?? 0;
    d.reload({
      peers: [
        peerConfig('a', { timers: { holdTime: 6, connectRetryTime: 1 } }),
        peerConfig('b', { importPolicy: 'only10' }),
        peerConfig('c'),
      ],
    });
    await waitFor(
      'b import policy to filter 10.244.11.0/24',
      () => routesFrom('b'),
      (p) => p.includes('10.244.10.0/24') && !p.includes('10.244.11.0/24'),
    );
    const b2 = await detail('b');
    expect(b2.messages.find((m) => m.type === 'ROUTE-REFRESH')?.sent ?? 0).to.be.greaterThan(refreshBefore);
    expect(b2.establishedTransitions).to.equal(1);
    expect(b2.state).to.equal('Established');
    expect(await since(bird, 'a')).to.equal(sinceA);
    expect(await since(bird, 'b')).to.equal(sinceBefore.b);
    expect(await since(bird, 'c')).to.equal(sinceBefore.c);
    // c's routes were never withdrawn.
    expect(await routesFrom('c')).to.include('10.244.11.0/24');

    // 3. c removed (Cease / Peer De-configured at BIRD), d added.
    d.reload({
      peers: [
        peerConfig('a', { timers: { holdTime: 6, connectRetryTime: 1 } }),
        peerConfig('b', { importPolicy: 'only10' }),
        peerConfig('d'),
      ],
    });
    await bird.waitEstablished('d');
    await d.waitEstablished(torAddress('d'));
    const c3 = await waitFor(
      'BIRD protocol c to leave Established',
      () => bird.showProtocol('c'),
      (p) => p.bgpState !== 'Established',
    );
    expect(c3.fields['Last error']).to.match(/Peer de-configured/i);
    expect((await d.peers()).map((p) => p.address).sort()).to.deep.equal(
      [torAddress('a'), torAddress('b'), torAddress('d')].sort(),
    );
    expect(await since(bird, 'a')).to.equal(sinceA);
    expect(await since(bird, 'b')).to.equal(sinceBefore.b);

    // 4. A broken file: the running configuration stays, the log says why.
    const good = readFileSync(d.configFile, 'utf8');
    writeFileSync(d.configFile, good.replace('asn: 65010', 'asn: not-a-number'));
    d.process.signal('SIGHUP');
    const log = await waitFor(
      'the reload error in the daemon log',
      () => readFileSync(`${d.dir}/podbgp.log`, 'utf8'),
      (text) => text.includes('configuration not reloaded'),
    );
    const line = log.split('\n').find((l) => l.includes('configuration not reloaded')) ?? '';
    expect(line).to.contain('asn');
    expect(line).to.contain('not-a-number');
    await sleep(1000);
    expect(d.process.running).to.equal(true);
    const after = await d.peers();
    expect(after.map((p) => [p.address, p.state]).sort()).to.deep.equal(
      [
        [torAddress('a'), 'Established'],
        [torAddress('b'), 'Established'],
        [torAddress('d'), 'Established'],
      ].sort(),
    );
    expect(await since(bird, 'a')).to.equal(sinceA);
    expect(await since(bird, 'b')).to.equal(sinceBefore.b);
    expect((await detail('a')).establishedTransitions).to.equal(2);
    expect((await detail('b')).establishedTransitions).to.equal(1);
  });
});
