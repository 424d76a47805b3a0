// The one timer facility shared by every peer (DESIGN: "All peers share one timer facility, not a
// setTimeout each"). In: start/stop/restart requests keyed by (owner, timerName), e.g. a peer's
// connection id and an RFC 4271 timer name such as 'HoldTimer'. Out: one callback per expiry,
// `onExpire(owner, timerName)`, which the session driver turns into an FSM event.
//
// Deadlines live in a binary min-heap; each entry remembers its heap index so that stop and
// restart are O(log n). Exactly one clock timer is armed, for the earliest deadline. The clock is
// injectable: production uses the Node clock, tests a ManualClock they advance by hand.

/** What the facility needs from a clock. Times are milliseconds. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The Node.js clock: monotonic time and the real event-loop timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface ManualTimeout {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** A clock for tests: time moves only when advance() is called, and due callbacks run in order. */
export class ManualClock implements Clock {
  private current: number;
  private order = 0;
  private pending: ManualTimeout[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const t: ManualTimeout = {
      at: this.current + Math.max(0, delayMs),
      order: this.order++,
      callback,
      cancelled: false,
    };
    this.pending.push(t);
    return t;
  }

  clearTimeout(handle: unknown): void {
    (handle as ManualTimeout).cancelled = true;
  }

  /** How many clock timeouts are armed (the facility should keep this at most 1). */
  get armed(): number {
    return this.pending.filter((t) => !t.cancelled).length;
  }

  /** Move time forward by ms, running every callback that falls due, each at its own instant. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      this.pending = this.pending.filter((t) => !t.cancelled);
      let next: ManualTimeout | undefined;
      for (const t of this.pending) {
        if (
          t.at <= end &&
          (next === undefined || t.at < next.at || (t.at === next.at && t.order < next.order))
        ) {
          next = t;
        }
      }
      if (next === undefined) break;
      next.cancelled = true;
      this.current = Math.max(this.current, next.at);
      next.callback();
    }
    this.current = end;
  }
}

interface TimerEntry {
  readonly key: string;
  readonly owner: string;
  readonly name: string;
  deadline: number;
  /** Start order, so that equal deadlines fire in the order they were set. */
  seq: number;
  /** Position in the heap array; -1 once removed. */
  index: number;
}

/** setTimeout's delay is a signed 32-bit number of ms; longer waits are re-armed on wake-up. */
const MAX_CLOCK_DELAY_MS = 0x7fffffff;

export type ExpiryHandler = (owner: string, name: string) => void;

export class TimerFacility {
  private readonly clock: Clock;
  private readonly onExpire: ExpiryHandler;
  private readonly byKey = new Map<string, TimerEntry>();
  private readonly heap: TimerEntry[] = [];
  private seq = 0;
  private armedHandle: unknown = null;
  private armedFor = Infinity;
  private firing = false;

  constructor(onExpire: ExpiryHandler, clock: Clock = systemClock) {
    this.onExpire = onExpire;
    this.clock = clock;
  }

  /** Start the timer, or restart it if it is running, to expire `seconds` from now. */
  start(owner: string, name: string, seconds: number): void {
    if (!(seconds >= 0) || !Number.isFinite(seconds))
      throw new RangeError(`timer ${name}: bad duration ${seconds}`);
    const deadline = this.clock.now() + seconds * 1000;
    const key = keyOf(owner, name);
    const existing = this.byKey.get(key);
    if (existing !== undefined) {
      const earlier = deadline < existing.deadline;
      existing.deadline = deadline;
      existing.seq = this.seq++;
      if (earlier) this.siftUp(existing.index);
      else this.siftDown(existing.index);
    } else {
      const entry: TimerEntry = { key, owner, name, deadline, seq: this.seq++, index: this.heap.length };
      this.byKey.set(key, entry);
      this.heap.push(entry);
      this.siftUp(entry.index);
    }
    this.rearm();
  }

  /** Stop the timer; returns whether it was running. */
  stop(owner: string, name: string): boolean {
    const entry = this.byKey.get(keyOf(owner, name));
    if (entry === undefined) return false;
    this.remove(entry);
    this.rearm();
    return true;
  }

  /** Stop every timer of one owner (a connection that is being disposed). */
  stopAll(owner: string): number {
    let n = 0;
    for (const entry of [...this.byKey.values()]) {
      if (entry.owner === owner) {
        this.remove(entry);
        n++;
      }
    }
    if (n > 0) this.rearm();
    return n;
  }

  isRunning(owner: string, name: string): boolean {
    return this.byKey.has(keyOf(owner, name));
  }

  /** Milliseconds until the timer expires, or undefined when it is not running. */
  remainingMs(owner: string, name: string): number | undefined {
    const entry = this.byKey.get(keyOf(owner, name));
    return entry === undefined ? undefined : Math.max(0, entry.deadline - this.clock.now());
  }

  /** Number of running timers. */
  get size(): number {
    return this.heap.length;
  }

  /** Stop everything and disarm the clock (daemon shutdown, end of a test). */
  clear(): void {
    for (const entry of this.heap) entry.index = -1;
    this.heap.length = 0;
    this.byKey.clear();
    this.rearm();
  }

  private remove(entry: TimerEntry): void {
    const i = entry.index;
    const last = this.heap.pop() as TimerEntry;
    this.byKey.delete(entry.key);
    entry.index = -1;
    if (last !== entry) {
      this.heap[i] = last;
      last.index = i;
      this.siftUp(i);
      this.siftDown(last.index);
    }
  }

  /** Keep exactly one clock timer, armed for the earliest deadline. */
  private rearm(): void {
    if (this.firing) return; // fire() re-arms once when its loop is done
    const top = this.heap[0];
    const want = top === undefined ? Infinity : top.deadline;
    if (want === this.armedFor && this.armedHandle !== null) return;
    if (this.armedHandle !== null) this.clock.clearTimeout(this.armedHandle);
    this.armedHandle = null;
    this.armedFor = want;
    if (top === undefined) return;
    const delay = Math.min(MAX_CLOCK_DELAY_MS, Math.max(0, Math.ceil(want - this.clock.now())));
    this.armedHandle = this.clock.setTimeout(() => this.fire(), delay);
  }

  private fire(): void {
    this.armedHandle = null;
    this.armedFor = Infinity;
    this.firing = true;
    try {
      for (;;) {
        const top = this.heap[0];
        if (top === undefined || top.deadline > this.clock.now()) break;
        this.remove(top);
        // The handler may start or stop timers (also this one); the heap stays consistent
        // because the entry is gone before the call.
        this.onExpire(top.owner, top.name);
      }
    } finally {
      this.firing = false;
      this.rearm();
    }
  }

  private less(a: TimerEntry, b: TimerEntry): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i] as TimerEntry;
    const b = this.heap[j] as TimerEntry;
    this.heap[i] = b;
    this.heap[j] = a;
    a.index = j;
    b.index = i;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.heap[i] as TimerEntry, this.heap[parent] as TimerEntry)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < n && this.less(this.heap[l] as TimerEntry, this.heap[smallest] as TimerEntry)) smallest = l;
      if (r < n && this.less(this.heap[r] as TimerEntry, this.heap[smallest] as TimerEntry)) smallest = r;
      if (smallest === i) break;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}

function keyOf(owner: string, name: string): string {
  return `${owner}\u0000${name}`;
}
