// The shape of one row of the path attribute table (DESIGN: "Attributes are a table"). A row
// names the attribute, its expected flags, its RFC 7606 action on error, which lengths are
// valid, and how to decode, encode, size and format its value. The loop in decode.ts does the
// flag, length and duplicate checks once for every row; the row's functions see only the value.
import type { ErrorAction } from '../errors.ts';
import type { Reader } from '../reader.ts';
import type { CodecContext, PathAttributes } from '../types.ts';
import type { Writer } from '../writer.ts';

export interface AttributeDescriptor {
  readonly typeCode: number;
  /** The RFC's name: "ORIGIN", "AS_PATH", "MP_REACH_NLRI". */
  readonly name: string;
  /** Expected Optional (0x80) and Transitive (0x40) bits; Partial and Extended Length are not compared. */
  readonly flags: number;
  /** RFC 7606 action when the value or its length is malformed. */
  readonly action: ErrorAction;
  /**
   * RFC 7606 §3(c): "If the value of either the Optional or Transitive bits in the Attribute Flags
   * is in conflict with their specified values, then the attribute MUST be treated as malformed
   * and the "treat-as-withdraw" approach used, unless the specification for the attribute
   * mandates different handling for incorrect Attribute Flags."
   */
  readonly flagsAction: ErrorAction;
  /** NOTIFICATION subcode for a malformed value (a bad length is always 5, Attribute Length Error). */
  readonly subcode: number;
  /** Whether the attribute must still be decoded after a flags error (MP_* carry NLRI to withdraw). */
  readonly decodeDespiteFlags?: boolean;
  /** Whether a value of this length is acceptable; checked in the loop before decode. */
  validLength(length: number, ctx: CodecContext): boolean;
  /** True when this session silently drops the attribute (e.g. LOCAL_PREF from an eBGP peer). */
  ignored?(ctx: CodecContext): boolean;
  /** Whether attrs carries this attribute (for encode and format). */
  has(attrs: PathAttributes): boolean;
  /** Reads the value (r is cut to the attribute length) into attrs; throws BgpError if malformed. */
  decode(r: Reader, attrs: PathAttributes, ctx: CodecContext): void;
  /** Value length in octets as encode() will write it. */
  length(attrs: PathAttributes, ctx: CodecContext): number;
  /** Writes the value (not the flags/type/length header). */
  encode(w: Writer, attrs: PathAttributes, ctx: CodecContext): void;
  /** A JSON-friendly value for `podbgp decode` and the API. */
  format(attrs: PathAttributes): unknown;
}

/** validLength for attributes of one fixed length. */
export function exactly(n: number): (length: number) => boolean {
  return (length) => length === n;
}

/** validLength for lists of fixed-size items: a non-zero multiple of `size`. */
export function nonZeroMultipleOf(size: number): (length: number) => boolean {
  return (length) => length > 0 && length % size === 0;
}
