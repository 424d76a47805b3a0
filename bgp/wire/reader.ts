// A bounded reader over a Buffer. Every read checks the bytes left and throws a BgpError with
// the code/subcode/action the reader was made with, never a RangeError: a short or truncated
// field from a peer is the peer's mistake. Sub-readers are cut to a declared length so an
// attribute decoder cannot read past its own value.
import { BgpError, type ErrorAction } from './errors.ts';

export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;
  readonly code: number;
  readonly subcode: number;
  readonly action: ErrorAction;
  /** What is being read, for the error text ("UPDATE withdrawn routes", "ORIGIN"). */
  readonly what: string;

  constructor(
    buf: Buffer,
    start: number,
    end: number,
    code: number,
    subcode: number,
    what: string,
    action: ErrorAction = 'session-reset',
  ) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.code = code;
    this.subcode = subcode;
    this.what = what;
    this.action = action;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Throws unless n more bytes are available. */
  need(n: number): void {
    if (this.end - this.pos < n) throw this.short(n);
  }

  short(n: number): BgpError {
    return new BgpError(
      this.code,
      this.subcode,
      `${this.what}: needs ${n} more byte(s) at offset ${this.pos}, ${this.end - this.pos} left`,
      undefined,
      this.action,
    );
  }

  /** A BgpError with this reader's code and action and a caller's text. */
  fail(detail: string, data?: Uint8Array): BgpError {
    return new BgpError(this.code, this.subcode, `${this.what}: ${detail}`, data, this.action);
  }

  u8(): number {
    if (this.pos >= this.end) throw this.short(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    if (this.end - this.pos < 2) throw this.short(2);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u32(): number {
    if (this.end - this.pos < 4) throw this.short(4);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** A zero-copy view of the next n bytes. */
  bytes(n: number): Buffer {
    if (n < 0 || this.end - this.pos < n) throw this.short(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** The rest of this reader's bytes. */
  rest(): Buffer {
    return this.bytes(this.end - this.pos);
  }

  skip(n: number): void {
    if (n < 0 || this.end - this.pos < n) throw this.short(n);
    this.pos += n;
  }

  /**
   * A reader over the next n bytes, advancing this one past them. The sub-reader reports errors
   * with its own code/subcode/action (defaulting to this reader's).
   */
  sub(
    n: number,
    what: string = this.what,
    code: number = this.code,
    subcode: number = this.subcode,
    action: ErrorAction = this.action,
  ): Reader {
    if (n < 0 || this.end - this.pos < n) throw this.short(n);
    const r = new Reader(this.buf, this.pos, this.pos + n, code, subcode, what, action);
    this.pos += n;
    return r;
  }
}
