// Routing policy: an ordered list of statements, each a set of conditions (all must match) with
// actions and a result (accept or reject); the first matching statement decides, otherwise the
// policy's default result. Used per peer for import (rib.ts) and export (adj-rib-out.ts).
//
// Matching is split from acting so the RIB can cache: conditions on a prefix are evaluated per
// prefix, but the result for "statement i applied to this attribute set" is computed (and
// interned) once per UPDATE, not once per prefix.
//
// In: a prefix (afi, words, length) and PathAttributes. Out: the matching statement index and
// the resulting attributes (or null for reject).
import type { PathAttributes } from '../../bgp/wire/types.ts';
import type { Prefix } from '../prefix.ts';
import { asPathText, countAs, neighborAs, originAs, prependAs } from '../as-path.ts';
import { leadingBitsEqual } from '../prefix.ts';
import { Afi } from '../../bgp/wire/iana/afi-safi.ts';

export interface PrefixListEntry {
  readonly prefix: Prefix;
  /** Match prefixes of at least this length (default: the entry's own length). */
  readonly ge?: number;
  /** Match prefixes of at most this length (default: ge given → the family maximum, else the entry's length). */
  readonly le?: number;
}

export type Condition =
  | { readonly kind: 'prefix-list'; readonly entries: readonly PrefixListEntry[] }
  | { readonly kind: 'as-path-regex'; readonly regex: RegExp }
  | { readonly kind: 'as-path-contains'; readonly asn: number }
  | { readonly kind: 'origin-as'; readonly asn: number }
  | { readonly kind: 'neighbor-as'; readonly asn: number }
  /** Any of these RFC 1997 communities is present. */
  | { readonly kind: 'community'; readonly any: readonly number[] }
  /** Any of these RFC 8092 large communities ([global, local1, local2]) is present. */
  | { readonly kind: 'large-community'; readonly any: readonly (readonly [number, number, number])[] };

export type ListOp = 'add' | 'remove' | 'replace';

export type Action =
  | { readonly kind: 'set-local-pref'; readonly value: number }
  | { readonly kind: 'set-med'; readonly value: number }
  | { readonly kind: 'communities'; readonly op: ListOp; readonly values: readonly number[] }
  | {
      readonly kind: 'large-communities';
      readonly op: ListOp;
      readonly values: readonly (readonly [number, number, number])[];
    }
  | { readonly kind: 'as-path-prepend'; readonly asn: number; readonly times: number }
  /** The next hop as bytes (4 or 16). */
  | { readonly kind: 'set-next-hop'; readonly address: Uint8Array };

export interface Statement {
  readonly name: string;
  readonly conditions: readonly Condition[];
  readonly actions: readonly Action[];
  readonly result: 'accept' | 'reject';
}

export interface PolicyResult {
  readonly attrs: PathAttributes;
  /** A new next hop when a set-next-hop action ran, else null (keep the received one). */
  readonly nextHop: Uint8Array | null;
}

/** The index `match` returns when no statement matched. */
export const DEFAULT_STATEMENT = -1;

export class Policy {
  readonly name: string;
  readonly statements: readonly Statement[];
  readonly defaultResult: 'accept' | 'reject';

  constructor(name: string, statements: readonly Statement[], defaultResult: 'accept' | 'reject' = 'reject') {
    this.name = name;
    this.statements = statements;
    this.defaultResult = defaultResult;
  }

  /** Index of the first statement whose conditions all hold, or DEFAULT_STATEMENT. */
  match(afi: number, words: ArrayLike<number>, off: number, length: number, attrs: PathAttributes): number {
    for (let i = 0; i < this.statements.length; i++) {
      const conds = this.statements[i].conditions;
      let ok = true;
      for (const c of conds) {
        if (!conditionHolds(c, afi, words, off, length, attrs)) {
          ok = false;
          break;
        }
      }
      if (ok) return i;
    }
    return DEFAULT_STATEMENT;
  }

  /** The outcome of statement `index` (or the default) for these attributes; null = reject. */
  resultOf(index: number, attrs: PathAttributes): PolicyResult | null {
    if (index === DEFAULT_STATEMENT) return this.defaultResult === 'accept' ? { attrs, nextHop: null } : null;
    const st = this.statements[index];
    if (st.result === 'reject') return null;
    return applyActions(st.actions, attrs);
  }

  /** match + resultOf in one call (for single prefixes: tests, export of one route). */
  evaluate(p: Prefix, attrs: PathAttributes): PolicyResult | null {
    return this.resultOf(this.match(p.afi, p.words, 0, p.length, attrs), attrs);
  }
}

export function prefixListMatches(
  entries: readonly PrefixListEntry[],
  afi: number,
  words: ArrayLike<number>,
  off: number,
  length: number,
): boolean {
  const max = afi === Afi.IPV6 ? 128 : 32;
  for (const e of entries) {
    if (e.prefix.afi !== afi) continue;
    const ge = e.ge ?? e.prefix.length;
    const le = e.le ?? (e.ge !== undefined ? max : e.prefix.length);
    if (length < ge || length > le || length < e.prefix.length) continue;
    if (leadingBitsEqual(e.prefix.words, 0, words, off, e.prefix.length)) return true;
  }
  return false;
}

function hasLarge(list: readonly number[] | undefined, t: readonly [number, number, number]): boolean {
  if (list === undefined) return false;
  for (let i = 0; i + 2 < list.length; i += 3)
    if (list[i] === t[0] && list[i + 1] === t[1] && list[i + 2] === t[2]) return true;
  return false;
}

function conditionHolds(
  c: Condition,
  afi: number,
  words: ArrayLike<number>,
  off: number,
  length: number,
  a: PathAttributes,
): boolean {
  switch (c.kind) {
    case 'prefix-list':
      return prefixListMatches(c.entries, afi, words, off, length);
    case 'as-path-regex':
      c.regex.lastIndex = 0; // a /g or /y regex keeps state between test() calls
      return c.regex.test(asPathText(a.asPath));
    case 'as-path-contains':
      return countAs(a.asPath, c.asn) > 0;
    case 'origin-as':
      return originAs(a.asPath) === c.asn;
    case 'neighbor-as':
      return neighborAs(a.asPath) === c.asn;
    case 'community':
      return a.communities !== undefined && c.any.some((v) => a.communities!.includes(v));
    case 'large-community':
      return c.any.some((t) => hasLarge(a.largeCommunities, t));
  }
}

function applyList(list: readonly number[] | undefined, op: ListOp, values: readonly number[]): number[] {
  if (op === 'replace') return [...values];
  const cur = list ?? [];
  if (op === 'add') return [...cur, ...values.filter((v) => !cur.includes(v))];
  return cur.filter((v) => !values.includes(v));
}

function applyLarge(
  list: readonly number[] | undefined,
  op: ListOp,
  values: readonly (readonly [number, number, number])[],
): number[] {
  const cur = list ?? [];
  if (op === 'replace') return values.flat();
  if (op === 'add') return [...cur, ...values.filter((t) => !hasLarge(cur, t)).flat()];
  const out: number[] = [];
  for (let i = 0; i + 2 < cur.length; i += 3) {
    const t = [cur[i], cur[i + 1], cur[i + 2]] as const;
    if (!values.some((v) => v[0] === t[0] && v[1] === t[1] && v[2] === t[2])) out.push(...t);
  }
  return out;
}

export function applyActions(actions: readonly Action[], attrs: PathAttributes): PolicyResult {
  if (actions.length === 0) return { attrs, nextHop: null };
  const a: PathAttributes = { ...attrs };
  let nextHop: Uint8Array | null = null;
  for (const x of actions) {
    switch (x.kind) {
      case 'set-local-pref':
        a.localPref = x.value;
        break;
      case 'set-med':
        a.med = x.value;
        break;
      case 'communities': {
        const l = applyList(a.communities, x.op, x.values);
        if (l.length > 0) a.communities = l;
        else delete a.communities;
        break;
      }
      case 'large-communities': {
        const l = applyLarge(a.largeCommunities, x.op, x.values);
        if (l.length > 0) a.largeCommunities = l;
        else delete a.largeCommunities;
        break;
      }
      case 'as-path-prepend':
        a.asPath = prependAs(a.asPath, x.asn, x.times);
        break;
      case 'set-next-hop':
        nextHop = x.address;
        break;
    }
  }
  return { attrs: a, nextHop };
}
