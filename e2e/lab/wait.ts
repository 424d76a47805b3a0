// Polling with a deadline for e2e tests: a probe is called until a predicate holds, and a timeout
// fails with what was awaited and the last value (or error) the probe produced.

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

export class WaitTimeoutError extends Error {
  readonly lastValue: unknown;
  constructor(message: string, lastValue: unknown) {
    super(message);
    this.name = 'WaitTimeoutError';
    this.lastValue = lastValue;
  }
}

/**
 * Calls `probe` every intervalMs (default 200 ms) until `accept(value)` is true and returns that
 * value. After timeoutMs (default 30 s) it throws a WaitTimeoutError naming `what` and showing
 * the last observed value or the probe's last error.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  accept: (value: T) => boolean,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let last: { value?: T; error?: unknown };
  while (true) {
    try {
      const value = await probe();
      last = { value };
      if (accept(value)) return value;
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) {
      const observed =
        'error' in last
          ? `last probe error: ${last.error instanceof Error ? last.error.message : String(last.error)}`
          : `last observed: ${describe(last.value)}`;
      throw new WaitTimeoutError(
        `timed out after ${timeoutMs} ms waiting for ${what}; ${observed}`,
        last.value,
      );
    }
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 2000 ? `${text.slice(0, 2000)}... (${text.length} chars)` : text;
}
