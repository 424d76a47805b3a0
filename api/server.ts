// The local API server: serves a DaemonApi over gRPC (api/podbgp.proto) on a unix socket, and
// optionally on TCP with authentication. The unix socket is the default and needs no token: its
// file mode (0600, owner root) is the access control. TCP is off unless configured, and then
// every call must carry `authorization: Bearer TOKEN`, or the listener requires a client
// certificate (mTLS), or both.
//
// In: DaemonApi (the daemon core), ApiServerOptions. Out: a running ApiServer with close().
// Errors: ApiError kinds become gRPC status codes (statusOf); bad prefixes, addresses and
// actions in requests are refused with INVALID_ARGUMENT and the reason before the core is asked.
import { mkdirSync, chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { ApiEvent, DaemonApi, FamilyName, PeerAction, RibTable, RouteQuery } from './daemon-api.ts';
import { ApiError, PEER_ACTIONS } from './daemon-api.ts';
import { DEFAULT_API_SOCKET, SERVICE } from './proto.ts';
import { parseAddressBytes, parsePrefix } from '../rib/prefix.ts';

/** Re-exported: callers such as cmd/api-client.ts take it from the server module. */
export { DEFAULT_API_SOCKET };

/** RFC 9003 §2: the Shutdown Communication is at most 255 octets of UTF-8 (paraphrased). */
const MAX_MESSAGE_OCTETS = 255;
/** Records streamed between yields to the event loop, so keepalives keep flowing. */
const STREAM_SLICE = 256;

export interface ApiTcpOptions {
  /** "host:port", e.g. "127.0.0.1:50051"; port 0 picks a free one (see ApiServer.tcpPort). */
  readonly address: string;
  /** Required bearer token (metadata `authorization: Bearer TOKEN`). */
  readonly token?: string;
  /** TLS; with `clientCa` the listener requires and verifies client certificates (mTLS). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly clientCa?: Buffer };
}

export interface ApiServerOptions {
  readonly api: DaemonApi;
  /** Unix socket path (default DEFAULT_API_SOCKET); null: no unix socket. */
  readonly socketPath?: string | null;
  readonly tcp?: ApiTcpOptions;
}

export interface ApiServer {
  readonly socketPath: string | null;
  /** The bound TCP port, or null without TCP. */
  readonly tcpPort: number | null;
  close(): Promise<void>;
}

type Status = { code: grpc.status; details: string };

/** The gRPC status for an error thrown by the core. */
export function statusOf(e: unknown): Status {
  if (e instanceof ApiError) {
    const code = {
      'not-found': grpc.status.NOT_FOUND,
      'invalid-argument': grpc.status.INVALID_ARGUMENT,
      'failed-precondition': grpc.status.FAILED_PRECONDITION,
      unavailable: grpc.status.UNAVAILABLE,
    }[e.kind];
    return { code, details: e.message };
  }
  return { code: grpc.status.INTERNAL, details: `internal error: ${(e as Error)?.message ?? String(e)}` };
}

function invalid(message: string): ApiError {
  return new ApiError('invalid-argument', message);
}

function checkPrefix(text: string): string {
  try {
    parsePrefix(text);
    return text;
  } catch (e) {
    throw invalid(`bad prefix "${text}": ${(e as Error).message}`);
  }
}

function checkAddress(text: string): string {
  try {
    parseAddressBytes(text);
    return text;
  } catch {
    throw invalid(`bad peer address "${text}": expected an IPv4 or IPv6 address`);
  }
}

/** Validate a ListRoutes request into a RouteQuery. */
export function routeQueryOf(r: Record<string, unknown>): RouteQuery {
  const table = r.table === '' ? 'loc' : r.table;
  if (table !== 'loc' && table !== 'in' && table !== 'out')
    throw invalid(`bad table "${String(table)}": expected loc, in or out`);
  const family = r.family as string | null;
  if (family !== null && family !== 'ipv4' && family !== 'ipv6')
    throw invalid(`bad family "${family}": expected ipv4 or ipv6`);
  const peer = r.peer as string | null;
  if (table !== 'loc' && peer === null) throw invalid(`table "${table}" needs a peer`);
  const prefix = r.prefix as string | null;
  const q: { -readonly [K in keyof RouteQuery]: RouteQuery[K] } = { table: table as RibTable };
  if (peer !== null) q.peer = checkAddress(peer);
  if (family !== null) q.family = family as FamilyName;
  if (prefix !== null) q.prefix = checkPrefix(prefix);
  if (r.longer === true) q.longer = true;
  return q;
}

function eventToWire(e: ApiEvent): Record<string, unknown> {
  return e.kind === 'session'
    ? { ...e, prefix: '', nextHops: [] }
    : { ...e, peer: '', state: '', previousState: '', reason: '' };
}

type Auth = (md: grpc.Metadata) => Status | null;

function tokenAuth(token: string | undefined): Auth {
  if (token === undefined) return () => null;
  const want = Buffer.from(`Bearer ${token}`);
  return (md) => {
    const got = Buffer.from(String(md.get('authorization')[0] ?? ''));
    if (got.length === want.length && timingSafeEqual(got, want)) return null;
    return {
      code: grpc.status.UNAUTHENTICATED,
      details: 'missing or wrong bearer token (metadata authorization)',
    };
  };
}

function unary<Req, Res>(auth: Auth, fn: (req: Req) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const denied = auth(call.metadata);
    if (denied !== null) return callback(denied);
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => callback(null, res),
        (e: unknown) => callback(statusOf(e)),
      );
  };
}

async function writeAll<T>(
  call: grpc.ServerWritableStream<unknown, unknown>,
  items: AsyncIterable<T> | Iterable<T>,
  toWire: (x: T) => unknown,
): Promise<void> {
  let n = 0;
  for await (const x of items) {
    if (call.cancelled) return;
    if (!call.write(toWire(x))) await new Promise((resolve) => call.once('drain', resolve));
    if (++n % STREAM_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

function handlers(api: DaemonApi, auth: Auth): grpc.UntypedServiceImplementation {
  const empty = {};
  return {
    ListPeers: unary(auth, async () => ({ peers: await api.listPeers() })),
    GetPeer: unary(auth, async (r: { address: string }) => {
      const d = await api.getPeer(checkAddress(r.address));
      return { ...d, summary: d };
    }),
    ListKernelRoutes: unary(auth, async () => ({ routes: await api.listKernelRoutes() })),
    Explain: unary(auth, async (r: { prefix: string }) => {
      const e = await api.explain(checkPrefix(r.prefix));
      return { ...e, hasNextHops: e.nextHops !== null, nextHops: e.nextHops ?? [] };
    }),
    AddOriginated: unary(auth, async (r: { prefix: string }) => {
      await api.addOriginated(checkPrefix(r.prefix));
      return empty;
    }),
    DeleteOriginated: unary(auth, async (r: { prefix: string }) => {
      await api.deleteOriginated(checkPrefix(r.prefix));
      return empty;
    }),
    PeerAction: unary(auth, async (r: { address: string; action: string; message: string | null }) => {
      const address = checkAddress(r.address);
      if (!(PEER_ACTIONS as readonly string[]).includes(r.action))
        throw invalid(`bad action "${r.action}": expected one of ${PEER_ACTIONS.join(', ')}`);
      if (r.message !== null && Buffer.byteLength(r.message) > MAX_MESSAGE_OCTETS)
        throw invalid(`message is ${Buffer.byteLength(r.message)} octets; at most ${MAX_MESSAGE_OCTETS} fit`);
      await api.peerAction(address, r.action as PeerAction, r.message ?? undefined);
      return empty;
    }),
    ListRoutes: (call: grpc.ServerWritableStream<Record<string, unknown>, unknown>) => {
      const denied = auth(call.metadata);
      if (denied !== null) return call.emit('error', denied);
      Promise.resolve()
        .then(() => writeAll(call, api.listRoutes(routeQueryOf(call.request)), (x) => x))
        .then(
          () => call.end(),
          (e: unknown) => call.emit('error', statusOf(e)),
        );
    },
    WatchEvents: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      const denied = auth(call.metadata);
      if (denied !== null) return call.emit('error', denied);
      const stop = new AbortController();
      call.on('cancelled', () => stop.abort());
      call.on('close', () => stop.abort());
      writeAll(call, api.events(stop.signal), eventToWire).then(
        () => {
          if (!call.cancelled) call.end();
        },
        (e: unknown) => {
          if (!call.cancelled) call.emit('error', statusOf(e));
        },
      );
    },
  };
}

/** Whether a daemon answers on an existing socket file (connect succeeds). */
function socketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Prepare the socket path: directory 0755; a stale socket replaced, a live one refused. */
async function prepareSocket(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  if (await socketAlive(path))
    throw new Error(
      `another podbgp is already serving the API on ${path} (stop it first, or use another --api-socket)`,
    );
  unlinkSync(path);
}

function bind(server: grpc.Server, target: string, creds: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(target, creds, (err, port) => (err ? reject(err) : resolve(port))),
  );
}

function shutdown(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => server.forceShutdown(), 2000);
    server.tryShutdown(() => {
      clearTimeout(t);
      resolve();
    });
    // Open event streams never end by themselves.
    server.forceShutdown();
  });
}

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const servers: grpc.Server[] = [];
  const socketPath = o.socketPath === undefined ? DEFAULT_API_SOCKET : o.socketPath;
  let tcpPort: number | null = null;
  try {
    if (socketPath !== null) {
      await prepareSocket(socketPath);
      const s = new grpc.Server();
      s.addService(
        SERVICE,
        handlers(o.api, () => null),
      );
      servers.push(s);
      await bind(s, `unix:${socketPath}`, grpc.ServerCredentials.createInsecure());
      chmodSync(socketPath, 0o600);
    }
    if (o.tcp !== undefined) {
      const t = o.tcp;
      if (t.token === undefined && t.tls?.clientCa === undefined)
        throw new Error('the TCP API needs authentication: a token, or TLS with a client CA (mTLS)');
      const creds =
        t.tls === undefined
          ? grpc.ServerCredentials.createInsecure()
          : grpc.ServerCredentials.createSsl(
              t.tls.clientCa ?? null,
              [{ cert_chain: t.tls.cert, private_key: t.tls.key }],
              t.tls.clientCa !== undefined,
            );
      const s = new grpc.Server();
      s.addService(SERVICE, handlers(o.api, tokenAuth(t.token)));
      servers.push(s);
      tcpPort = await bind(s, t.address, creds);
    }
  } catch (e) {
    await Promise.all(servers.map(shutdown));
    throw e;
  }
  return {
    socketPath,
    tcpPort,
    async close() {
      await Promise.all(servers.map(shutdown));
      if (socketPath !== null) {
        try {
          unlinkSync(socketPath);
        } catch {
          // Already gone.
        }
      }
    },
  };
}
