// A small typed validator for configuration: each check turns an unknown value at a path into a
// typed value or throws a ConfigError naming the path, what was expected and what was got.
// Written here rather than pulled in because the error text is the product: operators read it.
import { isIP } from 'node:net';

export class ConfigError extends Error {
  readonly path: string;
  readonly expected: string;
  readonly got: string;
  constructor(path: string, expected: string, got: string) {
    super(`${path || '(root)'}: expected ${expected}, got ${got}`);
    this.name = 'ConfigError';
    this.path = path;
    this.expected = expected;
    this.got = got;
  }
}

export type Check<T> = (value: unknown, path: string) => T;

/** How a value is shown in an error: short, and never a secret (callers mask those). */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  return `${typeof value} ${String(value)}`;
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

export const str: Check<string> = (v, p) => {
  if (typeof v !== 'string' || v.length === 0) throw new ConfigError(p, 'a non-empty string', describe(v));
  return v;
};

export const bool: Check<boolean> = (v, p) => {
  if (typeof v !== 'boolean') throw new ConfigError(p, 'true or false', describe(v));
  return v;
};

export function int(min: number, max: number): Check<number> {
  return (v, p) => {
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(p, `an integer from ${min} to ${max}`, describe(v));
    }
    return n;
  };
}

export function oneOf<T extends string>(...choices: T[]): Check<T> {
  return (v, p) => {
    if (typeof v !== 'string' || !(choices as string[]).includes(v)) {
      throw new ConfigError(p, `one of ${choices.join(', ')}`, describe(v));
    }
    return v as T;
  };
}

export const ipAddress: Check<string> = (v, p) => {
  if (typeof v !== 'string' || isIP(v) === 0)
    throw new ConfigError(p, 'an IPv4 or IPv6 address', describe(v));
  return v;
};

export const ipv4Address: Check<string> = (v, p) => {
  if (typeof v !== 'string' || isIP(v) !== 4)
    throw new ConfigError(p, 'an IPv4 address (A.B.C.D)', describe(v));
  return v;
};

/** A CIDR with no host bits set, e.g. 10.244.1.0/24 or fd00:244:1::/64. */
export const cidr: Check<string> = (v, p) => {
  const bad = () => new ConfigError(p, 'a CIDR prefix such as 10.244.1.0/24 or fd00::/64', describe(v));
  if (typeof v !== 'string') throw bad();
  const slash = v.indexOf('/');
  if (slash < 0) throw bad();
  const addr = v.slice(0, slash);
  const lenText = v.slice(slash + 1);
  const fam = isIP(addr);
  if (fam === 0 || !/^\d{1,3}$/.test(lenText)) throw bad();
  const len = Number(lenText);
  if (len > (fam === 4 ? 32 : 128)) throw bad();
  if (hostBitsSet(addr, fam, len)) {
    throw new ConfigError(
      p,
      `a prefix with no host bits set (did you mean ${networkOf(addr, fam, len)}/${len}?)`,
      describe(v),
    );
  }
  return v;
};

function addressBytes(addr: string, fam: number): number[] {
  if (fam === 4) return addr.split('.').map(Number);
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out: number[] = [];
  for (const g of groups) {
    if (g.includes('.')) {
      out.push(...g.split('.').map(Number));
      continue;
    }
    const n = parseInt(g, 16);
    out.push(n >> 8, n & 0xff);
  }
  return out;
}

function hostBitsSet(addr: string, fam: number, len: number): boolean {
  const bytes = addressBytes(addr, fam);
  for (let bit = len; bit < bytes.length * 8; bit++) {
    if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) return true;
  }
  return false;
}

function networkOf(addr: string, fam: number, len: number): string {
  const bytes = addressBytes(addr, fam).map((b, i) => {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  if (fam === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

export function listOf<T>(item: Check<T>): Check<T[]> {
  return (v, p) => {
    if (!Array.isArray(v)) throw new ConfigError(p, 'a list', describe(v));
    return v.map((x, i) => item(x, join(p, i)));
  };
}

export function mapOf<T>(item: Check<T>): Check<Record<string, T>> {
  return (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new ConfigError(p, 'a mapping', describe(v));
    const out: Record<string, T> = {};
    for (const [k, x] of Object.entries(v)) out[k] = item(x, join(p, k));
    return out;
  };
}

/** The known name within edit distance 2 of a misspelt one (case and -/_ ignored), if any. */
function closest(name: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const a = norm(name);
  let best: string | undefined;
  let bestDist = 3;
  for (const k of known) {
    const b = norm(k);
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
    }
    if (row[b.length]! < bestDist) {
      bestDist = row[b.length]!;
      best = k;
    }
  }
  return best;
}

/** Fields of an object: each a check; `optional(check)` may be absent, `optional(check, fallback)` defaults. */
export interface Optional<T> {
  readonly optional: true;
  readonly check: Check<T>;
  readonly fallback?: T;
}

export interface Defaulted<T> extends Optional<T> {
  readonly fallback: T;
}

export function optional<T>(check: Check<T>): Optional<T>;
export function optional<T>(check: Check<T>, fallback: T): Defaulted<T>;
export function optional<T>(check: Check<T>, fallback?: T): Optional<T> {
  return fallback === undefined ? { optional: true, check } : { optional: true, check, fallback };
}

type FieldSpec = Check<unknown> | Optional<unknown>;
type FieldValue<F> =
  F extends Defaulted<infer T>
    ? T
    : F extends Optional<infer T>
      ? T | undefined
      : F extends Check<infer T>
        ? T
        : never;

export function object<S extends Record<string, FieldSpec>>(
  spec: S,
): Check<{ [K in keyof S]: FieldValue<S[K]> }> {
  const known = Object.keys(spec);
  return (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new ConfigError(p, 'a mapping', describe(v));
    const input = v as Record<string, unknown>;
    for (const k of Object.keys(input)) {
      if (!known.includes(k)) {
        const near = closest(k, known);
        throw new ConfigError(
          join(p, k),
          near ? `a known field (did you mean ${near}?)` : `one of the fields ${known.join(', ')}`,
          'an unknown field',
        );
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(spec)) {
      const x = input[k];
      if (typeof f === 'function') {
        out[k] = f(x, join(p, k));
      } else if (x === undefined || x === null) {
        if (f.fallback !== undefined) out[k] = f.fallback;
      } else {
        out[k] = f.check(x, join(p, k));
      }
    }
    return out as { [K in keyof S]: FieldValue<S[K]> };
  };
}
