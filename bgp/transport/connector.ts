// Outgoing BGP connections (RFC 4271 §8: the Connect state's TCP connection attempt).
// In: the peer address, optional source address, TCP MD5 key (RFC 2385), TTL or GTSM hops
// (RFC 5082) and a connect timeout. Out: a connected net.Socket with TCP_NODELAY set, or a
// ConnectError that says in words what went wrong. Every option is set on the descriptor before
// connect() so it already applies to the SYN.
import type net from 'node:net';
import { close } from '../../sys/libc.ts';
import { createTcpSocket, setMinTtl, setTcpMd5, setTtl } from '../../sys/sockopt.ts';
import { addressFamily, GTSM_TTL, gtsmMinTtl, normalizeAddress } from './peer-address.ts';
import { socketFromFd } from './socket-fd.ts';

export const BGP_PORT = 179;

export interface ConnectOptions {
  peer: string;
  /** Default 179. */
  port?: number;
  /** Source address to bind before connecting. */
  localAddress?: string;
  /** RFC 2385 key (at most 80 bytes). */
  md5Key?: string;
  /** TTL of sent segments, e.g. for eBGP multihop. Exclusive with ttlSecurity. */
  ttl?: number;
  /** GTSM (RFC 5082): the peer is this many hops away (1 = directly connected). */
  ttlSecurity?: number;
  /** Give up after this long; required because MD5 peers drop unsigned RSTs (see below). */
  timeoutMs: number;
}

/** Why a connection attempt failed, in the few classes the session layer acts on. */
export type ConnectFailure = 'timeout' | 'refused' | 'unreachable' | 'reset' | 'other';

export class ConnectError extends Error {
  readonly reason: ConnectFailure;
  readonly peer: string;
  readonly port: number;
  /** The system error code (ECONNREFUSED, ...) when there was one. */
  readonly code: string | undefined;

  constructor(
    reason: ConnectFailure,
    peer: string,
    port: number,
    detail: string,
    code?: string,
    cause?: unknown,
  ) {
    super(
      `connect to ${formatEndpoint(peer, port)} failed: ${detail}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'ConnectError';
    this.reason = reason;
    this.peer = peer;
    this.port = port;
    this.code = code;
  }
}

function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Opens a TCP connection to a BGP peer; resolves once the three-way handshake completed. */
export async function connectTo(opts: ConnectOptions): Promise<net.Socket> {
  const peer = normalizeAddress(opts.peer);
  const port = opts.port ?? BGP_PORT;
  const family = addressFamily(peer);
  if (opts.localAddress !== undefined && addressFamily(normalizeAddress(opts.localAddress)) !== family) {
    throw new TypeError(`source address ${opts.localAddress} is not of the peer ${peer}'s address family`);
  }
  if (opts.ttl !== undefined && opts.ttlSecurity !== undefined) {
    // GTSM fixes the sent TTL at 255; a multihop TTL would contradict it (FRR and GoBGP refuse the
    // combination the same way).
    throw new TypeError('ttl (eBGP multihop) and ttlSecurity (GTSM) exclude each other');
  }
  if (!(opts.timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${opts.timeoutMs}`);

  const fd = createTcpSocket(family);
  let socket: net.Socket;
  try {
    if (opts.md5Key) setTcpMd5(fd, family, peer, opts.md5Key);
    if (opts.ttlSecurity !== undefined) {
      setTtl(fd, family, GTSM_TTL);
      setMinTtl(fd, family, gtsmMinTtl(opts.ttlSecurity));
    } else if (opts.ttl !== undefined) {
      setTtl(fd, family, opts.ttl);
    }
    socket = socketFromFd(fd);
  } catch (err) {
    close(fd);
    throw err;
  }

  return new Promise<net.Socket>((resolve, reject) => {
    const settle = (err: ConnectError | null): void => {
      clearTimeout(timer);
      socket.removeListener('connect', onConnect);
      socket.removeListener('error', onError);
      if (err) {
        socket.destroy();
        reject(err);
      } else {
        socket.setNoDelay(true);
        resolve(socket);
      }
    };
    const onConnect = (): void => settle(null);
    const onError = (err: NodeJS.ErrnoException): void =>
      settle(classify(err, peer, port, opts.md5Key !== undefined));
    // A peer that has an MD5 key for us but gets a SYN with no or a wrong signature drops it
    // silently, and with our key set the kernel ignores unsigned RSTs too (LAB-NOTES: "connect to a
    // closed port hangs until the TCP timeout"). So only our own timer ends such an attempt.
    const timer = setTimeout(() => {
      const hint = opts.md5Key
        ? '; a TCP MD5 key is set, so a peer with no or a different key drops our SYN without answering'
        : opts.ttlSecurity !== undefined
          ? '; GTSM is on, so the peer may be further away than allowed or not sending TTL 255'
          : '';
      settle(
        new ConnectError('timeout', peer, port, `no answer within ${opts.timeoutMs} ms${hint}`, 'ETIMEDOUT'),
      );
    }, opts.timeoutMs);
    socket.once('connect', onConnect);
    socket.once('error', onError);
    const localAddress = opts.localAddress === undefined ? undefined : normalizeAddress(opts.localAddress);
    socket.connect({ port, host: peer, localAddress, family });
  });
}

function classify(err: NodeJS.ErrnoException, peer: string, port: number, md5: boolean): ConnectError {
  const code = err.code;
  switch (code) {
    case 'ECONNREFUSED':
      return new ConnectError('refused', peer, port, 'connection refused (nothing listens there)', code, err);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return new ConnectError('unreachable', peer, port, `${code}: ${err.message}`, code, err);
    case 'ECONNRESET':
      return new ConnectError('reset', peer, port, 'connection reset by the peer', code, err);
    case 'ETIMEDOUT':
      return new ConnectError(
        'timeout',
        peer,
        port,
        `kernel connect timeout${md5 ? ' (TCP MD5 key set: check the key on both sides)' : ''}`,
        code,
        err,
      );
    default:
      return new ConnectError('other', peer, port, err.message, code, err);
  }
}
