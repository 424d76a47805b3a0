// Long RIB jobs (peer-down of a full table, stale sweeps, next-hop re-evaluation) run in slices
// so the event loop keeps serving keepalives. A job does at most `budget` units per call and
// reports whether it is done; runJob drives one to completion, yielding between slices.
//
// In: a RibJob. Out: a promise that settles when it is done.
import { setImmediate as yieldToLoop } from 'node:timers/promises';

export interface RibJob {
  /** Do up to `budget` units of work; true when finished. */
  run(budget: number): boolean;
}

export const DONE: RibJob = { run: () => true };

export async function runJob(job: RibJob, slice = 20000): Promise<void> {
  while (!job.run(slice)) await yieldToLoop();
}

/** Run a job to completion now (tests, small tables). */
export function runJobNow(job: RibJob): void {
  while (!job.run(Number.MAX_SAFE_INTEGER));
}

/** A job over a fixed list of items. */
export function listJob(items: ArrayLike<number>, each: (item: number) => void, after?: () => void): RibJob {
  let i = 0;
  return {
    run(budget) {
      const end = Math.min(items.length, i + budget);
      for (; i < end; i++) each(items[i]);
      if (i < items.length) return false;
      if (after !== undefined) {
        after();
        after = undefined;
      }
      return true;
    },
  };
}
