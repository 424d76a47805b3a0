// Event-loop lag and stalls. Two measures:
//  - perf_hooks monitorEventLoopDelay: a histogram of timer delays; metrics read its max and p99
//    (and reset it) at each scrape, so the gauges describe the time since the previous scrape.
//  - a heartbeat timer: the gap between two beats beyond the interval is how long the loop was
//    stalled. The longest stall since start is kept (DESIGN: "Measure the longest event-loop
//    stall"), and a stall beyond the threshold within the recent window makes /healthz fail.
// In: time. Out: lagSnapshot(), longestStallMs, health().
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ELDHistogram } from 'node:perf_hooks';

export interface EventLoopMonitorOptions {
  /** monitorEventLoopDelay sampling resolution. */
  readonly resolutionMs?: number;
  readonly heartbeatMs?: number;
  /** A stall at least this long makes health() fail. */
  readonly stallThresholdMs?: number;
  /** ... for this long after the stall ended. */
  readonly recentWindowMs?: number;
  /** Milliseconds, monotonic; performance.now() when absent. */
  readonly now?: () => number;
}

export interface LagSnapshot {
  readonly maxSeconds: number;
  readonly p99Seconds: number;
  readonly meanSeconds: number;
}

export interface LoopHealth {
  readonly ok: boolean;
  readonly reason: string;
}

export class EventLoopMonitor {
  readonly heartbeatMs: number;
  readonly stallThresholdMs: number;
  readonly recentWindowMs: number;
  private readonly now: () => number;
  private readonly histogram: ELDHistogram;
  private timer: NodeJS.Timeout | null = null;
  private lastBeat: number;
  private longest = 0;
  /** The last stall at or beyond the threshold: its length and when it ended. */
  private lastStall: { ms: number; endedAt: number } | null = null;

  constructor(opts: EventLoopMonitorOptions = {}) {
    this.heartbeatMs = opts.heartbeatMs ?? 100;
    this.stallThresholdMs = opts.stallThresholdMs ?? 10_000;
    this.recentWindowMs = opts.recentWindowMs ?? 60_000;
    this.now = opts.now ?? (() => performance.now());
    this.histogram = monitorEventLoopDelay({ resolution: opts.resolutionMs ?? 10 });
    this.lastBeat = this.now();
  }

  start(): void {
    if (this.timer !== null) return;
    this.histogram.enable();
    this.lastBeat = this.now();
    this.timer = setInterval(() => this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.histogram.disable();
  }

  /** One heartbeat; called by the interval timer (and by tests with an injected clock). */
  beat(): void {
    const t = this.now();
    this.recordGap(t - this.lastBeat - this.heartbeatMs, t);
    this.lastBeat = t;
  }

  private recordGap(stallMs: number, at: number): void {
    if (stallMs <= 0) return;
    if (stallMs > this.longest) this.longest = stallMs;
    if (stallMs >= this.stallThresholdMs) this.lastStall = { ms: stallMs, endedAt: at };
  }

  /** The longest stall seen since start, in milliseconds. */
  get longestStallMs(): number {
    return this.longest;
  }

  /** Lag since the previous snapshot (the histogram is reset when `reset`). */
  lagSnapshot(reset = true): LagSnapshot {
    const h = this.histogram;
    const empty = h.count === 0;
    const snap = {
      maxSeconds: empty ? 0 : h.max / 1e9,
      p99Seconds: empty ? 0 : h.percentile(99) / 1e9,
      meanSeconds: empty ? 0 : h.mean / 1e9,
    };
    if (reset) h.reset();
    return snap;
  }

  /** Healthy unless the loop is stalled now or was stalled beyond the threshold recently. */
  health(): LoopHealth {
    const t = this.now();
    // Overdue heartbeat: we are running right after a stall, before the timer had its turn.
    const overdue = t - this.lastBeat - this.heartbeatMs;
    if (overdue >= this.stallThresholdMs) {
      return {
        ok: false,
        reason: `event loop stalled for ${Math.round(overdue)} ms (threshold ${this.stallThresholdMs} ms)`,
      };
    }
    const s = this.lastStall;
    if (s !== null && t - s.endedAt < this.recentWindowMs) {
      const ago = Math.round((t - s.endedAt) / 1000);
      return {
        ok: false,
        reason: `event loop stalled for ${Math.round(s.ms)} ms ${ago} s ago (threshold ${this.stallThresholdMs} ms, window ${Math.round(this.recentWindowMs / 1000)} s)`,
      };
    }
    return { ok: true, reason: `ok: event loop running; longest stall ${Math.round(this.longest)} ms` };
  }
}
