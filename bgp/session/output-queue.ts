// A peer's bounded output queue. UPDATEs wait here, not in the socket, so that a KEEPALIVE or
// NOTIFICATION never sits behind a backlog of UPDATEs: urgent messages jump this queue. When the bulk backlog passes its
// limit, `pushBulk` returns false and the producer (Adj-RIB-Out) waits for `onDrain` — the RIB
// never blocks on a slow peer, it just stops producing for it. Bulk data is written until the
// socket's write() says its buffer is full (Node's writableHighWaterMark, 16 KiB by default) and
// then again on 'drain', so an urgent message waits behind at most that much plus the kernel's
// send buffer.

export interface Sink {
  /** Writes to the socket; returns false when its buffer is full and 'drain' will follow. */
  write(buf: Buffer): boolean;
  /** Told about each queued (bulk) message once it is handed to the socket. */
  wroteBulk?(buf: Buffer): void;
}

export interface OutputQueueOptions {
  /** Bulk backlog above which pushBulk() reports backpressure. */
  readonly bulkLimit: number;
}

export const DEFAULT_OUTPUT_QUEUE: OutputQueueOptions = { bulkLimit: 4 * 1024 * 1024 };

export class OutputQueue {
  private readonly sink: Sink;
  private readonly opts: OutputQueueOptions;
  private readonly bulk: Buffer[] = [];
  private head = 0;
  private bulkBytes = 0;
  private drainWaiters: (() => void)[] = [];
  private closed = false;
  /** The socket's last write() returned false; wait for 'drain' (drained()). */
  private blocked = false;

  constructor(sink: Sink, opts: OutputQueueOptions = DEFAULT_OUTPUT_QUEUE) {
    this.sink = sink;
    this.opts = opts;
  }

  /** OPEN, KEEPALIVE, NOTIFICATION, ROUTE-REFRESH: straight to the socket, ahead of queued UPDATEs. */
  pushUrgent(buf: Buffer): void {
    if (this.closed) return;
    if (!this.sink.write(buf)) this.blocked = true;
  }

  /** Queues an UPDATE. Returns false once the backlog is over the limit: wait for onDrain. */
  pushBulk(buf: Buffer): boolean {
    if (this.closed) return false;
    this.bulk.push(buf);
    this.bulkBytes += buf.length;
    this.pump();
    return this.bulkBytes < this.opts.bulkLimit;
  }

  /** Bytes of UPDATEs waiting in this queue (not yet given to the socket). */
  get backlog(): number {
    return this.bulkBytes;
  }

  /** Calls fn once when the backlog drops under the limit (at once if it already is). */
  onDrain(fn: () => void): void {
    if (this.bulkBytes < this.opts.bulkLimit) queueMicrotask(fn);
    else this.drainWaiters.push(fn);
  }

  /** The socket drained: move more bulk data into it. The session calls this on 'drain'. */
  drained(): void {
    this.blocked = false;
    this.pump();
  }

  private pump(): void {
    while (!this.blocked && this.head < this.bulk.length) {
      const buf = this.bulk[this.head]!;
      this.bulk[this.head++] = EMPTY;
      this.bulkBytes -= buf.length;
      if (!this.sink.write(buf)) this.blocked = true;
      this.sink.wroteBulk?.(buf);
    }
    if (this.head > 1024 && this.head * 2 > this.bulk.length) {
      this.bulk.splice(0, this.head);
      this.head = 0;
    }
    if (this.bulkBytes < this.opts.bulkLimit && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Drops everything queued (session down); producers waiting are not called. */
  close(): void {
    this.closed = true;
    this.bulk.length = 0;
    this.head = 0;
    this.bulkBytes = 0;
    this.drainWaiters = [];
  }
}

const EMPTY = Buffer.alloc(0);
