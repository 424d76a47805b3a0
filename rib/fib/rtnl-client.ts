// A request/reply client for rtnetlink on one NetlinkSocket: dumps (routes, links, addresses) and
// the batched route writer. In: KernelRoute operations. Out: decoded kernel objects, and for each
// batch the operations the kernel refused with its errno and extended-ack text.
//
// Batching: many RTM_NEWROUTE/RTM_DELROUTE go into one send buffer. Only the last message of each
// buffer asks for an ack; the others carry no NLM_F_ACK, so the kernel answers them only when they
// fail ("if (err || (nlh->nlmsg_flags & NLM_F_ACK)) netlink_ack(...)", net/netlink/af_netlink.c
// netlink_rcv_skb). Every message has its own sequence number, and an error ack echoes the failed
// request's header, so seq - firstSeq is the index of the failed operation. The kernel handles a
// NETLINK_ROUTE request inside the sendmsg() call, so when the last message's ack arrives every
// earlier error is already queued ahead of it.
import type { NetlinkSocket } from '../../sys/netlink.ts';
import { strerror } from '../../sys/netlink.ts';
import type { KernelAddress, KernelLink } from './link-message.ts';
import { decodeAddress, decodeLink, encodeAddrDumpRequest, encodeLinkDumpRequest } from './link-message.ts';
import type { NlMessage } from './nlmsg.ts';
import { NlWriter, decodeAck, messages } from './nlmsg.ts';
import type { DecodedRoute, KernelRoute } from './route-message.ts';
import { decodeRoute, encodeRoute, encodeRouteDumpRequest } from './route-message.ts';
import { NlmFlag, NlmsgType, RtmType } from './rtnetlink-constants.ts';

/** One change to the kernel table: replace (create or overwrite) or delete a route. */
export interface RouteOp {
  readonly op: 'replace' | 'delete';
  readonly route: KernelRoute;
}

/** An operation the kernel refused. */
export interface RouteOpFailure {
  /** Index into the ops array given to applyBatch. */
  readonly index: number;
  /** Positive errno (e.g. 101 ENETUNREACH). */
  readonly errno: number;
  /** The kernel's extended-ack text, or strerror(errno) when it gave none. */
  readonly message: string;
}

/**
 * Operations in a compact form the caller keeps (the Fib's per-slot columns): how many, which are
 * deletes, and how to write operation i as one netlink message. applyBatch wraps RouteOp[] in one.
 */
export interface RouteBatch {
  readonly length: number;
  isDelete(i: number): boolean;
  /**
   * Append operation i to w as one whole message with this sequence number; `ack` (NLM_F_ACK or 0)
   * is ORed into its REPLACE_FLAGS / DELETE_FLAGS.
   */
  encode(i: number, w: NlWriter, ack: number, seq: number): void;
}

/** NLM_F_* flags of a replace (create or overwrite) and of a delete, before NLM_F_ACK. */
export const REPLACE_FLAGS = NlmFlag.REQUEST | NlmFlag.CREATE | NlmFlag.REPLACE;
export const DELETE_FLAGS = NlmFlag.REQUEST;

class RouteOpBatch implements RouteBatch {
  private readonly ops: readonly RouteOp[];
  constructor(ops: readonly RouteOp[]) {
    this.ops = ops;
  }
  get length(): number {
    return this.ops.length;
  }
  isDelete(i: number): boolean {
    return this.ops[i].op === 'delete';
  }
  encode(i: number, w: NlWriter, ack: number, seq: number): void {
    const { op, route } = this.ops[i];
    if (op === 'replace') encodeRoute(w, RtmType.NEWROUTE, REPLACE_FLAGS | ack, seq, route);
    else encodeRoute(w, RtmType.DELROUTE, DELETE_FLAGS | ack, seq, route);
  }
}

export interface BatchResult {
  readonly failures: RouteOpFailure[];
  /** Set when the receive queue overflowed: some errors may be lost; re-dump to know the truth. */
  readonly overrun: boolean;
}

const YIELD_AFTER_MS = 8;
/** Aim for sends that take this long end to end (encode, the kernel's work, acks). */
const SEND_BUDGET_MS = 8;
const MIN_OPS_PER_SEND = 64;
const MAX_OPS_PER_SEND = 1 << 16;

export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The order applyBatch sends `ops` in: position k sends ops[order[k]]. Every run of consecutive
 * deletes is shuffled (xorshift32 with a fixed seed, so the order is reproducible); installs keep
 * their place. Computed all at once here; applyBatch computes the same order lazily (SendOrder).
 */
export function deleteOrder(ops: readonly { readonly op: 'replace' | 'delete' }[]): Int32Array {
  return scatterOrder(ops.length, (i) => ops[i].op === 'delete');
}

/** deleteOrder over n operations given by isDelete(i). */
export function scatterOrder(n: number, isDelete: (i: number) => boolean): Int32Array {
  const s = new SendOrder(n, isDelete, true);
  for (let k = 0; k < n; k++) s.at(k);
  return s.order;
}

/**
 * The send order, shuffled as positions are taken: a forward Fisher-Yates shuffle within each run
 * of deletes (position k swaps with a position drawn from [k, end of run)), so no up-front pass
 * over a million operations holds the event loop. at(k) must be called for k = 0, 1, 2, ...
 */
class SendOrder {
  readonly order: Int32Array;
  private readonly n: number;
  private readonly isDelete: (i: number) => boolean;
  private readonly scatter: boolean;
  private runEnd = 0;
  private seed = 0x9e3779b9;

  constructor(n: number, isDelete: (i: number) => boolean, scatter: boolean) {
    this.n = n;
    this.isDelete = isDelete;
    this.scatter = scatter;
    const order = new Int32Array(n);
    for (let k = 0; k < n; k++) order[k] = k;
    this.order = order;
  }

  /** The operation sent at position k. */
  at(k: number): number {
    const order = this.order;
    if (!this.scatter) return order[k];
    if (k >= this.runEnd) {
      // Positions from k on are untouched: order[k] === k.
      if (!this.isDelete(k)) return k;
      let end = k + 1;
      while (end < this.n && this.isDelete(end)) end++;
      this.runEnd = end;
    }
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x;
    const j = k + Math.floor(((x >>> 0) / 4294967296) * (this.runEnd - k));
    const t = order[k];
    order[k] = order[j];
    order[j] = t;
    return order[k];
  }
}

/** One send, and what its acks are matched against. */
interface PendingSend {
  readonly buf: Buffer;
  /** Position (in send order) of its first operation, and how many it carries. */
  readonly first: number;
  readonly count: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly start: number;
}

export class RtnlError extends Error {
  readonly errno: number;
  constructor(what: string, errno: number, text: string | null) {
    super(`${what}: ${text ?? strerror(errno)} (errno ${errno})`);
    this.name = 'RtnlError';
    this.errno = errno;
  }
}

export class RtnlClient {
  readonly sock: NetlinkSocket;
  private seq: number;
  private readonly writer = new NlWriter(1 << 20);
  private readonly rx = Buffer.alloc(1 << 16);
  /** Bytes of messages per send at most; the socket's sndbuf must exceed it. */
  readonly batchBytes: number;
  /** Whether runs of deletes are sent in a scattered order (see applyBatch). */
  readonly scatter: boolean;
  /** Operations in the next send, adapted to SEND_BUDGET_MS. */
  private opsPerSend = 1024;
  /**
   * Route batches so far: sends, operations, and milliseconds spent waiting for sendAsync (the
   * kernel applies the messages inside sendmsg(), so this is about the kernel's own cost).
   */
  readonly counters = { sends: 0, ops: 0, sendMs: 0 };

  constructor(sock: NetlinkSocket, options: { batchBytes?: number; scatterDeletes?: boolean } = {}) {
    this.sock = sock;
    this.seq = (Date.now() & 0x3fffffff) >>> 0;
    this.batchBytes = options.batchBytes ?? 1 << 20;
    this.scatter = options.scatterDeletes ?? true;
  }

  /** Take n contiguous sequence numbers; wraps to 1 before passing 2^32 so a range never splits. */
  private takeSeqs(n = 1): number {
    if (this.seq + n >= 0xffffffff) this.seq = 1;
    const s = this.seq;
    this.seq += n;
    return s;
  }

  /** Receive one datagram, waiting off the event loop if none is queued yet. Returns its length. */
  private async receive(): Promise<number> {
    for (;;) {
      const n = this.sock.recvInto(this.rx);
      if (n >= 0) return n;
      if (this.sock.isClosed) throw new Error('netlink socket closed');
      await this.sock.waitReadable(1000);
    }
  }

  /**
   * Run one dump request; call onMessage for each answer until NLMSG_DONE. Yields to the event
   * loop every few milliseconds. Restarts when the kernel flags NLM_F_DUMP_INTR (the table changed
   * while it was being dumped) — onRestart lets the caller drop what it collected.
   */
  private async dump(
    encode: (w: NlWriter, seq: number) => void,
    onMessage: (m: NlMessage) => void,
    onRestart: () => void,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const seq = this.takeSeqs();
      this.writer.reset();
      encode(this.writer, seq);
      this.sock.send(this.writer.result());
      let interrupted = false;
      let done = false;
      let sliceStart = performance.now();
      while (!done) {
        const n = await this.receive();
        for (const m of messages(this.rx, n)) {
          if (m.seq !== seq) continue; // a late answer to an earlier request
          if (m.flags & NlmFlag.DUMP_INTR) interrupted = true;
          if (m.type === NlmsgType.DONE) {
            done = true;
            break;
          }
          if (m.type === NlmsgType.ERROR) {
            const ack = decodeAck(m);
            if (ack.error === 0) continue;
            throw new RtnlError('dump', -ack.error, ack.message);
          }
          onMessage(m);
        }
        if (performance.now() - sliceStart > YIELD_AFTER_MS) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
      if (!interrupted || attempt >= 5) return;
      onRestart();
    }
  }

  /** All routes of a family (AF_INET/AF_INET6), optionally only one table and protocol. */
  async dumpRoutes(
    family: number,
    filter: { table?: number; protocol?: number } = {},
  ): Promise<DecodedRoute[]> {
    let out: DecodedRoute[] = [];
    await this.dump(
      (w, seq) => encodeRouteDumpRequest(w, seq, family, filter),
      (m) => {
        if (m.type !== RtmType.NEWROUTE) return;
        const r = decodeRoute(m);
        // The kernel filters only with NETLINK_GET_STRICT_CHK; filter again so either way is right.
        if (filter.table !== undefined && r.table !== filter.table) return;
        if (filter.protocol !== undefined && r.protocol !== filter.protocol) return;
        out.push(r);
      },
      () => (out = []),
    );
    return out;
  }

  async dumpLinks(): Promise<KernelLink[]> {
    let out: KernelLink[] = [];
    await this.dump(
      (w, seq) => encodeLinkDumpRequest(w, seq),
      (m) => {
        if (m.type === RtmType.NEWLINK) out.push(decodeLink(m));
      },
      () => (out = []),
    );
    return out;
  }

  async dumpAddresses(family = 0): Promise<KernelAddress[]> {
    let out: KernelAddress[] = [];
    await this.dump(
      (w, seq) => encodeAddrDumpRequest(w, seq, family),
      (m) => {
        if (m.type === RtmType.NEWADDR) out.push(decodeAddress(m));
      },
      () => (out = []),
    );
    return out;
  }

  /**
   * Apply route operations, yielding to the event loop between sends. Returns the operations the
   * kernel refused (by their index in `ops`); all others took effect.
   *
   * The kernel does the work of a send inside the sendmsg() call: a 1 MiB send (~15k routes) took
   * 20-55 ms on a busy machine, all of it on the event loop while send() was synchronous. Sends now
   * run on a worker thread (NetlinkSocket.sendAsync), and the number of operations per send also
   * follows a time budget (SEND_BUDGET_MS, measured on the previous send) so acks are read and
   * other work interleaves at a steady pace.
   *
   * Each run of consecutive deletes is applied in a scattered order (a seeded shuffle). Measured
   * on 1M /24s installed in ascending order (docs/BENCHMARKS.md): deleting them ascending ran at
   * ~53k routes/s, descending ~250k/s, in random order ~480k/s. Installs and the position of each
   * delete run relative to installs are kept as given (Fib installs before it removes).
   */
  applyBatch(ops: readonly RouteOp[]): Promise<BatchResult> {
    return this.applyRouteBatch(new RouteOpBatch(ops));
  }

  /**
   * applyBatch over operations the caller encodes itself (RouteBatch); failures index into it.
   *
   * Not pipelined on purpose: encoding the next send while the kernel applies the previous one
   * was measured slower at 1M deletes (184-267k/s against 313-324k/s, the kernel's time inside
   * sendmsg() doubled and stalls grew from 30-40 to 130-170 ms on the 2-core machine).
   */
  async applyRouteBatch(ops: RouteBatch): Promise<BatchResult> {
    const failures: RouteOpFailure[] = [];
    const order = new SendOrder(ops.length, (i) => ops.isDelete(i), this.scatter);
    let overrun = false;
    let i = 0;
    let sliceStart = performance.now();
    const w = this.writer;
    while (i < ops.length) {
      const sendStart = performance.now();
      w.reset();
      const first = i;
      // At least 36 bytes per message, so this many numbers always cover one send.
      const firstSeq = this.takeSeqs(Math.ceil(this.batchBytes / 36) + 1);
      const limit = Math.min(ops.length, i + this.opsPerSend);
      let seq = firstSeq;
      while (i < limit && w.pos < this.batchBytes) {
        const last = i === limit - 1 || w.pos + 512 >= this.batchBytes;
        ops.encode(order.at(i), w, last ? NlmFlag.ACK : 0, seq);
        seq++;
        i++;
        if (last) break;
      }
      const send: PendingSend = {
        buf: w.result(),
        first,
        count: i - first,
        firstSeq,
        lastSeq: seq - 1,
        start: performance.now(),
      };
      if (await this.finishSend(send, order.order, failures)) overrun = true;
      this.adaptSendSize(i - first, performance.now() - sendStart);
      if (performance.now() - sliceStart > YIELD_AFTER_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    failures.sort((a, b) => a.index - b.index);
    return { failures, overrun };
  }

  /** Send, wait until the kernel applied it, read its acks. Returns whether acks were lost (ENOBUFS). */
  private async finishSend(p: PendingSend, order: Int32Array, failures: RouteOpFailure[]): Promise<boolean> {
    await this.sock.sendAsync(p.buf);
    this.counters.sendMs += performance.now() - p.start;
    this.counters.sends++;
    this.counters.ops += p.count;
    try {
      await this.collectAcks(p.firstSeq, p.lastSeq, p.first, order, failures);
    } catch (e) {
      if ((e as { errno?: number }).errno !== 105) throw e; // ENOBUFS: acks were dropped
      return true;
    }
    return false;
  }

  /**
   * Operations per send for the next send: what fit SEND_BUDGET_MS last time (encoding, the
   * kernel's work in sendmsg() and reading acks), at most doubling. Budgeting encoding alone gave
   * ~3x larger sends and only ~5% more deletes/s, with RTNL held that much longer per send.
   */
  private adaptSendSize(sent: number, ms: number): void {
    const fit = ms > 0 ? Math.floor((sent * SEND_BUDGET_MS) / ms) : sent * 2;
    const next = Math.min(fit, this.opsPerSend * 2);
    this.opsPerSend = Math.max(MIN_OPS_PER_SEND, Math.min(MAX_OPS_PER_SEND, next));
  }

  private async collectAcks(
    firstSeq: number,
    lastSeq: number,
    firstPosition: number,
    order: Int32Array,
    failures: RouteOpFailure[],
  ): Promise<void> {
    for (;;) {
      const n = await this.receive();
      for (const m of messages(this.rx, n)) {
        if (m.type !== NlmsgType.ERROR) continue;
        const ack = decodeAck(m);
        if (ack.seq < firstSeq || ack.seq > lastSeq) continue; // not this batch's
        const offset = ack.seq - firstSeq;
        if (ack.error !== 0) {
          failures.push({
            index: order[firstPosition + offset],
            errno: -ack.error,
            message: ack.message ?? strerror(-ack.error),
          });
        }
        if (ack.seq === lastSeq) return;
      }
    }
  }
}
