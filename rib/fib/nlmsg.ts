// Netlink framing: a writer that lays out nlmsghdr + family header + rtattrs in host byte order
// into one growing buffer (many messages back to back, for one sendmsg), a walker over the
// messages and attributes of a received datagram, and the decoder of NLMSG_ERROR acks with the
// kernel's extended-ack text. Layouts: include/uapi/linux/netlink.h and rtnetlink.h.
import { NLMSG_HDRLEN, NlmFlag, NlmsgerrAttr, NlmsgType, RTA_HDRLEN, align4 } from './rtnetlink-constants.ts';

/**
 * Writes netlink messages back to back. Integers little-endian (host order on x86-64/arm64),
 * addresses as given (network order). The buffer grows by doubling; `reset()` keeps it.
 */
export class NlWriter {
  buf: Buffer;
  pos = 0;
  private msgStart = -1;

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.alloc(initialSize);
  }

  reset(): void {
    this.pos = 0;
    this.msgStart = -1;
  }

  /** Make room for n more bytes. Zero-filled so padding is always 0. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = v;
    b[p + 1] = v >>> 8;
    this.pos = p + 2;
  }

  u32(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = v;
    b[p + 1] = v >>> 8;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 24;
    this.pos = p + 4;
  }

  /** Write a 32-bit number as 4 address bytes, most significant first (network order). */
  be32(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.pos = p + 4;
  }

  bytes(src: Uint8Array): void {
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** Pad with zeros to the next 4-byte boundary (NLMSG_ALIGN / RTA_ALIGN). */
  pad(): void {
    const end = align4(this.pos);
    this.buf.fill(0, this.pos, end);
    this.pos = end;
  }

  /**
   * Start a message: nlmsghdr with its length filled in by endMessage(). `bodyMax` is an upper
   * bound of everything the caller will write in this message, reserved up front.
   */
  beginMessage(type: number, flags: number, seq: number, bodyMax: number): void {
    this.ensure(NLMSG_HDRLEN + bodyMax);
    this.msgStart = this.pos;
    this.u32(0);
    this.u16(type);
    this.u16(flags);
    this.u32(seq);
    this.u32(0); // nlmsg_pid: 0 addresses the kernel
  }

  endMessage(): void {
    this.pad();
    this.buf.writeUInt32LE(this.pos - this.msgStart, this.msgStart);
    this.msgStart = -1;
  }

  attrU32(type: number, v: number): void {
    this.u16(8);
    this.u16(type);
    this.u32(v);
  }

  /** An attribute holding a 4-byte address from a 32-bit number (network order). */
  attrAddr4(type: number, v: number): void {
    this.u16(8);
    this.u16(type);
    this.be32(v);
  }

  /** An attribute holding an IPv6 address from four 32-bit words, most significant first. */
  attrAddr6(type: number, w0: number, w1: number, w2: number, w3: number): void {
    this.u16(20);
    this.u16(type);
    this.be32(w0);
    this.be32(w1);
    this.be32(w2);
    this.be32(w3);
  }

  attrBytes(type: number, v: Uint8Array): void {
    this.u16(RTA_HDRLEN + v.length);
    this.u16(type);
    this.bytes(v);
    this.pad();
  }

  /** Start a nested attribute (or any length-prefixed block); returns its offset for endNest. */
  beginNest(type: number): number {
    const at = this.pos;
    this.u16(0);
    this.u16(type);
    return at;
  }

  /** Fill the 16-bit length at `at` with the bytes written since (unpadded, as rta_len is), then pad. */
  endNest(at: number): void {
    this.buf.writeUInt16LE(this.pos - at, at);
    this.pad();
  }

  /** A copy-free view of what was written. */
  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** One message of a received datagram: header fields and where its payload lies in `buf`. */
export interface NlMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  readonly buf: Buffer;
  /** Offset of the payload (after nlmsghdr). */
  readonly start: number;
  /** End of the message (start + payload length). */
  readonly end: number;
}

/** Thrown when the kernel sends something that does not parse: a kernel/podbgp mismatch, our bug. */
export class NetlinkFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetlinkFormatError';
  }
}

/** Walk the messages of one datagram (NLMSG_OK / NLMSG_NEXT). */
export function* messages(buf: Buffer, length = buf.length): Generator<NlMessage> {
  let p = 0;
  while (p + NLMSG_HDRLEN <= length) {
    const len = buf.readUInt32LE(p);
    if (len < NLMSG_HDRLEN || p + len > length) {
      throw new NetlinkFormatError(`bad nlmsg_len ${len} at offset ${p} of ${length}`);
    }
    yield {
      type: buf.readUInt16LE(p + 4),
      flags: buf.readUInt16LE(p + 6),
      seq: buf.readUInt32LE(p + 8),
      pid: buf.readUInt32LE(p + 12),
      buf,
      start: p + NLMSG_HDRLEN,
      end: p + len,
    };
    p += align4(len);
  }
}

/**
 * Call fn(type, valueStart, valueEnd) for each rtattr in buf[start, end) (RTA_OK / RTA_NEXT).
 * The NLA_F_NESTED and NLA_F_NET_BYTEORDER bits are masked off the type.
 */
export function forEachAttr(
  buf: Buffer,
  start: number,
  end: number,
  fn: (type: number, valueStart: number, valueEnd: number) => void,
): void {
  let p = start;
  while (p + RTA_HDRLEN <= end) {
    const len = buf.readUInt16LE(p);
    if (len < RTA_HDRLEN || p + len > end) {
      throw new NetlinkFormatError(`bad rta_len ${len} at offset ${p}`);
    }
    fn(buf.readUInt16LE(p + 2) & 0x3fff, p + RTA_HDRLEN, p + len);
    p += align4(len);
  }
}

/** A decoded NLMSG_ERROR: error 0 is a positive ack. */
export interface NlAck {
  /** Negative errno from the kernel, or 0. */
  readonly error: number;
  /** Sequence number of the request this answers (from the echoed header). */
  readonly seq: number;
  /** NLMSGERR_ATTR_MSG: the kernel's extended-ack text, when it gave one. */
  readonly message: string | null;
  /** NLMSGERR_ATTR_OFFS: byte offset in the request of the attribute at fault. */
  readonly offset: number | null;
}

/**
 * struct nlmsgerr { int error; struct nlmsghdr msg; } followed, with NETLINK_CAP_ACK, by nothing
 * of the request's payload (NLM_F_CAPPED) and, with NETLINK_EXT_ACK, by NLMSGERR_ATTR_* TLVs
 * (NLM_F_ACK_TLVS). Without CAP_ACK the request's payload is echoed and skipped here.
 */
export function decodeAck(m: NlMessage): NlAck {
  const b = m.buf;
  if (m.end - m.start < 4 + NLMSG_HDRLEN) throw new NetlinkFormatError('short NLMSG_ERROR');
  const error = b.readInt32LE(m.start);
  const echoedLen = b.readUInt32LE(m.start + 4);
  const seq = b.readUInt32LE(m.start + 12);
  let message: string | null = null;
  let offset: number | null = null;
  if (m.flags & NlmFlag.ACK_TLVS) {
    const tlvStart = m.flags & NlmFlag.CAPPED ? m.start + 4 + NLMSG_HDRLEN : m.start + 4 + align4(echoedLen);
    forEachAttr(b, tlvStart, m.end, (type, s, e) => {
      if (type === NlmsgerrAttr.MSG) {
        let z = s;
        while (z < e && b[z] !== 0) z++;
        message = b.toString('utf8', s, z);
      } else if (type === NlmsgerrAttr.OFFS && e - s >= 4) {
        offset = b.readUInt32LE(s);
      }
    });
  }
  return { error, seq, message, offset };
}

export function isAck(m: NlMessage): boolean {
  return m.type === NlmsgType.ERROR;
}
