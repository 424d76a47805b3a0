// Text forms of prefixes and addresses, for humans at the edges (CLI, logs, config, tests):
// "10.0.0.0/24", "2001:db8::/32" (RFC 5952 compressed form). Text flows in from config and
// tests and becomes the compact numeric form; PrefixList entries flow out as strings.
import { Afi } from './iana/afi-safi.ts';
import type { PrefixList } from './types.ts';

/** Dotted-quad text of an IPv4 address held as an unsigned 32-bit number. */
export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/**
 * RFC 5952 §4 text of an IPv6 address given as four 32-bit words: lower case, no leading zeros,
 * the longest run (first on a tie) of two or more zero groups replaced by "::".
 */
export function formatIpv6Words(words: ArrayLike<number>, offset = 0): string {
  const groups: number[] = [];
  for (let k = 0; k < 4; k++) {
    const w = words[offset + k]! >>> 0;
    groups.push(w >>> 16, w & 0xffff);
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    // RFC 5952 §4.2.2: "The symbol '::' MUST NOT be used to shorten just one 16-bit 0 field."
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number) => g.toString(16);
  if (bestStart < 0) return groups.map(hex).join(':');
  const head = groups.slice(0, bestStart).map(hex).join(':');
  const tail = groups
    .slice(bestStart + bestLen)
    .map(hex)
    .join(':');
  return `${head}::${tail}`;
}

/** Text of a 4- or 16-byte address (next hops, link-local addresses). */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) {
    return formatIpv4(((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0);
  }
  if (bytes.length === 16) {
    const w: number[] = [];
    for (let k = 0; k < 16; k += 4) {
      w.push(((bytes[k]! << 24) | (bytes[k + 1]! << 16) | (bytes[k + 2]! << 8) | bytes[k + 3]!) >>> 0);
    }
    return formatIpv6Words(w);
  }
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

/** "10.0.0.0/24" or "2001:db8::/32" for entry i of a list. */
export function formatPrefix(list: PrefixList, i: number): string {
  if (list.afi === Afi.IPV6) return `${formatIpv6Words(list.words, i * 4)}/${list.lengths[i]}`;
  return `${formatIpv4(list.words[i]!)}/${list.lengths[i]}`;
}

/** Every entry of a list as text; with path identifiers as "prefix#id" when present. */
export function formatPrefixes(list: PrefixList): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.count; i++) {
    const p = formatPrefix(list, i);
    out.push(list.pathIds === null ? p : `${p}#${list.pathIds[i]}`);
  }
  return out;
}

export interface ParsedPrefix {
  readonly afi: number;
  /** One word (IPv4) or four (IPv6), host bits zero. */
  readonly words: readonly number[];
  readonly length: number;
}

/** Parses dotted-quad IPv4 text into an unsigned 32-bit number; throws Error on bad text. */
export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${JSON.stringify(text)}`);
  let n = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) {
      throw new Error(`not an IPv4 address: ${JSON.stringify(text)}`);
    }
    n = n * 256 + Number(part);
  }
  return n >>> 0;
}

/** Parses IPv6 text (RFC 4291 §2.2, including "::" and a trailing dotted quad) into four words. */
export function parseIpv6(text: string): number[] {
  const bad = () => new Error(`not an IPv6 address: ${JSON.stringify(text)}`);
  const halves = text.split('::');
  if (halves.length > 2) throw bad();
  const toGroups = (s: string, allowQuad: boolean): number[] => {
    if (s === '') return [];
    const parts = s.split(':');
    const groups: number[] = [];
    parts.forEach((part, idx) => {
      if (allowQuad && idx === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        groups.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        groups.push(parseInt(part, 16));
      } else {
        throw bad();
      }
    });
    return groups;
  };
  const head = toGroups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? toGroups(halves[1]!, true) : [];
  let groups: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) throw bad();
    groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) throw bad();
  const words: number[] = [];
  for (let k = 0; k < 8; k += 2) words.push(((groups[k]! << 16) | groups[k + 1]!) >>> 0);
  return words;
}

/** Parses "a.b.c.d/n" or "x:y::/n"; throws Error on bad text, a bad length or host bits set. */
export function parsePrefix(text: string): ParsedPrefix {
  const slash = text.indexOf('/');
  if (slash < 0) throw new Error(`prefix ${JSON.stringify(text)} has no /length`);
  const addr = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) {
    throw new Error(`prefix ${JSON.stringify(text)} has a bad length`);
  }
  const length = Number(lenText);
  const v6 = addr.includes(':');
  const afi = v6 ? Afi.IPV6 : Afi.IPV4;
  const max = v6 ? 128 : 32;
  if (length > max) throw new Error(`prefix ${JSON.stringify(text)}: length ${length} exceeds ${max}`);
  const words = v6 ? parseIpv6(addr) : [parseIpv4(addr)];
  for (let k = 0; k < words.length; k++) {
    const bits = length - k * 32;
    const mask = bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : (-1 << (32 - bits)) >>> 0;
    if ((words[k]! & ~mask) !== 0) throw new Error(`prefix ${JSON.stringify(text)} has host bits set`);
  }
  return { afi, words, length };
}

/**
 * Builds a PrefixList from text (tests, config). Entries are "prefix" or [prefix, pathId];
 * pathIds is present when any entry carries one. All entries must be of `afi`.
 */
export function prefixList(
  afi: number,
  entries: readonly (string | readonly [string, number])[],
): PrefixList {
  const wpp = afi === Afi.IPV6 ? 4 : 1;
  const count = entries.length;
  const words = new Uint32Array(count * wpp);
  const lengths = new Uint8Array(count);
  const withIds = entries.some((e) => typeof e !== 'string');
  const pathIds = withIds ? new Uint32Array(count) : null;
  entries.forEach((entry, i) => {
    const text = typeof entry === 'string' ? entry : entry[0];
    const p = parsePrefix(text);
    if (p.afi !== afi) throw new Error(`prefix ${text} is not of AFI ${afi}`);
    words.set(p.words, i * wpp);
    lengths[i] = p.length;
    if (pathIds !== null && typeof entry !== 'string') pathIds[i] = entry[1];
  });
  return { afi, count, words, lengths, pathIds };
}
