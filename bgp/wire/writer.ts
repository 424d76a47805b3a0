// A writer into a pre-sized buffer. Encoders compute their length first and write once; length
// fields are reserved and filled at the end. Writing past the end is our bug, so it throws a
// RangeError (it must crash loudly, not become a NOTIFICATION).
export class Writer {
  readonly buf: Buffer;
  pos: number;

  constructor(sizeOrBuffer: number | Buffer, start = 0) {
    this.buf = typeof sizeOrBuffer === 'number' ? Buffer.allocUnsafe(sizeOrBuffer) : sizeOrBuffer;
    this.pos = start;
  }

  get capacity(): number {
    return this.buf.length - this.pos;
  }

  private room(n: number): void {
    if (this.buf.length - this.pos < n) {
      throw new RangeError(`Writer overflow: ${n} byte(s) at ${this.pos} of ${this.buf.length}`);
    }
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.room(2);
    this.buf[this.pos] = v >>> 8;
    this.buf[this.pos + 1] = v;
    this.pos += 2;
  }

  u32(v: number): void {
    this.room(4);
    const p = this.pos;
    this.buf[p] = v >>> 24;
    this.buf[p + 1] = v >>> 16;
    this.buf[p + 2] = v >>> 8;
    this.buf[p + 3] = v;
    this.pos = p + 4;
  }

  bytes(src: Uint8Array): void {
    this.room(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  fill(value: number, n: number): void {
    this.room(n);
    this.buf.fill(value, this.pos, this.pos + n);
    this.pos += n;
  }

  /** Reserve a 1-octet length field; returns its offset for fillU8. */
  reserveU8(): number {
    this.room(1);
    return this.pos++;
  }

  /** Reserve a 2-octet length field; returns its offset for fillU16. */
  reserveU16(): number {
    this.room(2);
    const at = this.pos;
    this.pos += 2;
    return at;
  }

  /** Fill a reserved 1-octet field with the number of bytes written after it. */
  fillU8(at: number): void {
    const n = this.pos - at - 1;
    if (n > 0xff) throw new RangeError(`length ${n} does not fit in one octet`);
    this.buf[at] = n;
  }

  /** Fill a reserved 2-octet field with the number of bytes written after it. */
  fillU16(at: number): void {
    const n = this.pos - at - 2;
    if (n > 0xffff) throw new RangeError(`length ${n} does not fit in two octets`);
    this.buf[at] = n >>> 8;
    this.buf[at + 1] = n;
  }

  /** The bytes written so far (a view, not a copy). */
  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
