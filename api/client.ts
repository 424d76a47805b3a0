// The typed API client the CLI uses: one method per call of api/podbgp.proto, returning the
// records of daemon-api.ts, and errors a person can act on: the daemon is not running, the
// socket is not accessible, the daemon did not answer in time, or what the daemon refused.
//
// In: a unix socket path (or a TCP target with token/TLS). Out: records; ApiClientError.
import { statSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type {
  ApiEvent,
  KernelRouteRecord,
  PeerAction,
  PeerDetail,
  PeerSummary,
  RouteQuery,
  RouteRecord,
} from './daemon-api.ts';
import type { Explanation } from '../rib/explain.ts';
import { DEFAULT_API_SOCKET, SERVICE } from './proto.ts';

export type ApiClientErrorKind =
  | 'not-running'
  | 'permission-denied'
  | 'deadline'
  | 'not-found'
  | 'invalid-argument'
  | 'unauthenticated'
  | 'failed';

export class ApiClientError extends Error {
  readonly kind: ApiClientErrorKind;
  /** The gRPC status code, or null when the call never reached the daemon. */
  readonly grpcCode: number | null;
  constructor(kind: ApiClientErrorKind, message: string, grpcCode: number | null = null) {
    super(message);
    this.name = 'ApiClientError';
    this.kind = kind;
    this.grpcCode = grpcCode;
  }
}

export interface ApiClientOptions {
  /** Unix socket path; ignored when `target` is set. */
  readonly socketPath?: string;
  /** "host:port" for the TCP API. */
  readonly target?: string;
  readonly token?: string;
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  /** Per unary call; default 10 s. */
  readonly deadlineMs?: number;
}

/** The message for a failure to reach the socket at `path`, by errno name (ENOENT, EACCES, ...). */
export function connectErrorOf(errno: string, path: string): ApiClientError {
  if (errno === 'ENOENT' || errno === 'ECONNREFUSED')
    return new ApiClientError(
      'not-running',
      `podbgp is not running: no socket at ${path} (start it with podbgp run)`,
    );
  if (errno === 'EACCES' || errno === 'EPERM')
    return new ApiClientError(
      'permission-denied',
      `permission denied on ${path}: run as root or as the user that runs podbgp (or pass --socket)`,
    );
  return new ApiClientError('not-running', `cannot reach podbgp at ${path}: ${errno}`);
}

const ERRNO = /\b(ENOENT|ECONNREFUSED|EACCES|EPERM|ENOTSOCK|ECONNRESET)\b/;

type Call = (
  req: object,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (e: grpc.ServiceError | null, r: unknown) => void,
) => void;
type StreamCall = (
  req: object,
  md: grpc.Metadata,
  opts?: grpc.CallOptions,
) => grpc.ClientReadableStream<Record<string, unknown>>;

const Client = grpc.makeGenericClientConstructor(SERVICE, 'PodBgp');

function toPeerDetail(o: Record<string, unknown>): PeerDetail {
  const { summary, ...rest } = o;
  return { ...(summary as PeerSummary), ...rest } as unknown as PeerDetail;
}

function toExplanation(o: Record<string, unknown>): Explanation {
  const { hasNextHops, nextHops, ...rest } = o;
  return { ...rest, nextHops: hasNextHops === true ? nextHops : null } as unknown as Explanation;
}

function toEvent(o: Record<string, unknown>): ApiEvent {
  if (o.kind === 'session')
    return {
      kind: 'session',
      time: o.time,
      peer: o.peer,
      state: o.state,
      previousState: o.previousState,
      reason: o.reason,
    } as ApiEvent;
  return { kind: 'route', time: o.time, prefix: o.prefix, nextHops: o.nextHops } as ApiEvent;
}

export class ApiClient {
  /** What the CLI names in messages: the socket path or the TCP target. */
  readonly where: string;
  private readonly client: grpc.Client;
  private readonly socketPath: string | null;
  private readonly deadlineMs: number;
  private readonly token: string | undefined;

  constructor(o: ApiClientOptions) {
    this.socketPath = o.target === undefined ? (o.socketPath ?? DEFAULT_API_SOCKET) : null;
    this.where = o.target ?? this.socketPath!;
    this.deadlineMs = o.deadlineMs ?? 10_000;
    this.token = o.token;
    const creds =
      o.tls !== undefined
        ? grpc.credentials.createSsl(o.tls.ca ?? null, o.tls.key ?? null, o.tls.cert ?? null)
        : grpc.credentials.createInsecure();
    const target = o.target ?? `unix:${this.socketPath}`;
    this.client = new Client(target, creds);
  }

  close(): void {
    this.client.close();
  }

  /** Before a call on a unix socket: a missing file or a directory we may not search is known now. */
  private precheck(): void {
    if (this.socketPath === null) return;
    try {
      statSync(this.socketPath);
    } catch (e) {
      throw connectErrorOf((e as NodeJS.ErrnoException).code ?? 'ENOENT', this.socketPath);
    }
  }

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.token !== undefined) md.set('authorization', `Bearer ${this.token}`);
    return md;
  }

  /** A gRPC failure as an ApiClientError. */
  errorOf(e: grpc.ServiceError): ApiClientError {
    const s = grpc.status;
    switch (e.code) {
      case s.UNAVAILABLE: {
        const errno = ERRNO.exec(e.details)?.[1];
        if (errno !== undefined && this.socketPath !== null) return connectErrorOf(errno, this.socketPath);
        return new ApiClientError(
          'not-running',
          `podbgp is not reachable at ${this.where}: ${e.details}`,
          e.code,
        );
      }
      case s.DEADLINE_EXCEEDED:
        return new ApiClientError(
          'deadline',
          `podbgp at ${this.where} did not answer within ${this.deadlineMs / 1000}s (deadline exceeded)`,
          e.code,
        );
      case s.NOT_FOUND:
        return new ApiClientError('not-found', e.details, e.code);
      case s.INVALID_ARGUMENT:
        return new ApiClientError('invalid-argument', e.details, e.code);
      case s.UNAUTHENTICATED:
        return new ApiClientError('unauthenticated', `not authenticated: ${e.details}`, e.code);
      default:
        return new ApiClientError('failed', `${grpc.status[e.code] ?? e.code}: ${e.details}`, e.code);
    }
  }

  private unary(method: string, req: object): Promise<Record<string, unknown>> {
    this.precheck();
    const fn = (this.client as unknown as Record<string, Call>)[method].bind(this.client);
    return new Promise((resolve, reject) =>
      fn(req, this.metadata(), { deadline: Date.now() + this.deadlineMs }, (e, r) =>
        e ? reject(this.errorOf(e)) : resolve(r as Record<string, unknown>),
      ),
    );
  }

  private async *stream(method: string, req: object): AsyncGenerator<Record<string, unknown>> {
    this.precheck();
    const fn = (this.client as unknown as Record<string, StreamCall>)[method].bind(this.client);
    const call = fn(req, this.metadata());
    try {
      for await (const m of call) yield m as Record<string, unknown>;
    } catch (e) {
      throw this.errorOf(e as grpc.ServiceError);
    } finally {
      call.cancel();
    }
  }

  async listPeers(): Promise<PeerSummary[]> {
    return (await this.unary('ListPeers', {})).peers as PeerSummary[];
  }

  async getPeer(address: string): Promise<PeerDetail> {
    return toPeerDetail(await this.unary('GetPeer', { address }));
  }

  async *listRoutes(q: RouteQuery): AsyncGenerator<RouteRecord> {
    for await (const r of this.stream('ListRoutes', q)) yield r as unknown as RouteRecord;
  }

  async collectRoutes(q: RouteQuery): Promise<RouteRecord[]> {
    const out: RouteRecord[] = [];
    for await (const r of this.listRoutes(q)) out.push(r);
    return out;
  }

  async listKernelRoutes(): Promise<KernelRouteRecord[]> {
    return (await this.unary('ListKernelRoutes', {})).routes as KernelRouteRecord[];
  }

  async explain(prefix: string): Promise<Explanation> {
    return toExplanation(await this.unary('Explain', { prefix }));
  }

  async addOriginated(prefix: string): Promise<void> {
    await this.unary('AddOriginated', { prefix });
  }

  async deleteOriginated(prefix: string): Promise<void> {
    await this.unary('DeleteOriginated', { prefix });
  }

  async peerAction(address: string, action: PeerAction, message?: string): Promise<void> {
    await this.unary('PeerAction', { address, action, message });
  }

  async *watchEvents(): AsyncGenerator<ApiEvent> {
    for await (const e of this.stream('WatchEvents', {})) yield toEvent(e);
  }
}
