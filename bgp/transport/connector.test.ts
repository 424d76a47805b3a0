// connectTo failure modes on loopback: a closed port is refused at once without MD5 but hangs
// with MD5 (the kernel ignores the unsigned RST) until our own timer fires; bad options are
// refused before any socket is made.
import { expect } from 'chai';
import net from 'node:net';
import { ConnectError, connectTo } from './connector.ts';

/** A loopback port that nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failure(promise: Promise<net.Socket>): Promise<ConnectError> {
  try {
    (await promise).destroy();
  } catch (err) {
    expect(err).to.be.instanceOf(ConnectError);
    return err as ConnectError;
  }
  throw new Error('connected, but should have failed');
}

describe('bgp/transport/connector', () => {
  it('reports a refused connection without a key', async () => {
    const port = await closedPort();
    const err = await failure(connectTo({ peer: '127.0.0.1', port, timeoutMs: 3000 }));
    expect(err.reason).to.equal('refused');
    expect(err.code).to.equal('ECONNREFUSED');
    expect(err.message).to.equal(
      `connect to 127.0.0.1:${port} failed: connection refused (nothing listens there)`,
    );
  });

  it('ends an MD5 connect to a closed port with its own timeout, since the unsigned RST is ignored', async () => {
    const port = await closedPort();
    const started = Date.now();
    const err = await failure(connectTo({ peer: '127.0.0.1', port, md5Key: 'k', timeoutMs: 400 }));
    expect(err.reason).to.equal('timeout');
    expect(err.code).to.equal('ETIMEDOUT');
    expect(Date.now() - started).to.be.within(350, 2000);
  });

  it('brackets IPv6 endpoints in messages', async () => {
    const err = await failure(connectTo({ peer: '::1', port: 1, timeoutMs: 2000 }));
    expect(err.reason).to.equal('refused');
    expect(err.message).to.match(/^connect to \[::1\]:1 failed/);
  });

  it('refuses contradictory or malformed options before making a socket', async () => {
    for (const bad of [
      { peer: '127.0.0.1', ttl: 2, ttlSecurity: 1, timeoutMs: 100 },
      { peer: '127.0.0.1', localAddress: '::1', timeoutMs: 100 },
      { peer: 'peer.example', timeoutMs: 100 },
      { peer: '127.0.0.1', timeoutMs: 0 },
      { peer: '127.0.0.1', md5Key: 'k'.repeat(81), timeoutMs: 100 },
    ]) {
      let thrown: unknown;
      try {
        await connectTo(bad);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, JSON.stringify(bad)).to.be.instanceOf(Error);
      expect(thrown, JSON.stringify(bad)).not.to.be.instanceOf(ConnectError);
    }
  });
});
