// Connection collision (RFC 4271 §6.8) between podbgp and a real BIRD 2, both active, for both
// orders of the BGP Identifiers. Lab: pod (10.0.6.1) --- peer (10.0.6.2, BIRD, AS 65002).
// How both connections come to exist: on this machine a TCP handshake takes microseconds, so two
// daemons that merely start together almost never collide. Instead:
//   1. BIRD's protocol is enabled (birdc enable): it waits its `connect delay time` (1 s) before
//      connecting, and accepts incoming connections meanwhile;
//   2. podbgp starts the peer: its SYN goes out, BIRD accepts that connection and sends its OPEN;
//   3. podbgp's event loop is then held for 2.5 s (the podbgp SessionManager runs in this process).
//      The kernel still completes handshakes, so BIRD's own connection (after its delay) is
//      accepted into our listen backlog and BIRD sends its OPEN there too;
//   4. released, podbgp finds two connections, each with an OPEN waiting: a collision on both sides.
// Asserted on both sides: exactly one session survives, the connection initiated by the speaker
// with the higher BGP Identifier; the other was closed with Cease / Connection Collision
// Resolution (6/7). podbgp's view: its Session, log and NOTIFICATIONs; BIRD's view: its protocol
// state and, as an independent oracle, the kernel's TCP sockets in BIRD's namespace (`ss`): the
// one BGP connection left has local port 179 at BIRD when podbgp initiated it.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import { checkConfig } from '../config/schema.ts';
import type { SessionMessage } from '../bgp/session/messages.ts';
import { SessionManager } from '../bgp/session/manager.ts';
import { connectTo } from '../bgp/transport/connector.ts';
import type { ConnectOptions } from '../bgp/transport/connector.ts';
import { Bird, Lab, sleep, waitFor } from './lab/index.ts';
import { inNetns, inNetnsSync } from './lab/podbgp.ts';
import { createPodPeerLab } from './lab/session-lab.ts';

/** Blocks this thread (and so podbgp's event loop) for ms; the kernel keeps accepting meanwhile. */
function holdEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

interface Outcome {
  readonly podDirection: 'outgoing' | 'incoming';
  readonly birdSockets: { local: string; peer: string }[];
  readonly log: string[];
  readonly messages: SessionMessage[];
  /** BIRD's own log (states and events of the protocol). */
  readonly birdLog: string;
}

async function collide(lab: Lab, podId: string, birdId: string, run: string): Promise<Outcome> {
  const bird = await Bird.start(
    lab,
    'peer',
    {
      routerId: birdId,
      neighbors: [
        {
          name: 'pod',
          address: '10.0.6.1',
          remoteAs: 65001,
          localAs: 65002,
          extra: ['disabled;', 'connect delay time 1;', 'debug { states, events };'],
        },
      ],
      extra: 'log stderr all;',
    },
    `bird-${run}`,
  );
  const ns = lab.ns('pod');
  const log: string[] = [];
  const messages: SessionMessage[] = [];
  let holds = 0;
  const manager = new SessionManager({
    local: { asn: 65001, routerId: podId },
    listen: { addresses: ['10.0.6.1'], port: 179 },
    connect: (o: ConnectOptions): Promise<net.Socket> => {
      const p = inNetnsSync(ns, () => connectTo(o));
      // Only the first attempt. Node sends the SYN on the next tick (net.Socket.connect defers
      // internalConnect with process.nextTick), so the hold is queued behind it.
      if (holds++ === 0) process.nextTick(() => holdEventLoop(2500));
      return p;
    },
    log: (level, text, peer) => log.push(`${level} ${peer}: ${text}`),
  });
  manager.subscribe((m) => messages.push(m));
  try {
    await inNetns(ns, () => manager.start());
    await bird.birdc('enable', 'pod');
    // BIRD opens its listening socket when the protocol starts; our SYN must find it.
    await waitFor(
      'BIRD listening on port 179',
      async () => (await lab.execOk('peer', ['ss', '-ltnH', '( sport = :179 )'])).stdout,
      (out) => out.includes(':179'),
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    manager.addPeer(
      checkConfig(
        {
          asn: 1,
          routerId: '9.9.9.9',
          peers: [
            {
              address: '10.0.6.2',
              asn: 65002,
              families: ['ipv4-unicast'],
              // Longer than the hold (ConnectRetryTimer >= 0.75 x 5 s with jitter): an expiry
              // during the hold would drop our connection attempt and start another.
              timers: { holdTime: 9, connectRetryTime: 5 },
            },
          ],
        },
        '',
      ).peers[0]!,
    );
    const session = manager.session('10.0.6.2')!;
    await waitFor(
      'podbgp Established',
      () => session.state,
      (s) => s === 'Established',
      {
        timeoutMs: 20_000,
        intervalMs: 50,
      },
    );
    await bird.waitEstablished('pod', { timeoutMs: 20_000 });
    // Let any loser finish closing, then look at both sides.
    await sleep(1500);
    expect(session.state).to.equal('Established');
    expect(session.secondary, 'one connection left at podbgp').to.equal(null);
    expect((await bird.showProtocol('pod')).bgpState).to.equal('Established');
    const ss = await lab.execOk('peer', [
      'ss',
      '-tnH',
      'state',
      'established',
      '( sport = :179 or dport = :179 )',
    ]);
    const birdSockets = ss.stdout
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const cols = l.trim().split(/\s+/);
        return { local: cols.at(-2)!, peer: cols.at(-1)! };
      });
    const birdLog = readFileSync(bird.process.logFile, 'utf8');
    return { podDirection: session.primary.direction, birdSockets, log, messages, birdLog };
  } finally {
    manager.destroy();
    await bird.stop();
  }
}

function clean(o: Outcome): boolean {
  const ups = o.messages.filter((m) => m.kind === 'peer-up').length;
  const other = o.messages.filter((m) => m.kind === 'notification' && !(m.code === 6 && m.subcode === 7));
  return ups === 1 && other.length === 0;
}

describe('e2e session: connection collision with BIRD (RFC 4271 §6.8)', function () {
  this.timeout(120_000);
  let lab: Lab | undefined;

  before(async () => {
    ({ lab } = await createPodPeerLab('sess-coll', { v4: ['10.0.6.1/24', '10.0.6.2/24'] }));
  });

  after(async () => {
    await lab?.destroy();
  });

  const cases = [
    { podId: '10.0.6.1', birdId: '10.0.6.2', winner: 'BIRD' },
    { podId: '10.0.6.201', birdId: '10.0.6.2', winner: 'podbgp' },
  ] as const;
  for (const [i, c] of cases.entries()) {
    it(`podbgp ${c.podId} vs BIRD ${c.birdId}: only the connection ${c.winner} initiated survives, the other gets Cease 6/7`, async () => {
      // A run is clean when the collision was resolved with no session lost. Not clean: BIRD got
      // our OPEN and KEEPALIVE on one connection and went Established there before it read our
      // OPEN on the other, while podbgp (that connection still in OpenConfirm on its side) kept the
      // other by the BGP Identifier rule; each side then closes the connection the other kept,
      // both are lost and a new session is made afterwards. RFC 4271 §6.8 allows both readings,
      // so that race is retried, at most 3 runs.
      let o = await collide(lab!, c.podId, c.birdId, `${i}-0`);
      for (let run = 1; run < 3 && !clean(o); run++)
        o = await collide(lab!, c.podId, c.birdId, `${i}-${run}`);
      const keptOurs = c.winner === 'podbgp';
      // Whichever side read the second OPEN first resolved the collision. podbgp's log then names
      // the rule it applied: the BGP Identifiers, or (when one connection got to Established before
      // the other's OPEN was read) "the new connection is closed"; otherwise BIRD resolved it and
      // podbgp received the Cease. Either way both sides must end with the same one connection.
      const ceases = o.messages.filter(
        (m): m is Extract<SessionMessage, { kind: 'notification' }> =>
          m.kind === 'notification' && m.code === 6 && m.subcode === 7,
      );
      const detail = `${o.log.join('\n')}\n${o.birdLog}`;
      expect(
        ceases.length,
        `a Cease / Connection Collision Resolution was sent or received\n${detail}`,
      ).to.be.greaterThan(0);
      const byId = o.log.find((l) => l.includes('connection collision: BGP Identifier'));
      if (byId !== undefined) expect(byId).to.contain(keptOurs ? 'initiated by us' : 'initiated by the peer');
      expect(o.podDirection, detail).to.equal(keptOurs ? 'outgoing' : 'incoming');
      expect(clean(o), `a clean collision within 3 runs\n${detail}`).to.equal(true);
      expect(o.messages.filter((m) => m.kind === 'peer-up')).to.have.length(1);
      expect(o.messages.filter((m) => m.kind === 'peer-down')).to.have.length(0);
      // BIRD's kernel: exactly one BGP connection; port 179 is on the side that accepted it.
      expect(o.birdSockets, JSON.stringify(o.birdSockets)).to.have.length(1);
      const birdAccepted = o.birdSockets[0]!.local.endsWith(':179');
      expect(birdAccepted, 'BIRD accepted the surviving connection').to.equal(keptOurs);
    });
  }
});
