// GTSM (RFC 5082) between podbgp's transport and a real BIRD 2, and on podbgp's own listener,
// in network namespaces. Lab (IPv4):
//   pod (10.32.1.1) --- bird (10.32.1.2 | 10.32.2.2) --- router (10.32.2.1 | 10.32.3.1) --- far (10.32.3.2, .3)
// router forwards; every hop through it lowers the TTL by one. Our sockets are created in the
// namespace they belong to by switching this thread's network namespace with setns(2).
// BIRD (all passive, `ttl security on`, so it sends TTL 255 and sets a minimum TTL):
//   near  neighbor 10.32.1.1, directly connected: minimum 255
//   far1  neighbor 10.32.3.2, multihop 1: minimum 255, but the peer is two hops away -> refused
//   far2  neighbor 10.32.3.3, multihop 2: minimum 254 -> the same path is accepted (the control)
// Our listener in "far" with minTtl 255 accepts the router (one hop) and refuses bird (two hops).
import { expect } from 'chai';
import type net from 'node:net';
import { ConnectError, connectTo } from '../bgp/transport/connector.ts';
import { BgpListener } from '../bgp/transport/listener.ts';
import { Bird, Lab, sleep } from './lab/index.ts';
import type { BirdNeighbor } from './lab/index.ts';
import { inNetns } from './lab/podbgp.ts';

/** Buffers what a socket receives so messages can be read one after another with a deadline. */
class Received {
  #buffer = Buffer.alloc(0);
  #wake: (() => void) | null = null;

  constructor(socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake?.();
    });
  }

  /** The next `n` bytes, or null if they did not all arrive within `ms`. */
  async take(n: number, ms: number): Promise<Buffer | null> {
    const deadline = Date.now() + ms;
    while (this.#buffer.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
    const out = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    return out;
  }
}

/**
 * An OPEN written by hand from RFC 4271 §4.1/§4.2: marker (16 x 0xff), length 29, type 1,
 * version 4, My AS 65001 (0xfde9), Hold Time 90 (0x005a), the BGP Identifier, no optional
 * parameters.
 */
function handWrittenOpen(bgpId: string): Buffer {
  const id = bgpId.split('.').map(Number);
  return Buffer.from([
    ...new Array<number>(16).fill(0xff),
    0x00,
    0x1d,
    0x01,
    0x04,
    0xfd,
    0xe9,
    0x00,
    0x5a,
    ...id,
    0x00,
  ]);
}

/**
 * Connects, reads BIRD's OPEN, sends ours and reports how far the exchange got: 'keepalive'
 * means BIRD received our OPEN and answered (RFC 4271 §6.2: a KEEPALIVE follows an acceptable
 * OPEN), so both directions passed its TTL check. Anything else says where it stopped.
 */
async function exchangeOpens(
  ns: string,
  opts: Parameters<typeof connectTo>[0],
  bgpId: string,
  sockets: net.Socket[],
): Promise<string> {
  let socket: net.Socket;
  try {
    socket = await inNetns(ns, () => connectTo(opts));
  } catch (err) {
    if (err instanceof ConnectError) return `connect ${err.reason}`;
    throw err;
  }
  sockets.push(socket);
  socket.on('error', () => {});
  const received = new Received(socket);
  const header = await received.take(19, 5000);
  if (!header) return 'no OPEN from BIRD';
  expect(header.subarray(0, 16).equals(Buffer.alloc(16, 0xff)), 'marker').to.equal(true);
  expect(header[18], "type of BIRD's first message").to.equal(1);
  await received.take(header.readUInt16BE(16) - 19, 5000);
  socket.write(handWrittenOpen(bgpId));
  const next = await received.take(19, 5000);
  if (!next) return 'OPEN from BIRD, but no answer to ours';
  if (next[18] === 4) return 'keepalive';
  const rest = await received.take(2, 1000);
  return next[18] === 3 && rest ? `notification ${rest[0]}/${rest[1]}` : `message type ${next[18]}`;
}

/** BIRD's protocols near, far1 and far2 (see the header): all passive with `ttl security on`. */
function birdNeighbors(): BirdNeighbor[] {
  const gtsm = {
    remoteAs: 65001,
    localAs: 65002,
    passive: true,
    ttlSecurity: true,
    families: ['ipv4'] as const,
  };
  return [
    { ...gtsm, name: 'near', address: '10.32.1.1' },
    { ...gtsm, name: 'far1', address: '10.32.3.2', extra: ['multihop 1;'] },
    { ...gtsm, name: 'far2', address: '10.32.3.3', extra: ['multihop 2;'] },
  ];
}

describe('e2e: GTSM (TTL security) with BIRD and on our listener', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  const sockets: net.Socket[] = [];
  let pod = '';
  let bird = '';
  let router = '';
  let far = '';
  let listener: BgpListener | undefined;

  before(async () => {
    lab = await Lab.create('gtsm');
    pod = await lab.addNode('pod');
    bird = await lab.addNode('bird');
    router = await lab.addNode('rtr', { forwarding: true });
    far = await lab.addNode('far');
    await lab.link('pod', 'bird', { v4: ['10.32.1.1/24', '10.32.1.2/24'], names: ['p0', 'b0'] });
    await lab.link('bird', 'rtr', { v4: ['10.32.2.2/24', '10.32.2.1/24'], names: ['b1', 'r0'] });
    await lab.link('rtr', 'far', { v4: ['10.32.3.1/24', '10.32.3.2/24'], names: ['r1', 'f0'] });
    await lab.addAddress('far', 'f0', '10.32.3.3/24');
    await lab.execOk('bird', ['ip', 'route', 'add', '10.32.3.0/24', 'via', '10.32.2.1']);
    await lab.execOk('far', ['ip', 'route', 'add', 'default', 'via', '10.32.3.1']);
    await lab.execOk('rtr', ['ip', 'route', 'add', '10.32.1.0/24', 'via', '10.32.2.2']);
    await Bird.start(lab, 'bird', {
      routerId: '10.32.1.2',
      neighbors: birdNeighbors(),
      extra: 'protocol kernel { ipv4 { import none; export none; }; learn; }',
    });
  });

  after(async () => {
    listener?.close();
    for (const s of sockets) s.destroy();
    await lab?.destroy();
  });

  it('BIRD accepts our directly connected GTSM connection (TTL 255 both ways): OPENs are exchanged', async () => {
    // BIRD needs a moment to open its listening socket.
    let result = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      result = await exchangeOpens(
        pod,
        { peer: '10.32.1.2', ttlSecurity: 1, timeoutMs: 3000 },
        '10.32.1.1',
        sockets,
      );
      if (result !== 'connect refused') break;
      await sleep(500);
    }
    expect(result).to.equal('keepalive');
  });

  it('BIRD refuses the same from one hop further away, and accepts it where two hops are allowed', async () => {
    // far1 allows 1 hop (minimum TTL 255); our segments arrive with 254 and are dropped, so BIRD
    // never sees our OPEN. Which step stops depends on where BIRD applies the minimum.
    const refused = await exchangeOpens(
      far,
      { peer: '10.32.1.2', localAddress: '10.32.3.2', ttl: 255, timeoutMs: 3000 },
      '10.32.3.2',
      sockets,
    );
    expect(refused).to.be.oneOf([
      'connect timeout',
      'no OPEN from BIRD',
      'OPEN from BIRD, but no answer to ours',
    ]);
    // far2 allows 2 hops (minimum 254): the same path works, so the refusal above was GTSM's.
    const allowed = await exchangeOpens(
      far,
      { peer: '10.32.1.2', localAddress: '10.32.3.3', ttlSecurity: 2, timeoutMs: 3000 },
      '10.32.3.3',
      sockets,
    );
    expect(allowed).to.equal('keepalive');
  });

  it('our listener with minimum TTL 255 accepts a neighbour one hop away and refuses one two hops away', async () => {
    const accepted: string[] = [];
    listener = await inNetns(far, async () => {
      const l = new BgpListener({
        addresses: ['10.32.3.2'],
        port: 1790,
        minTtl: 255,
        isConfiguredPeer: () => true,
        onConnection: (socket, peerAddress) => {
          sockets.push(socket);
          accepted.push(peerAddress);
        },
      });
      await l.start();
      return l;
    });
    const near = await inNetns(router, () =>
      connectTo({ peer: '10.32.3.2', port: 1790, ttl: 255, timeoutMs: 3000 }),
    );
    sockets.push(near);
    let failure: unknown;
    try {
      sockets.push(
        await inNetns(bird, () => connectTo({ peer: '10.32.3.2', port: 1790, ttl: 255, timeoutMs: 2000 })),
      );
    } catch (err) {
      failure = err;
    }
    expect(failure).to.be.instanceOf(ConnectError);
    expect((failure as ConnectError).reason).to.equal('timeout');
    await sleep(100);
    expect(accepted).to.deep.equal(['10.32.3.1']);
  });
});
