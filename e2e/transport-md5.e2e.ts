// TCP MD5 (RFC 2385) between podbgp's transport and a real BIRD 2 in network namespaces.
// Lab: namespace "pod" (our side, 10.31.0.1 and .3 and .4 on veth p0) <-> namespace "bird"
// (10.31.0.2 on b0). Our sockets are created inside "pod" by switching this thread's network
// namespace with setns(2) around their creation. BIRD has three protocols:
//   to_us     passive, neighbor 10.31.0.1, password "pod-md5-key": we connect to it
//   from_us   active,  neighbor 10.31.0.3, password "pod-md5-key": it connects to our listener
//   wrong_key active,  neighbor 10.31.0.4, another password: our listener holds pod-md5-key
// Checked: the right key gives a TCP connection on which BIRD sends its OPEN (marker + type 1),
// in both directions; a wrong key never yields a connection and our own timeout fires.
import { expect } from 'chai';
import type net from 'node:net';
import { ConnectError, connectTo } from '../bgp/transport/connector.ts';
import { BgpListener } from '../bgp/transport/listener.ts';
import { Bird, Frr, Lab, sleep, waitFor } from './lab/index.ts';
import type { BirdConfig } from './lab/index.ts';
import { inNetns } from './lab/podbgp.ts';

const KEY = 'pod-md5-key';

/** Resolves with the first `n` bytes the socket receives, or rejects after `ms`. */
function readBytes(socket: net.Socket, n: number, ms: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${n} bytes within ${ms} ms`)), ms);
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= n) {
        clearTimeout(timer);
        resolve(got.subarray(0, n));
      }
    });
  });
}

/** RFC 4271 §4.1: 16 marker octets of all ones, the length, then type 1 = OPEN. */
function expectOpenHeader(header: Buffer): void {
  expect(header.subarray(0, 16).equals(Buffer.alloc(16, 0xff)), 'marker').to.equal(true);
  expect(header.readUInt16BE(16)).to.be.within(29, 4096);
  expect(header[18], 'type').to.equal(1);
}

/** BIRD's side: one protocol per case in the header, all signing with a password. */
function birdNeighbors(): BirdConfig['neighbors'] {
  const common = {
    remoteAs: 65001,
    localAs: 65002,
    localAddress: '10.31.0.2',
    password: KEY,
    connectRetryTime: 2,
    extra: ['connect delay time 1;'],
  };
  return [
    { ...common, name: 'to_us', address: '10.31.0.1', passive: true },
    { ...common, name: 'from_us', address: '10.31.0.3' },
    { ...common, name: 'wrong_key', address: '10.31.0.4', password: 'bird-has-another-key' },
  ];
}

describe('e2e: TCP MD5 with BIRD', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  let pod = '';
  let bird: Bird | undefined;
  let listener: BgpListener | undefined;
  const accepted: { socket: net.Socket; peerAddress: string; localAddress: string }[] = [];
  const sockets: net.Socket[] = [];

  before(async () => {
    lab = await Lab.create('md5-bird');
    pod = await lab.addNode('pod');
    await lab.addNode('bird');
    const link = await lab.link('pod', 'bird', { v4: ['10.31.0.1/24', '10.31.0.2/24'], names: ['p0', 'b0'] });
    for (const a of ['10.31.0.3/24', '10.31.0.4/24']) await lab.addAddress('pod', link.ifA, a);
    // Our listener comes up before BIRD, so BIRD's first connect attempts already find it.
    listener = await inNetns(pod, async () => {
      const l = new BgpListener({
        addresses: ['10.31.0.3', '10.31.0.4'],
        isConfiguredPeer: (a) => a === '10.31.0.2',
        onConnection: (socket, peerAddress, localAddress) => {
          sockets.push(socket);
          accepted.push({ socket, peerAddress, localAddress });
        },
      });
      await l.start();
      return l;
    });
    listener.setPeerKey('10.31.0.2', KEY);
    bird = await Bird.start(lab, 'bird', { routerId: '10.31.0.2', neighbors: birdNeighbors() });
  });

  after(async () => {
    listener?.close();
    for (const s of sockets) s.destroy();
    await lab?.destroy();
  });

  it('connects to BIRD with the right key and receives its OPEN', async () => {
    const socket = await inNetns(pod, () =>
      connectTo({ peer: '10.31.0.2', localAddress: '10.31.0.1', md5Key: KEY, timeoutMs: 10000 }),
    );
    sockets.push(socket);
    expectOpenHeader(await readBytes(socket, 19, 10000));
  });

  it('never gets a TCP connection to BIRD with a wrong key: our timeout fires', async () => {
    const started = Date.now();
    let failure: unknown;
    try {
      sockets.push(
        await inNetns(pod, () =>
          connectTo({ peer: '10.31.0.2', localAddress: '10.31.0.1', md5Key: 'not-the-key', timeoutMs: 3000 }),
        ),
      );
    } catch (err) {
      failure = err;
    }
    expect(failure).to.be.instanceOf(ConnectError);
    expect((failure as ConnectError).reason).to.equal('timeout');
    expect(Date.now() - started).to.be.within(2900, 6000);
  });

  it('accepts BIRD connecting to our listener with the key and reads its OPEN', async () => {
    const deadline = Date.now() + 20000;
    while (!accepted.some((a) => a.localAddress === '10.31.0.3') && Date.now() < deadline) {
      await sleep(200);
    }
    const conn = accepted.find((a) => a.localAddress === '10.31.0.3');
    expect(conn, 'BIRD connected to 10.31.0.3').to.not.equal(undefined);
    expect(conn!.peerAddress).to.equal('10.31.0.2');
    expectOpenHeader(await readBytes(conn!.socket, 19, 10000));
  });

  it('never accepts BIRD when its key differs from ours', async () => {
    // BIRD's wrong_key protocol dials 10.31.0.4 signing with another password; our key for
    // 10.31.0.2 makes the kernel drop those SYNs, so across BIRD's retries nothing is accepted.
    await sleep(6000);
    expect(accepted.filter((a) => a.localAddress === '10.31.0.4')).to.have.length(0);
    const state = await bird!.birdc('show', 'protocols', 'wrong_key');
    expect(state).to.not.match(/Established/);
  });
});

describe('e2e: TCP MD5 with FRR', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  const sockets: net.Socket[] = [];
  let pod = '';

  before(async () => {
    lab = await Lab.create('md5-frr');
    pod = await lab.addNode('pod');
    await lab.addNode('frr');
    await lab.link('pod', 'frr', { v4: ['10.31.1.1/24', '10.31.1.2/24'], names: ['p1', 'f0'] });
    await Frr.start(lab, 'frr', {
      asn: 65003,
      routerId: '10.31.1.2',
      neighbors: [{ address: '10.31.1.1', remoteAs: 65001, password: KEY, passive: true }],
    });
    await waitFor(
      'FRR to listen on port 179',
      async () => (await lab!.execOk('frr', ['ss', '-Hltn', 'sport = :179'])).stdout,
      (out) => out.trim() !== '',
      { timeoutMs: 15000 },
    );
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await lab?.destroy();
  });

  it('connects to FRR with the right key and receives its OPEN', async () => {
    const socket = await inNetns(pod, () => connectTo({ peer: '10.31.1.2', md5Key: KEY, timeoutMs: 10000 }));
    sockets.push(socket);
    expectOpenHeader(await readBytes(socket, 19, 10000));
  });

  it('never gets a TCP connection to FRR with a wrong key or none: our timeout fires', async () => {
    for (const md5Key of ['not-the-key', undefined]) {
      let failure: unknown;
      try {
        sockets.push(await inNetns(pod, () => connectTo({ peer: '10.31.1.2', md5Key, timeoutMs: 2000 })));
      } catch (err) {
        failure = err;
      }
      expect(failure, String(md5Key)).to.be.instanceOf(ConnectError);
      expect((failure as ConnectError).reason).to.equal('timeout');
    }
  });
});
