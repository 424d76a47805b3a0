// The wire-codec fuzzer. `npm run fuzz -- [target|all] [iterations] [seed]` runs seeded mutation
// (bit flips, byte sets, truncation, extension, length-field tweaks, splicing, inserts/deletes) of
// each target's valid seeds, plus pure random inputs. Any exception that is not a BgpError, or one
// input taking longer than 1 s, is a failure: the input goes to test/fuzz-regressions/
// <target>-<hash>.hex and the process exits 1. Each target runs in a worker thread watched from here,
// so an input that never returns (an infinite loop) is caught and saved too.
// In: the targets of bench/fuzz-targets.ts. Out: a summary line per target, regression files.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { isBgpError } from '../bgp/wire/errors.ts';
import { FUZZ_TARGETS, type FuzzTarget, findTarget } from './fuzz-targets.ts';

export const REGRESSIONS_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'test',
  'fuzz-regressions',
);
/** Largest input the mutator makes (a little over an extended message). */
const MAX_INPUT = 66000;
const DEFAULT_SLOW_MS = 1000;

export interface FuzzFailure {
  readonly target: string;
  readonly kind: 'exception' | 'slow' | 'hang';
  readonly error: string;
  readonly input: Buffer;
  readonly ms: number;
}

export interface FuzzSummary {
  readonly target: string;
  readonly executed: number;
  /** Inputs the decoder accepted. */
  readonly accepted: number;
  /** Inputs rejected with a BgpError (the expected outcome for garbage). */
  readonly rejected: number;
  readonly slowestMs: number;
  readonly failures: readonly FuzzFailure[];
}

/** xorshift32: small, fast, and the same sequence for the same seed on every machine. */
export function makeRng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const INTERESTING_U8 = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff];
const INTERESTING_U16 = [
  0, 1, 2, 3, 4, 19, 23, 29, 0xff, 0x100, 4095, 4096, 4097, 0x7fff, 0x8000, 0xfffe, 0xffff,
];

function randomBytes(rng: () => number, n: number): Buffer {
  const words = new Uint32Array((n + 3) >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = rng();
  return Buffer.from(words.buffer, 0, n);
}

/** One mutated input from the seeds (or, one time in ten, pure random bytes). */
export function mutate(rng: () => number, seeds: readonly Buffer[]): Buffer {
  const pick = (n: number) => rng() % n;
  if (seeds.length === 0 || pick(10) === 0) {
    return randomBytes(rng, pick(20) === 0 ? pick(MAX_INPUT) : pick(64));
  }
  let b = Buffer.from(seeds[pick(seeds.length)]!);
  const rounds = 1 + pick(4);
  for (let round = 0; round < rounds; round++) {
    const at = b.length === 0 ? 0 : pick(b.length);
    switch (pick(9)) {
      case 0: // bit flips
        if (b.length > 0) for (let k = 1 + pick(4); k > 0; k--) b[pick(b.length)]! ^= 1 << pick(8);
        break;
      case 1: // byte set to an interesting or random value
        if (b.length > 0) b[at] = pick(2) ? INTERESTING_U8[pick(INTERESTING_U8.length)]! : rng() & 0xff;
        break;
      case 2: // truncation
        b = b.subarray(0, pick(b.length + 1));
        break;
      case 3: {
        // extension with random bytes
        b = Buffer.concat([b, randomBytes(rng, 1 + pick(pick(8) === 0 ? 4096 : 32))]);
        break;
      }
      case 4: // a one-octet length field tweaked relative to what follows it
        if (b.length > 0) {
          const rest = b.length - at - 1;
          const choices = [rest, rest + 1, rest - 1, 0, 0xff, INTERESTING_U8[pick(INTERESTING_U8.length)]!];
          b[at] = choices[pick(choices.length)]! & 0xff;
        }
        break;
      case 5: // a two-octet length field tweaked
        if (b.length > 1) {
          const p = pick(b.length - 1);
          const rest = b.length - p - 2;
          const choices = [
            rest,
            rest + 1,
            rest - 1,
            b.length,
            INTERESTING_U16[pick(INTERESTING_U16.length)]!,
          ];
          b.writeUInt16BE(choices[pick(choices.length)]! & 0xffff, p);
        }
        break;
      case 6: {
        // splice: a prefix of this input and a suffix of another seed
        const other = seeds[pick(seeds.length)]!;
        b = Buffer.concat([b.subarray(0, at), other.subarray(pick(other.length + 1))]);
        break;
      }
      case 7: {
        // duplicate a range in place (repeated capabilities, parameters, messages)
        const end = at + pick(Math.min(64, b.length - at) + 1);
        b = Buffer.concat([b.subarray(0, end), b.subarray(at, end), b.subarray(end)]);
        break;
      }
      default: {
        // delete a range
        const end = at + pick(Math.min(16, b.length - at) + 1);
        b = Buffer.concat([b.subarray(0, at), b.subarray(end)]);
      }
    }
    if (b.length > MAX_INPUT) b = b.subarray(0, MAX_INPUT);
  }
  return b;
}

function describeError(e: unknown): string {
  if (e instanceof Error) {
    const frame = (e.stack ?? '').split('\n').find((l) => l.trim().startsWith('at ')) ?? '';
    return `${e.name}: ${e.message} ${frame.trim()}`;
  }
  return `non-Error thrown: ${String(e)}`;
}

/** Failures are counted once per distinct error (message and top frame), not once per input. */
function signature(f: Omit<FuzzFailure, 'input'>): string {
  return `${f.kind}|${f.error.replace(/\d+/g, 'N')}`;
}

export interface FuzzOptions {
  /** An input taking longer than this is a failure (default 1000 ms). */
  slowMs?: number;
  /** Stop after this many distinct failures (default 20). */
  maxFailures?: number;
  /** Called with each input before it is decoded (the worker copies it to shared memory). */
  beforeInput?: (input: Buffer) => void;
}

/** Runs `iterations` inputs through one target in this thread. */
export function fuzzTarget(
  target: FuzzTarget,
  iterations: number,
  seed: number,
  opts: FuzzOptions = {},
): FuzzSummary {
  const rng = makeRng(seed);
  const slowMs = opts.slowMs ?? DEFAULT_SLOW_MS;
  const maxFailures = opts.maxFailures ?? 20;
  const failures: FuzzFailure[] = [];
  const seen = new Set<string>();
  let accepted = 0;
  let rejected = 0;
  let slowestMs = 0;
  let executed = 0;
  for (; executed < iterations && failures.length < maxFailures; executed++) {
    const input = mutate(rng, target.seeds);
    opts.beforeInput?.(input);
    const t0 = performance.now();
    let thrown: unknown = undefined;
    let ok = true;
    try {
      target.decode(input);
    } catch (e) {
      ok = false;
      thrown = e;
    }
    const ms = performance.now() - t0;
    if (ms > slowestMs) slowestMs = ms;
    let failure: Omit<FuzzFailure, 'input'> | null = null;
    if (ok) accepted++;
    else if (isBgpError(thrown)) rejected++;
    else failure = { target: target.name, kind: 'exception', error: describeError(thrown), ms };
    if (failure === null && ms > slowMs) {
      failure = {
        target: target.name,
        kind: 'slow',
        error: `${ms.toFixed(0)} ms for ${input.length} octets`,
        ms,
      };
    }
    if (failure !== null) {
      const sig = signature(failure);
      if (!seen.has(sig)) {
        seen.add(sig);
        failures.push({ ...failure, input: Buffer.from(input) });
      }
    }
  }
  return { target: target.name, executed, accepted, rejected, slowestMs, failures };
}

/** Writes a failing input as test/fuzz-regressions/<target>-<hash>.hex; returns the path. */
export function saveRegression(f: FuzzFailure, dir: string = REGRESSIONS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const hash = createHash('sha256').update(f.input).digest('hex').slice(0, 12);
  const path = join(dir, `${f.target}-${hash}.hex`);
  const comment = `# ${f.kind}: ${f.error.replace(/\n/g, ' ')}\n`;
  writeFileSync(path, `${comment}${f.input.toString('hex')}\n`);
  return path;
}

/** Parses a regression file: the target name from the file name and the input from its hex lines. */
export function readRegression(fileName: string, text: string): { target: string; input: Buffer } {
  const m = /^(.+)-[0-9a-f]{12}\.hex$/.exec(fileName);
  if (!m) throw new Error(`regression file name ${fileName} is not <target>-<12 hex>.hex`);
  const hex = text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('')
    .replace(/\s+/g, '');
  return { target: m[1]!, input: Buffer.from(hex, 'hex') };
}

// ---- worker side: run one target, publishing each input and a heartbeat in shared memory ---------

interface WorkerJob {
  target: string;
  iterations: number;
  seed: number;
  shared: SharedArrayBuffer;
}

function runWorker(job: WorkerJob): void {
  const target = findTarget(job.target)!;
  const meta = new Int32Array(job.shared, 0, 2);
  const bytes = new Uint8Array(job.shared, 8);
  const summary = fuzzTarget(target, job.iterations, job.seed, {
    beforeInput(input) {
      bytes.set(input.subarray(0, bytes.length));
      Atomics.store(meta, 1, input.length);
      Atomics.add(meta, 0, 1);
    },
  });
  parentPort!.postMessage({
    ...summary,
    failures: summary.failures.map((f) => ({ ...f, input: f.input.toString('hex') })),
  });
}

// ---- main side: one worker per target, a watchdog for hangs ---------------------------------------

function runInWorker(target: string, iterations: number, seed: number): Promise<FuzzSummary> {
  const shared = new SharedArrayBuffer(8 + MAX_INPUT);
  const meta = new Int32Array(shared, 0, 2);
  const worker = new Worker(new URL(import.meta.url), { workerData: { target, iterations, seed, shared } });
  return new Promise((resolvePromise, reject) => {
    let beat = -1;
    let since = performance.now();
    let settled = false;
    const watchdog = setInterval(() => {
      const now = Atomics.load(meta, 0);
      if (now !== beat) {
        beat = now;
        since = performance.now();
        return;
      }
      const stuck = performance.now() - since;
      if (stuck > DEFAULT_SLOW_MS * 2 && beat > 0) {
        const input = Buffer.from(new Uint8Array(shared, 8, Atomics.load(meta, 1)));
        settled = true;
        clearInterval(watchdog);
        void worker.terminate();
        const failure: FuzzFailure = {
          target,
          kind: 'hang',
          error: `no return after ${stuck.toFixed(0)} ms`,
          input,
          ms: stuck,
        };
        resolvePromise({
          target,
          executed: beat,
          accepted: 0,
          rejected: 0,
          slowestMs: stuck,
          failures: [failure],
        });
      }
    }, 250);
    worker.on(
      'message',
      (
        m: Omit<FuzzSummary, 'failures'> & { failures: (Omit<FuzzFailure, 'input'> & { input: string })[] },
      ) => {
        settled = true;
        clearInterval(watchdog);
        resolvePromise({
          ...m,
          failures: m.failures.map((f) => ({ ...f, input: Buffer.from(f.input, 'hex') })),
        });
      },
    );
    worker.on('error', (e) => {
      clearInterval(watchdog);
      if (!settled) reject(e);
    });
    worker.on('exit', (code) => {
      clearInterval(watchdog);
      if (!settled) reject(new Error(`fuzz worker for ${target} exited with ${code}`));
    });
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const [which = 'all', iterationsText = '1000000', seedText = '1'] = argv;
  const iterations = Number(iterationsText);
  const seed = Number(seedText);
  if (!Number.isInteger(iterations) || iterations < 1 || !Number.isInteger(seed)) {
    console.error('usage: npm run fuzz -- [target|all] [iterations] [seed]');
    return 2;
  }
  const targets = which === 'all' ? FUZZ_TARGETS : FUZZ_TARGETS.filter((t) => t.name === which);
  if (targets.length === 0) {
    console.error(`unknown target ${which}; targets: ${FUZZ_TARGETS.map((t) => t.name).join(', ')}`);
    return 2;
  }
  let failed = 0;
  for (const t of targets) {
    const t0 = performance.now();
    const s = await runInWorker(t.name, iterations, seed);
    const secs = (performance.now() - t0) / 1000;
    console.log(
      `${t.name}: ${s.executed} inputs in ${secs.toFixed(1)} s (${Math.round(s.executed / secs)}/s), ` +
        `${s.accepted} accepted, ${s.rejected} BgpError, slowest ${s.slowestMs.toFixed(1)} ms, ${s.failures.length} failure(s)`,
    );
    for (const f of s.failures) {
      console.log(`  ${f.kind}: ${f.error}\n    -> ${saveRegression(f)}`);
      failed++;
    }
  }
  return failed > 0 ? 1 : 0;
}

if (!isMainThread && workerData && (workerData as WorkerJob).shared) {
  runWorker(workerData as WorkerJob);
} else if (
  isMainThread &&
  process.argv[1] &&
  pathToFileURL(resolve(process.argv[1])).href === import.meta.url
) {
  process.exitCode = await main(process.argv.slice(2));
}
