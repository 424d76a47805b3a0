// The encode side of the attribute table: PathAttributes flow in, the bytes of the Path
// Attributes field flow out (into a pre-sized Writer), plus the JSON form for `podbgp decode`.
// Each attribute header carries the Extended Length flag exactly when its value exceeds 255 octets.
import { AttrFlag } from '../iana/attribute-types.ts';
import type { CodecContext, PathAttributes, RawAttribute } from '../types.ts';
import type { Writer } from '../writer.ts';
import type { AttributeDescriptor } from './descriptor.ts';
import { ENCODE_ORDER, attributeName } from './table.ts';

/** Descriptors whose codes the caller writes itself (the packer writes MP_REACH_NLRI per message). */
export type SkipCodes = ReadonlySet<number> | null;

function sent(d: AttributeDescriptor, attrs: PathAttributes, ctx: CodecContext, skip: SkipCodes): boolean {
  // `ignored` works both ways: LOCAL_PREF is not sent to external peers (RFC 4271 §5.1.5: "A BGP
  // speaker MUST NOT include this attribute in UPDATE messages it sends to external peers"), and
  // AS4_PATH/AS4_AGGREGATOR are not sent to NEW speakers (RFC 6793 §4.2.2).
  return (
    d.has(attrs) && (d.ignored === undefined || !d.ignored(ctx)) && (skip === null || !skip.has(d.typeCode))
  );
}

function headerLength(valueLength: number): number {
  return valueLength > 255 ? 4 : 3;
}

/** RFC 4271 §5: "If an optional transitive attribute is unrecognized, the Partial bit ... MUST be set to 1". */
function rawFlags(raw: RawAttribute): number {
  let f = raw.flags & ~AttrFlag.EXTENDED_LENGTH;
  if ((f & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) === (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) {
    f |= AttrFlag.PARTIAL;
  }
  return f;
}

/** Octets the Path Attributes field takes (headers included). */
export function attributesLength(attrs: PathAttributes, ctx: CodecContext, skip: SkipCodes = null): number {
  let n = 0;
  for (const d of ENCODE_ORDER) {
    if (!sent(d, attrs, ctx, skip)) continue;
    const v = d.length(attrs, ctx);
    n += headerLength(v) + v;
  }
  for (const raw of attrs.mpOther ?? []) n += headerLength(raw.value.length) + raw.value.length;
  for (const raw of attrs.unknown ?? []) n += headerLength(raw.value.length) + raw.value.length;
  return n;
}

function writeHeader(w: Writer, flags: number, typeCode: number, valueLength: number): void {
  if (valueLength > 255) {
    w.u8(flags | AttrFlag.EXTENDED_LENGTH);
    w.u8(typeCode);
    w.u16(valueLength);
  } else {
    w.u8(flags & ~AttrFlag.EXTENDED_LENGTH);
    w.u8(typeCode);
    w.u8(valueLength);
  }
}

/** Writes the Path Attributes field (without its Total Path Attribute Length). */
export function writeAttributes(
  w: Writer,
  attrs: PathAttributes,
  ctx: CodecContext,
  skip: SkipCodes = null,
): void {
  for (const d of ENCODE_ORDER) {
    if (!sent(d, attrs, ctx, skip)) continue;
    const v = d.length(attrs, ctx);
    writeHeader(w, d.flags, d.typeCode, v);
    const at = w.pos;
    d.encode(w, attrs, ctx);
    if (w.pos - at !== v) throw new Error(`${d.name}: length() said ${v}, encode() wrote ${w.pos - at}`);
  }
  for (const raw of attrs.mpOther ?? []) {
    writeHeader(w, raw.flags, raw.typeCode, raw.value.length);
    w.bytes(raw.value);
  }
  for (const raw of attrs.unknown ?? []) {
    writeHeader(w, rawFlags(raw), raw.typeCode, raw.value.length);
    w.bytes(raw.value);
  }
}

/** The attributes by RFC name with JSON-friendly values, in encoding order. */
export function formatAttributes(attrs: PathAttributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of ENCODE_ORDER) if (d.has(attrs)) out[d.name] = d.format(attrs);
  for (const raw of [...(attrs.mpOther ?? []), ...(attrs.unknown ?? [])]) {
    out[attributeName(raw.typeCode)] = {
      flags: `0x${raw.flags.toString(16).padStart(2, '0')}`,
      value: Buffer.from(raw.value).toString('hex'),
    };
  }
  return out;
}
