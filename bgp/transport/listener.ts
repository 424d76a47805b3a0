// Incoming BGP connections (RFC 4271 §8: a passive peer waits for the TCP connection in Active
// state). BgpListener listens on the configured addresses and port, holds the per-peer TCP MD5
// keys (RFC 2385) on its listening sockets, applies GTSM (RFC 5082) and hands each accepted
// connection to its owner only if the peer is configured. In: configuration and the owner's
// isConfiguredPeer / transportFor functions. Out: onConnection(socket, peerAddress, localAddress)
// for configured peers; onRejected(...) for everything else, which is reset at once.
import net from 'node:net';
import {
  enableSavedSyn,
  savedSynTtl,
  setMinTtl,
  setTcpMd5,
  setTcpMd5Prefix,
  setTtl,
} from '../../sys/sockopt.ts';
import type { IpFamily } from '../../sys/sockopt.ts';
import { BGP_PORT } from './connector.ts';
import { addressFamily, GTSM_TTL, gtsmMinTtl, normalizeAddress } from './peer-address.ts';
import { fdOf } from './socket-fd.ts';

/** How one peer's accepted connection is set up. */
export interface PeerTransportOptions {
  /** TTL of sent segments (eBGP multihop). */
  ttl?: number;
  /** GTSM: the peer is this many hops away (1 = directly connected). */
  ttlSecurity?: number;
}

export type RejectReason = 'not-configured' | 'ttl-security';

export interface BgpListenerOptions {
  /** Local addresses to listen on; default 0.0.0.0 and :: (IPv6-only, since both are present). */
  addresses?: readonly string[];
  /** Default 179. 0 picks a free port per address (for tests). */
  port?: number;
  /** Minimum TTL for every connection on these sockets (IP_MINTTL on the listening sockets). */
  minTtl?: number;
  /** The owner's decision: a configured peer or inside a configured dynamic range. */
  isConfiguredPeer: (peerAddress: string) => boolean;
  /** Per-peer TTL settings for accepted connections. */
  transportFor?: (peerAddress: string) => PeerTransportOptions | undefined;
  onConnection: (socket: net.Socket, peerAddress: string, localAddress: string) => void;
  onRejected?: (peerAddress: string, localAddress: string, reason: RejectReason, detail: string) => void;
  /** Errors of a listening socket after start (without it they are thrown). */
  onError?: (err: Error) => void;
}

interface ListeningSocket {
  server: net.Server;
  address: string;
  family: IpFamily;
  /** Whether an IPv6 socket also receives IPv4 (as ::ffff:a.b.c.d). */
  dualStack: boolean;
  fd: number;
}

type Key = { prefix: string; prefixLength: number | null; key: string };

export class BgpListener {
  readonly #opts: BgpListenerOptions;
  readonly #sockets: ListeningSocket[] = [];
  /** Keys by "address" or "prefix/len"; kept so they can be applied to every listening socket. */
  readonly #keys = new Map<string, Key>();

  constructor(opts: BgpListenerOptions) {
    if (opts.minTtl !== undefined && (opts.minTtl < 0 || opts.minTtl > 255)) {
      throw new RangeError(`minTtl ${opts.minTtl} out of range 0-255`);
    }
    this.#opts = opts;
  }

  /** Starts listening on every configured address; rejects (and closes all) if one fails. */
  async start(): Promise<void> {
    if (this.#sockets.length > 0) throw new Error('BgpListener already started');
    const addresses = (this.#opts.addresses ?? ['0.0.0.0', '::']).map(normalizeAddress);
    const hasV4 = addresses.some((a) => addressFamily(a) === 4);
    try {
      for (const address of addresses) await this.#listen(address, hasV4);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** The bound addresses and ports (useful with port 0). */
  listening(): { address: string; port: number; family: IpFamily }[] {
    return this.#sockets.map((s) => {
      const info = s.server.address() as net.AddressInfo;
      return { address: s.address, port: info.port, family: s.family };
    });
  }

  /** Adds, replaces (key given) or removes (null) the MD5 key for one peer on every socket. */
  setPeerKey(peerAddress: string, key: string | null): void {
    this.#setKey(normalizeAddress(peerAddress), null, key);
  }

  /** Like setPeerKey for a dynamic range prefix/prefixLength (TCP_MD5SIG_EXT). */
  setRangeKey(prefix: string, prefixLength: number, key: string | null): void {
    this.#setKey(normalizeAddress(prefix), prefixLength, key);
  }

  /** Stops listening. Accepted sessions belong to their owners and stay open. */
  close(): void {
    for (const s of this.#sockets.splice(0)) {
      if (s.server.listening) s.server.close();
    }
  }

  #setKey(prefix: string, prefixLength: number | null, key: string | null): void {
    const id = prefixLength === null ? prefix : `${prefix}/${prefixLength}`;
    const entry: Key = { prefix, prefixLength, key: key ?? '' };
    for (const s of this.#sockets) this.#applyKey(s, entry);
    if (key) this.#keys.set(id, entry);
    else this.#keys.delete(id);
  }

  #applyKey(s: ListeningSocket, k: Key): void {
    const peerFamily = addressFamily(k.prefix);
    if (peerFamily !== s.family && !(peerFamily === 4 && s.dualStack)) return;
    if (k.prefixLength === null) setTcpMd5(s.fd, s.family, k.prefix, k.key || null);
    else setTcpMd5Prefix(s.fd, s.family, k.prefix, k.prefixLength, k.key || null);
  }

  async #listen(address: string, hasV4: boolean): Promise<void> {
    const family = addressFamily(address);
    // An IPv6 wildcard socket would also take IPv4 (dual-stack) and then collide with an IPv4
    // socket on the same port; so IPv6 sockets are IPv6-only whenever IPv4 is listed as well.
    const ipv6Only = family === 6 && hasV4;
    const server = net.createServer({ noDelay: true }, (socket) => this.#accept(s, socket));
    const s: ListeningSocket = {
      server,
      address,
      family,
      dualStack: family === 6 && !ipv6Only,
      fd: -1,
    };
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port: this.#opts.port ?? BGP_PORT, ipv6Only, exclusive: true }, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    this.#sockets.push(s);
    if (this.#opts.onError) server.on('error', this.#opts.onError);
    // Set right after listen(2), before the event loop can hand us a connection. A SYN that
    // raced in before its key was set carried an MD5 option the socket did not expect, so the
    // kernel dropped it and the peer retransmits it.
    s.fd = fdOf(server);
    // IP_MINTTL on a listening socket is checked against each incoming SYN, and Linux copies it
    // into every socket accepted from it (child sockets are clones of the listener), so the
    // whole connection keeps the check. Verified by reading it back in listener.test.ts.
    if (this.#opts.minTtl !== undefined) setMinTtl(s.fd, family, this.#opts.minTtl);
    // The SYN-ACK leaves with the listening socket's TTL, before we know which peer it is for. A
    // GTSM peer drops anything below 255 (RFC 5082), so the listener always sends 255; that reaches
    // every other peer as well. Accepted sockets inherit it until transportFor sets a peer's TTL.
    setTtl(s.fd, family, GTSM_TTL);
    if (this.#opts.transportFor) enableSavedSyn(s.fd);
    for (const k of this.#keys.values()) this.#applyKey(s, k);
  }

  #accept(s: ListeningSocket, socket: net.Socket): void {
    const peerAddress = normalizeAddress(socket.remoteAddress ?? '');
    const localAddress = normalizeAddress(socket.localAddress ?? '');
    // Rejected connections get a RST and no state: no TIME_WAIT on our side, nothing remembered.
    const reject = (reason: RejectReason, detail: string): void => {
      socket.on('error', () => {});
      socket.resetAndDestroy();
      this.#opts.onRejected?.(peerAddress, localAddress, reason, detail);
    };
    if (!peerAddress || !this.#opts.isConfiguredPeer(peerAddress)) {
      reject('not-configured', `${peerAddress || 'unknown address'} is not a configured peer`);
      return;
    }
    const transport = this.#opts.transportFor?.(peerAddress);
    if (transport) {
      const fd = fdOf(socket);
      // Reading the saved SYN also frees it.
      const synTtl = savedSynTtl(fd);
      if (transport.ttlSecurity !== undefined) {
        const minTtl = Math.max(gtsmMinTtl(transport.ttlSecurity), this.#opts.minTtl ?? 0);
        // RFC 5082 §3: accept only what arrived with TTL >= 255 - TrustRadius (see gtsmMinTtl).
        // The listening socket cannot hold a per-peer minimum, so the SYN's own TTL (saved by
        // TCP_SAVE_SYN) decides here, and IP_MINTTL on the new socket guards the rest.
        if (synTtl !== null && synTtl < minTtl) {
          reject('ttl-security', `SYN arrived with TTL ${synTtl}, GTSM needs at least ${minTtl}`);
          return;
        }
        setTtl(fd, s.family, GTSM_TTL);
        setMinTtl(fd, s.family, minTtl);
      } else if (transport.ttl !== undefined) {
        setTtl(fd, s.family, transport.ttl);
      }
    }
    this.#opts.onConnection(socket, peerAddress, localAddress);
  }
}
