// Bad input against the real daemon (`bin/podbgp run` in namespace "node") gets a clear error
// and loses nothing. A BIRD ToR (namespace "tor") holds a session with routes in the kernel the
// whole time; a hand-written sender (a TCP client made in namespace "raw" by this test) sends
// bytes written from the RFC 4271 layouts:
//   - an attribute overrunning the path attribute field: RFC 7606 §4 treat-as-withdraw, the
//     session stays up and its route leaves the kernel;
//   - an NLRI of length /33: NOTIFICATION Update Message Error / Invalid Network Field (3/10);
//     after reconnecting, a Total Attribute Length too large: Malformed Attribute List (3/1);
//   - random bytes, a wrong marker, a too-long length: Message Header Error 1/1 and 1/2;
//   - the API socket: CLIs killed mid-request and clients that connect and close at once.
// Each NOTIFICATION is read back from the socket and decoded with bgp/wire/notification.ts; the
// daemon's log must show it decoded. After every test the daemon runs, the BIRD session has not
// flapped and BIRD's route is still in the kernel.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { connectTo } from '../bgp/transport/connector.ts';
import { decodeNotification } from '../bgp/wire/notification.ts';
import type { NotificationMessage } from '../bgp/wire/types.ts';
import { Bird, Lab, execArgv, sleep, waitFor } from './lab/index.ts';
import { PODBGP_BIN, PodbgpDaemon } from './lab/podbgp-daemon.ts';
import { inNetns } from './lab/podbgp.ts';

const TOR = '10.0.1.1';
const NODE_TOR = '10.0.1.2';
// The hand-written sender's addresses, one configured peer per fault: RFC 4271 §8.1.1
// DampPeerOscillations (an IdleHoldTimer growing with each reset) would make one peer slow to retry.
const RAW = '10.0.3.1';
const RAW_UPDATE_ERRORS = '10.0.3.3';
const RAW_GARBAGE = '10.0.3.4';
const RAW_MARKER = '10.0.3.5';
const RAW_LENGTH = '10.0.3.6';
const RAW_ALL = [RAW, RAW_UPDATE_ERRORS, RAW_GARBAGE, RAW_MARKER, RAW_LENGTH];
const NODE_RAW = '10.0.3.2';
const TOR_ROUTE = '10.244.2.0/24';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// RFC 4271 §4.1: Marker (16 octets of ones), Length (2), Type (1).
const MARKER = 'ffffffffffffffffffffffffffffffff';

// RFC 4271 §4.2 OPEN, 29 octets: Version 4, My AS 65003 (fdeb), Hold Time 9, BGP Identifier (the
// source address), Opt Parm Len 0 (no capabilities: IPv4 unicast, 2-octet AS; RFC 4760 §1, RFC 6793).
const openMessage = (bgpIdentifier: string): Buffer => {
  const id = Buffer.from(bgpIdentifier.split('.').map(Number)).toString('hex');
  return hex(`${MARKER} 001d 01  04 fdeb 0009 ${id} 00`);
};
// RFC 4271 §4.4 KEEPALIVE: the header alone, 19 octets.
const KEEPALIVE = hex(`${MARKER} 0013 04`);
// RFC 4271 §4.3 path attributes: ORIGIN IGP (40 01 01 00), AS_PATH one AS_SEQUENCE of 65003 in
// 2-octet ASNs (40 02 04 02 01 fdeb), NEXT_HOP 10.0.3.1 (40 03 04 0a000301): 18 octets.
const ATTRS = '40010100 400204 0201fdeb 400304 0a000301';
// UPDATE announcing 10.244.50.0/24 (NLRI 18 0af432): 19 + 2 + 2 + 18 + 4 = 45 octets.
const UPDATE_OK = hex(`${MARKER} 002d 02  0000 0012 ${ATTRS} 180af432`);
// The same NLRI, but a MULTI_EXIT_DISC (80 04 04) declares 4 octets with only 2 left inside the
// 23-octet attribute field. RFC 7606 §4: the attribute would exceed the Total Attribute Length,
// "treat-as-withdraw" MUST be used, the NLRI is found from the Total Attribute Length.
const UPDATE_OVERRUN = hex(`${MARKER} 0032 02  0000 0017 ${ATTRS} 800404 0000 180af432`);
// NLRI 10.244.50.0/33 (21 0af43200 00): 47 octets. RFC 4271 §6.3: NLRI syntactically incorrect ->
// UPDATE Message Error, Invalid Network Field.
const UPDATE_BAD_NLRI = hex(`${MARKER} 002f 02  0000 0012 ${ATTRS} 210af4320000`);
// Total Path Attribute Length 64 with only 18 octets in a 41-octet message. RFC 4271 §6.3: "If the
// Withdrawn Routes Length or Total Attribute Length is too large ... Malformed Attribute List."
const UPDATE_TOTAL_TOO_LARGE = hex(`${MARKER} 0029 02  0000 0040 ${ATTRS}`);
// A KEEPALIVE whose marker's last octet is fe: RFC 4271 §6.1 Connection Not Synchronized.
const BAD_MARKER = hex(`${MARKER.slice(0, 30)}fe 0013 04`);
// Length 5000 (1388) > 4096: RFC 4271 §6.1 Bad Message Length, Data = the erroneous Length field.
const TOO_LONG = hex(`${MARKER} 1388 02`);

/** A BGP speaker written by hand: sends given bytes, frames what comes back (RFC 4271 §4.1). */
class RawPeer {
  readonly socket: net.Socket;
  private buffered = Buffer.alloc(0);
  private readonly waiters: (() => void)[] = [];
  closed = false;
  private readonly keepalive: NodeJS.Timeout;

  readonly source: string;

  private constructor(socket: net.Socket, source: string) {
    this.socket = socket;
    this.source = source;
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
    // Hold time 9 s: keep podbgp's hold timer fed while a test runs.
    this.keepalive = setInterval(() => {
      if (!this.closed) socket.write(KEEPALIVE);
    }, 2000);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static async connect(lab: Lab, source: string): Promise<RawPeer> {
    const socket = await inNetns(lab.ns('raw'), () =>
      connectTo({ peer: NODE_RAW, localAddress: source, timeoutMs: 5000 }),
    );
    return new RawPeer(socket, source);
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next whole message as [type, body], or null when the connection closed first. */
  async next(timeoutMs = 10_000): Promise<{ type: number; body: Buffer } | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buffered.length >= 19) {
        expect(this.buffered.subarray(0, 16).toString('hex')).to.equal(MARKER);
        const length = this.buffered.readUInt16BE(16);
        if (this.buffered.length >= length) {
          const type = this.buffered[18]!;
          const body = this.buffered.subarray(19, length);
          this.buffered = this.buffered.subarray(length);
          return { type, body };
        }
      }
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no whole BGP message from podbgp within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Reads messages until a NOTIFICATION (type 3) and decodes it; then expects the close. */
  async notification(): Promise<NotificationMessage> {
    for (;;) {
      const m = await this.next();
      if (m === null) throw new Error('podbgp closed the connection without a NOTIFICATION');
      if (m.type === 3) {
        const n = decodeNotification(m.body);
        await waitFor(
          'podbgp to close the connection after its NOTIFICATION',
          () => this.closed,
          (c) => c,
          {
            timeoutMs: 5000,
            intervalMs: 50,
          },
        );
        return n;
      }
    }
  }

  /** OPEN and KEEPALIVE exchanged: podbgp's OPEN, then its KEEPALIVE (RFC 4271 §8.2.2 OpenConfirm). */
  async establish(): Promise<boolean> {
    this.send(openMessage(this.source));
    const open = await this.next();
    if (open === null) return false;
    expect(open.type, 'podbgp sends OPEN first').to.equal(1);
    this.send(KEEPALIVE);
    const ka = await this.next();
    if (ka === null) return false;
    expect(ka.type, 'podbgp confirms with KEEPALIVE').to.equal(4);
    return true;
  }

  close(): void {
    clearInterval(this.keepalive);
    this.socket.destroy();
  }
}

interface PeerDetailJson {
  state: string;
  establishedTransitions: number;
}

interface LogLine {
  level: string;
  message: string;
  code?: number;
  subcode?: number;
  direction?: string;
  [key: string]: unknown;
}

describe('e2e daemon: bad input gets a clear error and loses nothing', function () {
  this.timeout(90_000);
  let lab: Lab;
  let d: PodbgpDaemon;
  let torTransitions = 0;
  const raws: RawPeer[] = [];

  const detail = (a: string) => d.cliJson<PeerDetailJson>(['peer', a]);
  const logLines = (): LogLine[] =>
    readFileSync(`${d.dir}/podbgp.log`, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);

  /** Connects and establishes a session from the raw peer, retrying while podbgp holds it down. */
  const rawSession = async (source: string): Promise<RawPeer> => {
    return waitFor(
      'an Established session from the hand-written sender',
      async () => {
        const raw = await RawPeer.connect(lab, source);
        raws.push(raw);
        if (await raw.establish()) return raw;
        raw.close();
        return null;
      },
      (r) => r !== null,
      { timeoutMs: 30_000, intervalMs: 500 },
    ) as Promise<RawPeer>;
  };

  /** A connection on which podbgp has sent its OPEN, retrying while podbgp holds the peer down. */
  const acceptedConnection = async (source: string): Promise<RawPeer> => {
    return waitFor(
      'podbgp to take a connection from the hand-written sender and send its OPEN',
      async () => {
        const raw = await RawPeer.connect(lab, source);
        raws.push(raw);
        const open = await raw.next();
        if (open?.type === 1) return raw;
        raw.close();
        return null;
      },
      (r) => r !== null,
      { timeoutMs: 30_000, intervalMs: 500 },
    ) as Promise<RawPeer>;
  };

  before(async () => {
    lab = await Lab.create('bad-in');
    await lab.addNode('node');
    await lab.addNode('tor');
    await lab.addNode('raw');
    await lab.link('tor', 'node', { v4: [`${TOR}/30`, `${NODE_TOR}/30`] });
    const rawLink = await lab.link('raw', 'node', { v4: [`${RAW}/24`, `${NODE_RAW}/24`] });
    for (const a of RAW_ALL.slice(1)) await lab.addAddress('raw', rawLink.ifA, `${a}/24`);
    await Bird.start(lab, 'tor', {
      routerId: TOR,
      neighbors: [{ name: 'node', address: NODE_TOR, localAs: 65000, remoteAs: 65010 }],
      staticRoutes: [{ prefix: TOR_ROUTE }],
    });
    d = await PodbgpDaemon.start(lab, 'node', {
      asn: 65010,
      routerId: NODE_TOR,
      originate: ['10.244.1.0/24'],
      accept: ['10.244.0.0/16'],
      peers: [
        { address: TOR, asn: 65000, timers: { holdTime: 9, connectRetryTime: 1 } },
        ...RAW_ALL.map((address) => ({
          address,
          asn: 65003,
          passive: true,
          timers: { holdTime: 9, connectRetryTime: 1 },
        })),
      ],
    });
    await d.waitEstablished(TOR);
    await d.waitKernelRoute(TOR_ROUTE, (r) => r?.gateway === TOR);
    torTransitions = (await detail(TOR)).establishedTransitions;
  });

  after(async () => {
    for (const r of raws) r.close();
    await lab?.destroy();
  });

  afterEach(async () => {
    for (const r of raws.splice(0)) r.close();
    // Loses nothing: the daemon runs, its API answers, BIRD's session never flapped, its route stays.
    expect(d.process.running, 'podbgp still running').to.equal(true);
    const p = await detail(TOR);
    expect(p.state).to.equal('Established');
    expect(p.establishedTransitions, 'BIRD session transitions').to.equal(torTransitions);
    const kernel = await d.kernelRoutes();
    expect(kernel.find((r) => r.dst === TOR_ROUTE)?.gateway).to.equal(TOR);
  });

  it('an attribute overrunning the attribute field: treat-as-withdraw, the session stays up', async () => {
    const raw = await rawSession(RAW);
    await d.waitEstablished(RAW);
    const before = (await detail(RAW)).establishedTransitions;
    raw.send(UPDATE_OK);
    await d.waitKernelRoute('10.244.50.0/24', (r) => r?.gateway === RAW);
    raw.send(UPDATE_OVERRUN);
    await d.waitKernelRoute('10.244.50.0/24', (r) => r === undefined);
    expect(await d.cliJson<unknown[]>(['rib', '10.244.50.0/24'])).to.deep.equal([]);
    const p = await detail(RAW);
    expect(p.state).to.equal('Established');
    expect(p.establishedTransitions).to.equal(before);
    expect(raw.closed).to.equal(false);
    const line = logLines().find((l) => /RFC 7606/.test(l.message) && /treat-as-withdraw/.test(l.message));
    expect(line?.message, 'the log names the fault and the action').to.match(
      /MULTI_EXIT_DISC|overrun|exceed/i,
    );
    // Once: one fault, one log line.
    const faults = logLines().filter((l) => /overrun/.test(l.message));
    expect(faults.map((l) => l.message)).to.have.length(1);
  });

  it('an NLRI of length /33 and a too-large Total Attribute Length: UPDATE Message Error 3/10, 3/1', async () => {
    let raw = await rawSession(RAW_UPDATE_ERRORS);
    raw.send(UPDATE_BAD_NLRI);
    const n = await raw.notification();
    expect([n.code, n.subcode]).to.deep.equal([3, 10]);
    // Reconnects (podbgp accepts a new session) and the next fault gets its own subcode.
    raw = await rawSession(RAW_UPDATE_ERRORS);
    await d.waitEstablished(RAW_UPDATE_ERRORS);
    raw.send(UPDATE_TOTAL_TOO_LARGE);
    const m = await raw.notification();
    expect([m.code, m.subcode]).to.deep.equal([3, 1]);
    // The log shows each NOTIFICATION decoded, by name.
    const sent = logLines().filter((l) => l.direction === 'sent' && l.code === 3);
    // Each NOTIFICATION once, with code and subcode as fields.
    const named = logLines().filter((l) => /^NOTIFICATION sent: UPDATE Message Error/.test(l.message));
    expect(named.map((l) => [l.code, l.subcode])).to.deep.equal([
      [3, 10],
      [3, 1],
    ]);
    expect(sent.find((l) => l.subcode === 10)?.message).to.match(
      /Update Message Error.*Invalid Network Field/i,
    );
    expect(sent.find((l) => l.subcode === 1)?.message).to.match(/Malformed Attribute List/i);
  });

  it('random bytes, a wrong marker, a too-long length: Message Header Error, no crash', async () => {
    // A connection podbgp has taken (its OPEN arrived), then 64 random octets instead of an OPEN;
    // the first 16 are all ones with probability 2^-128.
    const garbage = await acceptedConnection(RAW_GARBAGE);
    garbage.send(randomBytes(64));
    const a = await garbage.notification();
    expect([a.code, a.subcode]).to.deep.equal([1, 1]);

    const marker = await rawSession(RAW_MARKER);
    marker.send(BAD_MARKER);
    const b = await marker.notification();
    expect([b.code, b.subcode]).to.deep.equal([1, 1]);

    const long = await rawSession(RAW_LENGTH);
    long.send(TOO_LONG);
    const c = await long.notification();
    expect([c.code, c.subcode]).to.deep.equal([1, 2]);
    expect(Buffer.from(c.data).toString('hex')).to.equal('1388');

    const sent = logLines().filter((l) => l.direction === 'sent' && l.code === 1);
    expect(sent.find((l) => l.subcode === 1)?.message).to.match(/Connection Not Synchronized/i);
    expect(sent.find((l) => l.subcode === 2)?.message).to.match(/Bad Message Length/i);
  });

  it('the API socket: CLIs killed mid-request and clients that close at once disturb nothing', async () => {
    // Clients that connect and close at once, or send a few bytes that are not HTTP/2, then vanish.
    for (let i = 0; i < 20; i++) {
      const c = net.connect(d.socket);
      c.on('error', () => {});
      if (i % 2 === 1) c.on('connect', () => c.end('PRI * HTTP/2.0\r\n\r\nnot really'));
      else c.on('connect', () => c.destroy());
    }
    // CLIs killed (SIGKILL) at different moments: a whole `podbgp rib` takes T ms, most of it Node
    // starting; kills spread over the last part of T land during the connection and the request.
    const started = Date.now();
    expect((await d.cli(['rib'])).code).to.equal(0);
    const whole = Date.now() - started;
    let killed = 0;
    for (const fraction of [0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98]) {
      const r = await execArgv([PODBGP_BIN, 'rib', '--socket', d.socket], {
        timeoutMs: Math.round(whole * fraction),
      });
      if (r.code === 137) killed++;
    }
    expect(killed, 'CLIs killed before they finished').to.be.at.least(3);
    await sleep(200);
    const r = await d.cli(['peers', '-o', 'json']);
    expect(r.code, r.stderr).to.equal(0);
    const rib = await d.cliJson<{ prefix: string }[]>(['rib', TOR_ROUTE]);
    expect(rib.length).to.equal(1);
  });
});
