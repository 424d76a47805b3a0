// The API server and client over a real unix socket (and real TCP on loopback), backed by
// TestDaemon (a real Rib): socket file mode and stale/live socket handling, records across the
// wire, gRPC status mapping, streaming, events, deadline, and token authentication on TCP.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { DaemonApi } from './daemon-api.ts';
import type { ApiServer } from './server.ts';
import { startApiServer } from './server.ts';
import { ApiClient, ApiClientError, connectErrorOf } from './client.ts';
import { TestDaemon } from './test-daemon.ts';

async function rejection(p: Promise<unknown>): Promise<ApiClientError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ApiClientError);
    return e as ApiClientError;
  }
  throw new Error('expected a rejection');
}

describe('api/server + api/client', () => {
  let dir: string;
  let socket: string;
  let server: ApiServer | null;
  let daemon: TestDaemon;
  let client: ApiClient;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'podbgp-api-'));
    socket = join(dir, 'run', 'podbgp.sock');
    daemon = new TestDaemon();
    server = await startApiServer({ api: daemon, socketPath: socket });
    client = new ApiClient({ socketPath: socket });
  });

  afterEach(async () => {
    client.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the socket directory 0755 and the socket 0600', () => {
    expect(statSync(join(dir, 'run')).mode & 0o777).to.equal(0o755);
    const st = statSync(socket);
    expect(st.isSocket()).to.equal(true);
    expect(st.mode & 0o777).to.equal(0o600);
  });

  it('lists peers and gets one, with nulls and nested records intact', async () => {
    const peers = await client.listPeers();
    expect(peers.map((p) => p.address)).to.deep.equal([
      '10.0.0.1',
      '10.0.0.2',
      '10.0.0.3',
      '10.0.0.9',
      '2001:db8::5',
    ]);
    const down = peers[4];
    expect([down.state, down.routerId, down.holdTime, down.lastError]).to.deep.equal([
      'Active',
      null,
      null,
      'Hold Timer Expired',
    ]);
    const p = await client.getPeer('10.0.0.1');
    expect(p.address).to.equal('10.0.0.1');
    expect(p.negotiated?.families).to.deep.equal(['ipv4-unicast']);
    expect(p.negotiated?.gracefulRestart).to.equal(null);
    expect(p.lastNotification?.text).to.equal('Cease / Administrative Reset: "upgrade"');
    expect(p.families).to.deep.equal([
      { family: 'ipv4', received: 2, accepted: 2, advertised: 3 },
      { family: 'ipv6', received: 1, accepted: 1, advertised: 1 },
    ]);
  });

  it('maps an unknown peer to NOT_FOUND and a bad prefix to INVALID_ARGUMENT with the reason', async () => {
    const nf = await rejection(client.getPeer('10.0.0.77'));
    expect([nf.kind, nf.grpcCode, nf.message]).to.deep.equal([
      'not-found',
      grpc.status.NOT_FOUND,
      'no such peer: 10.0.0.77',
    ]);
    const bad = await rejection(client.explain('10.9.0.1/16'));
    expect([bad.kind, bad.grpcCode, bad.message]).to.deep.equal([
      'invalid-argument',
      grpc.status.INVALID_ARGUMENT,
      'bad prefix "10.9.0.1/16": host bits set in 10.9.0.1/16',
    ]);
    const act = await rejection(client.peerAction('10.0.0.1', 'reboot' as never));
    expect(act.message).to.equal(
      'bad action "reboot": expected one of enable, disable, reset, soft-in, soft-out',
    );
    const long = await rejection(client.peerAction('10.0.0.1', 'disable', 'x'.repeat(256)));
    expect(long.message).to.equal('message is 256 octets; at most 255 fit');
    const table = await rejection(client.collectRoutes({ table: 'in' }));
    expect(table.message).to.equal('table "in" needs a peer');
  });

  it('streams a big Loc-RIB in prefix order', async () => {
    for (let i = 0; i < 3000; i++) daemon.addOriginated(`10.${100 + (i >> 8)}.${i & 255}.0/24`);
    const routes = await client.collectRoutes({ table: 'loc', family: 'ipv4' });
    expect(routes).to.have.length(3000 + 8);
    const local = routes.filter((r) => r.peer === 'local');
    expect(local[0].prefix).to.equal('10.100.0.0/24');
    expect(local[local.length - 1].prefix).to.equal('10.244.1.0/24');
  });

  it('filters by exact prefix, longest match and more specifics', async () => {
    const prefixes = async (prefix: string, longer = false) =>
      (await client.collectRoutes({ table: 'loc', prefix, longer })).map((r) => `${r.prefix} ${r.peer}`);
    expect(await prefixes('10.9.1.0/24')).to.deep.equal(['10.9.1.0/24 10.0.0.2']);
    expect(await prefixes('10.9.7.7')).to.deep.equal([
      '10.9.0.0/16 10.0.0.1',
      '10.9.0.0/16 10.0.0.2',
      '10.9.0.0/16 10.0.0.3',
    ]);
    expect(await prefixes('10.0.0.0/8', true)).to.have.length(5);
    expect(await prefixes('2001:db8::/32', true)).to.deep.equal(['2001:db8:1::/48 10.0.0.1']);
  });

  it('passes originate and peer actions to the daemon', async () => {
    await client.addOriginated('10.244.9.0/24');
    await client.deleteOriginated('10.244.9.0/24');
    await client.peerAction('10.0.0.2', 'disable', 'maintenance');
    expect(daemon.calls).to.deep.equal([
      'add 10.244.9.0/24',
      'del 10.244.9.0/24',
      'disable 10.0.0.2 "maintenance"',
    ]);
  });

  it('streams events until the client stops reading', async () => {
    const it = client.watchEvents()[Symbol.asyncIterator]();
    const first = it.next();
    await new Promise((r) => setTimeout(r, 100));
    daemon.emit({
      kind: 'session',
      time: 1,
      peer: '10.0.0.1',
      state: 'Idle',
      previousState: 'Established',
      reason: 'Hold Timer Expired',
    });
    daemon.emit({ kind: 'route', time: 2, prefix: '10.9.0.0/16', nextHops: ['10.0.0.2'] });
    expect((await first).value).to.deep.equal({
      kind: 'session',
      time: 1,
      peer: '10.0.0.1',
      state: 'Idle',
      previousState: 'Established',
      reason: 'Hold Timer Expired',
    });
    expect((await it.next()).value).to.deep.equal({
      kind: 'route',
      time: 2,
      prefix: '10.9.0.0/16',
      nextHops: ['10.0.0.2'],
    });
    await it.return?.(undefined);
  });

  it('replaces a stale socket left by a dead daemon and refuses a live one', async () => {
    const stale = join(dir, 'stale.sock');
    const child = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`,
    ]);
    await new Promise((r) => child.stdout.once('data', r));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(stale)).to.equal(true);
    const s2 = await startApiServer({ api: daemon, socketPath: stale });
    const c2 = new ApiClient({ socketPath: stale });
    expect((await c2.listPeers()).length).to.equal(5);
    c2.close();
    await s2.close();

    let err: Error | null = null;
    await startApiServer({ api: daemon, socketPath: socket }).catch((e: Error) => (err = e));
    expect(err!.message).to.equal(
      `another podbgp is already serving the API on ${socket} (stop it first, or use another --api-socket)`,
    );
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    err = null;
    await startApiServer({ api: daemon, socketPath: file }).catch((e: Error) => (err = e));
    expect(err!.message).to.equal(`${file} exists and is not a socket; refusing to replace it`);
  });

  it('says the daemon is not running when there is no socket', async () => {
    const c = new ApiClient({ socketPath: join(dir, 'none.sock') });
    const e = await rejection(c.listPeers());
    c.close();
    expect([e.kind, e.message]).to.deep.equal([
      'not-running',
      `podbgp is not running: no socket at ${join(dir, 'none.sock')} (start it with podbgp run)`,
    ]);
  });

  it('maps real errnos: ECONNREFUSED is not running, EACCES is permission denied', async () => {
    // A real ECONNREFUSED: a socket file nobody listens on.
    const path = join(dir, 'dead.sock');
    const child = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`,
    ]);
    await new Promise((r) => child.stdout.once('data', r));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const c = new ApiClient({ socketPath: path });
    const e = await rejection(c.listPeers());
    c.close();
    expect(e.kind).to.equal('not-running');
    expect(connectErrorOf('EACCES', '/run/podbgp/podbgp.sock').message).to.equal(
      'permission denied on /run/podbgp/podbgp.sock: run as root or as the user that runs podbgp (or pass --socket)',
    );
  });

  it('gives up after the deadline when the daemon does not answer', async () => {
    const stuck: DaemonApi = { ...daemon, listPeers: () => new Promise(() => {}) } as unknown as DaemonApi;
    const path = join(dir, 'stuck.sock');
    const s = await startApiServer({ api: stuck, socketPath: path });
    const c = new ApiClient({ socketPath: path, deadlineMs: 300 });
    const e = await rejection(c.listPeers());
    c.close();
    await s.close();
    expect([e.kind, e.message]).to.deep.equal([
      'deadline',
      `podbgp at ${path} did not answer within 0.3s (deadline exceeded)`,
    ]);
  });

  it('TCP: refuses to start without authentication; requires the bearer token', async () => {
    let err: Error | null = null;
    await startApiServer({ api: daemon, socketPath: null, tcp: { address: '127.0.0.1:0' } }).catch(
      (e: Error) => (err = e),
    );
    expect(err!.message).to.equal(
      'the TCP API needs authentication: a token, or TLS with a client CA (mTLS)',
    );
    const s = await startApiServer({
      api: daemon,
      socketPath: null,
      tcp: { address: '127.0.0.1:0', token: 's3cret' },
    });
    const target = `127.0.0.1:${s.tcpPort}`;
    const none = new ApiClient({ target });
    const wrong = new ApiClient({ target, token: 'guess' });
    const right = new ApiClient({ target, token: 's3cret' });
    try {
      const e1 = await rejection(none.listPeers());
      expect([e1.kind, e1.grpcCode]).to.deep.equal(['unauthenticated', grpc.status.UNAUTHENTICATED]);
      const e2 = await rejection(wrong.collectRoutes({ table: 'loc' }));
      expect(e2.kind).to.equal('unauthenticated');
      expect((await right.listPeers()).length).to.equal(5);
      expect((await right.collectRoutes({ table: 'loc', prefix: '10.9.1.0/24' })).length).to.equal(1);
    } finally {
      for (const c of [none, wrong, right]) c.close();
      await s.close();
    }
  });
});
