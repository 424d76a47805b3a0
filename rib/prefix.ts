// Prefixes at the RIB's edges: the small value type that messages, policy and `explain` use, its
// text form for humans, containment tests, and the numeric IPv4 key. Inside the tables a prefix is
// a dense slot number handed out by PrefixTable (prefix-table.ts); this file never allocates per
// route on the hot path except where a caller asks for a Prefix object.
//
// In: PrefixList entries (words + length, see bgp/wire/types.ts) or text such as "10.0.0.0/8".
// Out: Prefix values, strings, booleans.
import { Afi } from '../bgp/wire/iana/afi-safi.ts';
import { formatAddress, formatIpv4, formatIpv6Words, parseIpv4, parseIpv6 } from '../bgp/wire/prefix-text.ts';

/** One prefix. IPv4: words = [addr]; IPv6: words = [w0, w1, w2, w3], most significant first. */
export interface Prefix {
  readonly afi: number;
  readonly words: readonly number[];
  readonly length: number;
}

/** The number of 32-bit words an address of this AFI takes. */
export function wordsPerAddress(afi: number): number {
  return afi === Afi.IPV6 ? 4 : 1;
}

/** IPv4 key: addr * 64 + length is below 2^38, so it is exact in a double and cheap to compare. */
export function ipv4Key(addr: number, length: number): number {
  return addr * 64 + length;
}

/** The mask of the top `bits` bits of one 32-bit word (bits in 0..32), as an unsigned number. */
export function wordMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/** Whether `inner` lies inside `outer` (same family, at least as long, same leading bits). */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  if (outer.afi !== inner.afi || inner.length < outer.length) return false;
  return leadingBitsEqual(outer.words, 0, inner.words, 0, outer.length);
}

/** Compare the first `bits` bits of two addresses given as word arrays at offsets. */
export function leadingBitsEqual(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  bits: number,
): boolean {
  let i = 0;
  for (; bits >= 32; bits -= 32, i++) if (a[aOff + i] !== b[bOff + i]) return false;
  if (bits === 0) return true;
  const m = wordMask(bits);
  return (a[aOff + i] & m) >>> 0 === (b[bOff + i] & m) >>> 0;
}

/** Parse "a.b.c.d/n" or an IPv6 "x::y/n"; throws on malformed text or host bits set. */
export function parsePrefix(text: string): Prefix {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const v6 = addrText.includes(':');
  const max = v6 ? 128 : 32;
  const length = slash < 0 ? max : Number(text.slice(slash + 1));
  if (!Number.isInteger(length) || length < 0 || length > max)
    throw new Error(`bad prefix length in ${text}`);
  const words = v6 ? parseIpv6Words(addrText) : [parseIpv4(addrText)];
  for (let i = 0, bits = length; i < words.length; i++, bits -= 32) {
    if ((words[i] & ~wordMask(bits)) >>> 0 !== 0) throw new Error(`host bits set in ${text}`);
  }
  return { afi: v6 ? Afi.IPV6 : Afi.IPV4, words, length };
}

// Address text is parsed and printed by bgp/wire/prefix-text.ts, the one place for it.
export { formatIpv4, formatIpv6Words, parseIpv4 } from '../bgp/wire/prefix-text.ts';

export function parseIpv6Words(text: string): number[] {
  return parseIpv6(text);
}

export function formatPrefix(p: Prefix): string {
  const a = p.afi === Afi.IPV6 ? formatIpv6Words(p.words) : formatIpv4(p.words[0]);
  return `${a}/${p.length}`;
}

/** An address as bytes (4 or 16), the form next hops and peer addresses take in the RIB. */
export function addressBytes(afi: number, words: ArrayLike<number>, off = 0): Uint8Array {
  const n = wordsPerAddress(afi);
  const out = new Uint8Array(4 * n);
  for (let i = 0; i < n; i++) {
    const w = words[off + i];
    out[4 * i] = w >>> 24;
    out[4 * i + 1] = w >>> 16;
    out[4 * i + 2] = w >>> 8;
    out[4 * i + 3] = w;
  }
  return out;
}

/** Parse an IPv4 or IPv6 address text to bytes. */
export function parseAddressBytes(text: string): Uint8Array {
  return text.includes(':')
    ? addressBytes(Afi.IPV6, parseIpv6Words(text))
    : addressBytes(Afi.IPV4, [parseIpv4(text)]);
}

export function formatAddressBytes(b: Uint8Array): string {
  return formatAddress(b);
}

/** Compare two addresses as bytes: shorter (IPv4) first, then numerically. */
export function compareAddressBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
