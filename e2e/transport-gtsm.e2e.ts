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
// Helpers are duplicated from transport-md5.e2e.ts on purpose: each e2e file stands alone until
// the shared e2e/lab library lands.
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setns } from '../sys/libc.ts';
import { ConnectError, connectTo } from '../bgp/transport/connector.ts';
import { BgpListener } from '../bgp/transport/listener.ts';

const CLONE_NEWNET = 0x40000000;

/** Namespaces, BIRD processes and files this run created; cleanup() removes them all. */
class MiniLab {
  readonly prefix = `pbgtsm${randomBytes(3).toString('hex')}`;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podbgp-gtsm-'));
  readonly namespaces: string[] = [];
  readonly pids: number[] = [];

  ns(suffix: string): string {
    const name = `${this.prefix}-${suffix}`;
    execFileSync('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    this.ip(name, 'link set lo up');
    return name;
  }

  ip(ns: string, args: string): string {
    return execFileSync('ip', ['-n', ns, ...args.split(' ')], { encoding: 'utf8' });
  }

  /** A veth pair with one end in each namespace (created inside `a`, so the host never sees it). */
  veth(a: string, ifA: string, b: string, ifB: string): void {
    this.ip(a, `link add ${ifA} type veth peer name ${ifB} netns ${b}`);
    this.ip(a, `link set ${ifA} up`);
    this.ip(b, `link set ${ifB} up`);
  }

  bird(ns: string, config: string): string {
    const conf = path.join(this.dir, 'bird.conf');
    const ctl = path.join(this.dir, 'bird.ctl');
    fs.writeFileSync(conf, config);
    execFileSync('bird', ['-p', '-c', conf]);
    // `ip netns exec` execs bird in place, so the PID we record is BIRD's own.
    const child = spawn(
      'ip',
      ['netns', 'exec', ns, 'bird', '-f', '-c', conf, '-s', ctl, '-P', path.join(this.dir, 'bird.pid')],
      {
        stdio: 'ignore',
      },
    );
    if (child.pid !== undefined) this.pids.push(child.pid);
    return ctl;
  }

  cleanup(): void {
    for (const pid of this.pids.splice(0)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    for (const ns of this.namespaces.splice(0)) {
      try {
        execFileSync('ip', ['netns', 'del', ns]);
      } catch {
        // keep deleting the others
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Runs `create` with this thread in namespace `ns`: sockets made meanwhile belong to it for life.
 * Node creates a listening socket one tick after listen() (an IP literal still passes through its
 * lookup step), so async creators are awaited before switching back.
 */
async function inNetns<T>(ns: string, create: () => Promise<T>): Promise<T> {
  const home = fs.openSync('/proc/thread-self/ns/net', 'r');
  const target = fs.openSync(`/run/netns/${ns}`, 'r');
  try {
    setns(target, CLONE_NEWNET);
    return await create();
  } finally {
    setns(home, CLONE_NEWNET);
    fs.closeSync(target);
    fs.closeSync(home);
  }
}

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

const BIRD_CONFIG = `
router id 10.32.1.2;
protocol device {}
protocol kernel { ipv4 { import none; export none; }; learn; }
template bgp gtsm {
  local as 65002;
  passive on;
  ttl security on;
  ipv4 { import none; export none; };
}
protocol bgp near from gtsm { neighbor 10.32.1.1 as 65001; }
protocol bgp far1 from gtsm { neighbor 10.32.3.2 as 65001; multihop 1; }
protocol bgp far2 from gtsm { neighbor 10.32.3.3 as 65001; multihop 2; }
`;

describe('e2e: GTSM (TTL security) with BIRD and on our listener', function () {
  this.timeout(60000);
  const lab = new MiniLab();
  const sockets: net.Socket[] = [];
  let pod = '';
  let bird = '';
  let router = '';
  let far = '';
  let listener: BgpListener | undefined;

  before(() => {
    pod = lab.ns('pod');
    bird = lab.ns('bird');
    router = lab.ns('rtr');
    far = lab.ns('far');
    lab.veth(pod, 'p0', bird, 'b0');
    lab.veth(bird, 'b1', router, 'r0');
    lab.veth(router, 'r1', far, 'f0');
    lab.ip(pod, 'addr add 10.32.1.1/24 dev p0');
    lab.ip(bird, 'addr add 10.32.1.2/24 dev b0');
    lab.ip(bird, 'addr add 10.32.2.2/24 dev b1');
    lab.ip(router, 'addr add 10.32.2.1/24 dev r0');
    lab.ip(router, 'addr add 10.32.3.1/24 dev r1');
    lab.ip(far, 'addr add 10.32.3.2/24 dev f0');
    lab.ip(far, 'addr add 10.32.3.3/24 dev f0');
    lab.ip(bird, 'route add 10.32.3.0/24 via 10.32.2.1');
    lab.ip(far, 'route add default via 10.32.3.1');
    lab.ip(router, 'route add 10.32.1.0/24 via 10.32.2.2');
    execFileSync('ip', ['netns', 'exec', router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    lab.bird(bird, BIRD_CONFIG);
  });

  after(() => {
    listener?.close();
    for (const s of sockets) s.destroy();
    lab.cleanup();
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
      await new Promise((r) => setTimeout(r, 500));
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
    await new Promise((r) => setTimeout(r, 100));
    expect(accepted).to.deep.equal(['10.32.3.1']);
  });
});
