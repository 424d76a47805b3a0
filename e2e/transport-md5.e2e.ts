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
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setns } from '../sys/libc.ts';
import { ConnectError, connectTo } from '../bgp/transport/connector.ts';
import { BgpListener } from '../bgp/transport/listener.ts';

const KEY = 'pod-md5-key';
const CLONE_NEWNET = 0x40000000;

/** Namespaces, BIRD processes and files this run created; cleanup() removes them all. */
class MiniLab {
  readonly prefix = `pbmd5${randomBytes(3).toString('hex')}`;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podbgp-md5-'));
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

  /** zebra then bgpd from FRR, with private paths in a directory FRR's own user can write. */
  frr(ns: string, bgpdConfig: string): string {
    const dir = path.join(this.dir, 'frr');
    fs.chmodSync(this.dir, 0o711); // FRR drops to its own user, which must reach `dir`
    fs.mkdirSync(dir, { mode: 0o777 });
    fs.chmodSync(dir, 0o777);
    fs.writeFileSync(path.join(dir, 'zebra.conf'), 'hostname zebra\n');
    fs.writeFileSync(path.join(dir, 'bgpd.conf'), bgpdConfig);
    for (const daemon of ['zebra', 'bgpd']) {
      const args = ['-f', path.join(dir, `${daemon}.conf`), '-z', path.join(dir, 'zserv.api')];
      args.push('--vty_socket', dir, '-i', path.join(dir, `${daemon}.pid`));
      const child = spawn('ip', ['netns', 'exec', ns, `/usr/lib/frr/${daemon}`, ...args], {
        stdio: 'ignore',
      });
      if (child.pid !== undefined) this.pids.push(child.pid);
    }
    return dir;
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

  /** Waits until `ns` has a TCP socket listening on `port` (daemons take a moment to start). */
  async waitListening(ns: string, port: number, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const out = execFileSync('ip', ['netns', 'exec', ns, 'ss', '-Hltn', `sport = :${port}`], {
        encoding: 'utf8',
      });
      if (out.trim() !== '') return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`nothing listens on port ${port} in ${ns} after ${ms} ms`);
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

function birdConfig(): string {
  return `
router id 10.31.0.2;
protocol device {}
template bgp pod {
  local 10.31.0.2 as 65002;
  password "${KEY}";
  connect delay time 1;
  connect retry time 2;
  hold time 90;
  ipv4 { import none; export none; };
}
protocol bgp to_us from pod { neighbor 10.31.0.1 as 65001; passive on; }
protocol bgp from_us from pod { neighbor 10.31.0.3 as 65001; }
protocol bgp wrong_key from pod { neighbor 10.31.0.4 as 65001; password "bird-has-another-key"; }
`;
}

describe('e2e: TCP MD5 with BIRD', function () {
  this.timeout(60000);
  const lab = new MiniLab();
  let pod = '';
  let birdCtl = '';
  let listener: BgpListener | undefined;
  const accepted: { socket: net.Socket; peerAddress: string; localAddress: string }[] = [];
  const sockets: net.Socket[] = [];

  before(async () => {
    pod = lab.ns('pod');
    const bird = lab.ns('bird');
    lab.veth(pod, 'p0', bird, 'b0');
    for (const a of ['10.31.0.1/24', '10.31.0.3/24', '10.31.0.4/24']) lab.ip(pod, `addr add ${a} dev p0`);
    lab.ip(bird, 'addr add 10.31.0.2/24 dev b0');
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
    birdCtl = lab.bird(bird, birdConfig());
  });

  after(() => {
    listener?.close();
    for (const s of sockets) s.destroy();
    lab.cleanup();
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
      await new Promise((r) => setTimeout(r, 200));
    }
    const conn = accepted.find((a) => a.localAddress === '10.31.0.3');
    expect(conn, 'BIRD connected to 10.31.0.3').to.not.equal(undefined);
    expect(conn!.peerAddress).to.equal('10.31.0.2');
    expectOpenHeader(await readBytes(conn!.socket, 19, 10000));
  });

  it('never accepts BIRD when its key differs from ours', async () => {
    // BIRD's wrong_key protocol dials 10.31.0.4 signing with another password; our key for
    // 10.31.0.2 makes the kernel drop those SYNs, so across BIRD's retries nothing is accepted.
    await new Promise((r) => setTimeout(r, 6000));
    expect(accepted.filter((a) => a.localAddress === '10.31.0.4')).to.have.length(0);
    const state = execFileSync('birdc', ['-s', birdCtl, 'show', 'protocols', 'wrong_key'], {
      encoding: 'utf8',
    });
    expect(state).to.not.match(/Established/);
  });
});

describe('e2e: TCP MD5 with FRR', function () {
  this.timeout(60000);
  const lab = new MiniLab();
  const sockets: net.Socket[] = [];
  let pod = '';

  before(async () => {
    pod = lab.ns('pod');
    const frr = lab.ns('frr');
    lab.veth(pod, 'p1', frr, 'f0');
    lab.ip(pod, 'addr add 10.31.1.1/24 dev p1');
    lab.ip(frr, 'addr add 10.31.1.2/24 dev f0');
    lab.frr(
      frr,
      [
        'router bgp 65003',
        ' bgp router-id 10.31.1.2',
        ' no bgp ebgp-requires-policy',
        ' neighbor 10.31.1.1 remote-as 65001',
        ` neighbor 10.31.1.1 password ${KEY}`,
        ' neighbor 10.31.1.1 passive',
        '',
      ].join('\n'),
    );
    await lab.waitListening(frr, 179, 15000);
  });

  after(() => {
    for (const s of sockets) s.destroy();
    lab.cleanup();
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
