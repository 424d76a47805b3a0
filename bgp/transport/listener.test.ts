// BgpListener and connectTo against each other on loopback, with the real kernel doing TCP MD5
// and GTSM (no mocks): matching keys connect and carry bytes, wrong or missing keys end in our
// own timeout, unknown peers are reset, keys change while running, GTSM accepts TTL 255 and
// refuses less, IP_MINTTL is inherited by accepted sockets, IPv6 and dual-stack sockets work.
import { expect } from 'chai';
import type net from 'node:net';
import { getMinTtl, getTtl } from '../../sys/sockopt.ts';
import { ConnectError, connectTo } from './connector.ts';
import { BgpListener } from './listener.ts';
import type { BgpListenerOptions, RejectReason } from './listener.ts';
import { fdOf } from './socket-fd.ts';

interface Accepted {
  socket: net.Socket;
  peerAddress: string;
  localAddress: string;
}

/** A listener on one loopback address plus queues of what it accepted and rejected. */
async function startListener(
  address: string,
  extra: Partial<BgpListenerOptions> = {},
): Promise<{
  listener: BgpListener;
  port: number;
  accepted: Accepted[];
  rejected: { peerAddress: string; reason: RejectReason }[];
  nextAccepted: () => Promise<Accepted>;
}> {
  const accepted: Accepted[] = [];
  const rejected: { peerAddress: string; reason: RejectReason }[] = [];
  const waiters: ((a: Accepted) => void)[] = [];
  const listener = new BgpListener({
    addresses: [address],
    port: 0,
    isConfiguredPeer: () => true,
    onConnection: (socket, peerAddress, localAddress) => {
      const a = { socket, peerAddress, localAddress };
      accepted.push(a);
      waiters.shift()?.(a);
    },
    onRejected: (peerAddress, _local, reason) => rejected.push({ peerAddress, reason }),
    ...extra,
  });
  await listener.start();
  const nextAccepted = (): Promise<Accepted> =>
    accepted.length > 0
      ? Promise.resolve(accepted.shift()!)
      : new Promise((resolve) => waiters.push(resolve));
  return { listener, port: listener.listening()[0].port, accepted, rejected, nextAccepted };
}

async function expectTimeout(promise: Promise<net.Socket>, within: number): Promise<ConnectError> {
  const started = Date.now();
  try {
    const socket = await promise;
    socket.destroy();
  } catch (err) {
    expect(err).to.be.instanceOf(ConnectError);
    expect((err as ConnectError).reason).to.equal('timeout');
    expect(Date.now() - started).to.be.lessThan(within);
    return err as ConnectError;
  }
  throw new Error('the connection came up but should not have');
}

/** Connects and expects the listener to reset the connection, right at connect or just after. */
async function expectReset(opts: Parameters<typeof connectTo>[0]): Promise<void> {
  let socket: net.Socket;
  try {
    socket = await connectTo(opts);
  } catch (err) {
    // On loopback the RST can beat the connect notification.
    expect((err as ConnectError).reason).to.equal('reset');
    return;
  }
  socket.on('error', () => {});
  await once(socket, 'close');
}

function once(socket: net.Socket, event: string): Promise<unknown> {
  return new Promise((resolve) => socket.once(event, resolve));
}

describe('bgp/transport listener + connector (loopback)', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const f of cleanup.splice(0)) f();
  });
  const track = <T extends { destroy(): unknown } | BgpListener>(x: T): T => {
    cleanup.push(() => (x instanceof BgpListener ? x.close() : x.destroy()));
    return x;
  };

  it('connects with matching TCP MD5 keys and carries bytes both ways', async () => {
    const l = await startListener('127.0.0.1');
    track(l.listener);
    l.listener.setPeerKey('127.0.0.1', 'pod-secret');
    const client = track(
      await connectTo({ peer: '127.0.0.1', port: l.port, md5Key: 'pod-secret', timeoutMs: 3000 }),
    );
    const server = await l.nextAccepted();
    track(server.socket);
    expect(server.peerAddress).to.equal('127.0.0.1');
    expect(server.localAddress).to.equal('127.0.0.1');
    const got = once(server.socket, 'data');
    client.write('hello');
    expect(String(await got)).to.equal('hello');
    const back = once(client, 'data');
    server.socket.write('world');
    expect(String(await back)).to.equal('world');
  });

  it('times out with our own error when the keys differ or one side has none', async () => {
    const l = await startListener('127.0.0.1');
    track(l.listener);
    l.listener.setPeerKey('127.0.0.1', 'right');
    const wrong = await expectTimeout(
      connectTo({ peer: '127.0.0.1', port: l.port, md5Key: 'wrong', timeoutMs: 700 }),
      2000,
    );
    expect(wrong.message).to.match(/no answer within 700 ms; a TCP MD5 key is set/);
    await expectTimeout(connectTo({ peer: '127.0.0.1', port: l.port, timeoutMs: 500 }), 2000);
    expect(l.accepted).to.have.length(0);
  });

  it('changes keys while running: removed key lets unsigned connections in, a new key locks them out', async () => {
    const l = await startListener('127.0.0.1');
    track(l.listener);
    l.listener.setPeerKey('127.0.0.1', 'first');
    l.listener.setPeerKey('127.0.0.1', null);
    track(await connectTo({ peer: '127.0.0.1', port: l.port, timeoutMs: 3000 }));
    track((await l.nextAccepted()).socket);
    l.listener.setPeerKey('127.0.0.1', 'second');
    await expectTimeout(connectTo({ peer: '127.0.0.1', port: l.port, timeoutMs: 500 }), 2000);
    track(await connectTo({ peer: '127.0.0.1', port: l.port, md5Key: 'second', timeoutMs: 3000 }));
    track((await l.nextAccepted()).socket);
  });

  it('resets connections from addresses that are not configured peers and keeps nothing', async () => {
    const l = await startListener('127.0.0.1', { isConfiguredPeer: (a) => a === '127.0.0.2' });
    track(l.listener);
    await expectReset({ peer: '127.0.0.1', port: l.port, timeoutMs: 3000 });
    expect(l.rejected).to.deep.equal([{ peerAddress: '127.0.0.1', reason: 'not-configured' }]);
    expect(l.accepted).to.have.length(0);
    track(await connectTo({ peer: '127.0.0.1', port: l.port, localAddress: '127.0.0.2', timeoutMs: 3000 }));
    const peer = await l.nextAccepted();
    track(peer.socket);
    expect(peer.peerAddress).to.equal('127.0.0.2');
  });

  it('GTSM on the listening socket accepts TTL 255, refuses 254, and accepted sockets inherit the minimum', async () => {
    const l = await startListener('127.0.0.1', { minTtl: 255 });
    track(l.listener);
    // Loopback does not decrement the TTL, so TTL 255 arrives as 255 like a directly connected peer.
    const client = track(
      await connectTo({ peer: '127.0.0.1', port: l.port, ttlSecurity: 1, timeoutMs: 3000 }),
    );
    expect(getTtl(fdOf(client), 4)).to.equal(255);
    expect(getMinTtl(fdOf(client), 4)).to.equal(255);
    const server = await l.nextAccepted();
    track(server.socket);
    expect(getMinTtl(fdOf(server.socket), 4)).to.equal(255);
    // A SYN with TTL 254 looks like a peer one router further away: dropped, so our timer ends it.
    await expectTimeout(connectTo({ peer: '127.0.0.1', port: l.port, ttl: 254, timeoutMs: 600 }), 2000);
  });

  it('per-peer GTSM rejects a connection whose SYN arrived with a lower TTL and sets TTL 255 on the rest', async () => {
    const l = await startListener('127.0.0.1', { transportFor: () => ({ ttlSecurity: 1 }) });
    track(l.listener);
    await expectReset({ peer: '127.0.0.1', port: l.port, ttl: 200, timeoutMs: 3000 });
    expect(l.rejected).to.deep.equal([{ peerAddress: '127.0.0.1', reason: 'ttl-security' }]);
    track(await connectTo({ peer: '127.0.0.1', port: l.port, ttlSecurity: 1, timeoutMs: 3000 }));
    const near = await l.nextAccepted();
    track(near.socket);
    expect(getTtl(fdOf(near.socket), 4)).to.equal(255);
    expect(getMinTtl(fdOf(near.socket), 4)).to.equal(255);
  });

  it('sets the multihop TTL configured for a peer on accepted sockets', async () => {
    const l = await startListener('127.0.0.1', { transportFor: () => ({ ttl: 3 }) });
    track(l.listener);
    track(await connectTo({ peer: '127.0.0.1', port: l.port, timeoutMs: 3000 }));
    const a = await l.nextAccepted();
    track(a.socket);
    expect(getTtl(fdOf(a.socket), 4)).to.equal(3);
  });

  it('does TCP MD5 over IPv6 loopback', async () => {
    const l = await startListener('::1');
    track(l.listener);
    l.listener.setPeerKey('::1', 'v6-secret');
    track(await connectTo({ peer: '::1', port: l.port, md5Key: 'v6-secret', timeoutMs: 3000 }));
    const a = await l.nextAccepted();
    track(a.socket);
    expect(a.peerAddress).to.equal('::1');
    await expectTimeout(connectTo({ peer: '::1', port: l.port, md5Key: 'other', timeoutMs: 500 }), 2000);
  });

  it('GTSM over IPv6 loopback: hop limit 255 accepted, 254 refused', async () => {
    const l = await startListener('::1', { minTtl: 255 });
    track(l.listener);
    const client = track(await connectTo({ peer: '::1', port: l.port, ttlSecurity: 1, timeoutMs: 3000 }));
    expect(getTtl(fdOf(client), 6)).to.equal(255);
    const server = await l.nextAccepted();
    track(server.socket);
    expect(getMinTtl(fdOf(server.socket), 6)).to.equal(255);
    await expectTimeout(connectTo({ peer: '::1', port: l.port, ttl: 254, timeoutMs: 500 }), 2000);
  });

  it('keys IPv4 peers on a dual-stack IPv6 socket and reports them as plain IPv4', async () => {
    const l = await startListener('::');
    track(l.listener);
    l.listener.setPeerKey('127.0.0.1', 'mapped-secret');
    track(await connectTo({ peer: '127.0.0.1', port: l.port, md5Key: 'mapped-secret', timeoutMs: 3000 }));
    const a = await l.nextAccepted();
    track(a.socket);
    expect(a.peerAddress).to.equal('127.0.0.1');
    expect(a.localAddress).to.equal('127.0.0.1');
    await expectTimeout(connectTo({ peer: '127.0.0.1', port: l.port, timeoutMs: 500 }), 2000);
  });

  it('accepts a whole range keyed with TCP_MD5SIG_EXT', async () => {
    const l = await startListener('127.0.0.1');
    track(l.listener);
    l.listener.setRangeKey('127.0.0.0', 8, 'range-secret');
    track(
      await connectTo({
        peer: '127.0.0.1',
        port: l.port,
        localAddress: '127.0.0.9',
        md5Key: 'range-secret',
        timeoutMs: 3000,
      }),
    );
    track((await l.nextAccepted()).socket);
    await expectTimeout(
      connectTo({ peer: '127.0.0.1', port: l.port, localAddress: '127.0.0.9', timeoutMs: 500 }),
      2000,
    );
  });
});
