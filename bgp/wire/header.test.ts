// Header and framing tests: a stream of several messages split at every byte offset (and fed one byte
// at a time), and each RFC 4271 §6.1 header error with its code, subcode and data. The messages are
// written by hand from RFC 4271 §4.1-§4.5 and RFC 2918 §3 layouts.
import { expect } from 'chai';
import { BgpError } from './errors.ts';
import { checkHeader, finishHeader, Framer, isExtendedLength, writeHeader } from './header.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { buildOpen, negotiate } from '../negotiate.ts';
import { capabilityCode } from './capabilities.ts';
import { MAX_EXTENDED_MESSAGE_LENGTH } from './iana/message-types.ts';
import { decodeKeepalive } from './keepalive.ts';
import { decodeNotification } from './notification.ts';
import { decodeOpen } from './open.ts';
import { decodeRouteRefresh } from './route-refresh.ts';
import { Writer } from './writer.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MARKER = 'ffffffffffffffffffffffffffffffff';

/** Hand-written messages: KEEPALIVE; OPEN (no parameters); IPv4 End-of-RIB UPDATE (RFC 4724 §2:
 * an UPDATE with no withdrawn routes and no attributes); NOTIFICATION Cease/Admin Shutdown with
 * data; ROUTE-REFRESH IPv4 unicast. */
const STREAM_MESSAGES = [
  hex(`${MARKER} 0013 04`),
  hex(`${MARKER} 001d 01  04 fde9 00b4 0a000001 00`),
  hex(`${MARKER} 0017 02  0000 0000`),
  hex(`${MARKER} 0017 03  06 02 01 61`),
  hex(`${MARKER} 0017 05  0001 00 01`),
];
const STREAM = Buffer.concat(STREAM_MESSAGES);

function drain(f: Framer): Buffer[] {
  const out: Buffer[] = [];
  for (let m = f.next(); m !== null; m = f.next()) {
    expect(m.type).to.equal(m.message[18]);
    expect(m.body.length).to.equal(m.message.length - 19);
    out.push(Buffer.from(m.message));
  }
  return out;
}

function headerError(bytes: Buffer, maxLength = 4096): BgpError {
  try {
    checkHeader(bytes, 0, maxLength);
  } catch (e) {
    expect(e).to.be.instanceOf(BgpError);
    return e as BgpError;
  }
  throw new Error('expected a header error');
}

function header(length: number, type: number): Buffer {
  const b = Buffer.alloc(Math.max(length, 19), 0);
  b.fill(0xff, 0, 16);
  b.writeUInt16BE(length, 16);
  b[18] = type;
  return b;
}

describe('wire/header', () => {
  it('frames a stream split into two chunks at every byte offset', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const f = new Framer();
      const got: Buffer[] = [];
      f.push(STREAM.subarray(0, cut));
      got.push(...drain(f));
      f.push(STREAM.subarray(cut));
      got.push(...drain(f));
      expect(
        got.map((b) => b.toString('hex')),
        `cut at ${cut}`,
      ).to.deep.equal(STREAM_MESSAGES.map((b) => b.toString('hex')));
      expect(f.buffered).to.equal(0);
    }
  });

  it('frames a stream split into three chunks at every pair of offsets', () => {
    for (let a = 0; a <= STREAM.length; a += 3) {
      for (let b = a; b <= STREAM.length; b += 5) {
        const f = new Framer();
        const got: Buffer[] = [];
        for (const chunk of [STREAM.subarray(0, a), STREAM.subarray(a, b), STREAM.subarray(b)]) {
          f.push(chunk);
          got.push(...drain(f));
        }
        expect(got.length, `cuts ${a}, ${b}`).to.equal(STREAM_MESSAGES.length);
        expect(Buffer.concat(got).equals(STREAM)).to.equal(true);
      }
    }
  });

  it('frames a stream fed one byte at a time, keeping only the partial message buffered', () => {
    const f = new Framer();
    const got: Buffer[] = [];
    for (let i = 0; i < STREAM.length; i++) {
      f.push(STREAM.subarray(i, i + 1));
      got.push(...drain(f));
      expect(f.buffered).to.be.below(30);
    }
    expect(Buffer.concat(got).equals(STREAM)).to.equal(true);
  });

  it('waits for a whole header before checking it', () => {
    const f = new Framer();
    f.push(hex('00'.repeat(18)));
    expect(f.next()).to.equal(null);
    f.push(hex('00'));
    expect(() => f.next()).to.throw(BgpError);
  });

  it('writes a header whose length is filled in at the end', () => {
    const w = new Writer(23);
    const start = writeHeader(w, 5);
    w.u32(0x00010001);
    finishHeader(w, start);
    expect(w.result().toString('hex')).to.equal(`${MARKER}001705 00010001`.replace(/\s/g, ''));
  });

  it('Connection Not Synchronized when the marker is not all ones (RFC 4271 §6.1)', () => {
    for (const at of [0, 7, 15]) {
      const b = header(19, 4);
      b[at] = 0xfe;
      const e = headerError(b);
      expect([e.code, e.subcode, e.data.length]).to.deep.equal([1, 1, 0]);
    }
  });

  it('Bad Message Type with the Type field as data (RFC 4271 §6.1)', () => {
    for (const type of [0, 6, 128, 255]) {
      const e = headerError(header(19, type));
      expect([e.code, e.subcode, [...e.data]]).to.deep.equal([1, 3, [type]]);
    }
  });

  const LENGTH_CASES: readonly (readonly [string, number, number, number?])[] = [
    ['OPEN shorter than 29', 28, 1],
    ['UPDATE shorter than 23', 22, 2],
    ['NOTIFICATION shorter than 21', 20, 3],
    ['ROUTE-REFRESH shorter than 23', 22, 5],
    ['KEEPALIVE longer than 19', 20, 4],
    ['a length below the header', 18, 4],
    ['a zero length', 0, 2],
    ['UPDATE of 4097 without Extended Message', 4097, 2],
    ['NOTIFICATION of 4097 without Extended Message', 4097, 3],
    ['OPEN of 4097 even with Extended Message (RFC 8654 §4)', 4097, 1, MAX_EXTENDED_MESSAGE_LENGTH],
    ['KEEPALIVE of 20 with Extended Message', 20, 4, MAX_EXTENDED_MESSAGE_LENGTH],
  ];
  for (const [what, length, type, max] of LENGTH_CASES) {
    it(`Bad Message Length with the Length field as data: ${what}`, () => {
      const b = header(19, type);
      b.writeUInt16BE(length, 16);
      const err = headerError(b, max);
      expect([err.code, err.subcode, Buffer.from(err.data).toString('hex')]).to.deep.equal([
        1,
        2,
        length.toString(16).padStart(4, '0'),
      ]);
    });
  }

  it('accepts the minimum length of each type and 4096 / 65535 at the limits', () => {
    const ok: readonly (readonly [number, number, number])[] = [
      [29, 1, 4096],
      [23, 2, 4096],
      [21, 3, 4096],
      [19, 4, 4096],
      [23, 5, 4096],
      [4096, 1, 4096],
      [4096, 2, 4096],
      [65535, 2, MAX_EXTENDED_MESSAGE_LENGTH],
      [65535, 3, MAX_EXTENDED_MESSAGE_LENGTH],
      [65535, 5, MAX_EXTENDED_MESSAGE_LENGTH],
    ];
    for (const [length, type, max] of ok) {
      const b = header(19, type);
      b.writeUInt16BE(length, 16);
      expect(checkHeader(b, 0, max), `type ${type} length ${length}`).to.equal(length);
    }
  });

  it('frames a 65535-octet UPDATE once the Framer allows Extended Message', () => {
    const big = header(65535, 2);
    const f = new Framer(MAX_EXTENDED_MESSAGE_LENGTH);
    expect(isExtendedLength(f.maxLength)).to.equal(true);
    f.push(big.subarray(0, 30000));
    expect(f.next()).to.equal(null);
    f.push(big.subarray(30000));
    expect(f.next()!.body.length).to.equal(65535 - 19);
    const small = new Framer();
    expect(isExtendedLength(small.maxLength)).to.equal(false);
    small.push(big.subarray(0, 19));
    expect(() => small.next()).to.throw(BgpError);
  });
});

/** One message captured from a real daemon by the golden-capture work (test/golden/*.json). */
interface Capture {
  name: string;
  origin: string;
  type: string;
  hex: string;
  tshark: {
    type: number;
    myAs?: number;
    holdTime?: number;
    identifier?: string;
    capabilityCodes?: number[];
    majorErrorCode?: number;
    minorErrorCode?: number;
    afi?: number;
    subtype?: number;
    fields?: Record<string, string[]>;
  };
}

const GOLDEN_DIR = new URL('../../test/golden/', import.meta.url);
const CAPTURES: Capture[] = existsSync(GOLDEN_DIR)
  ? readdirSync(GOLDEN_DIR)
      .filter((f) => /-(open|notification|route-refresh|keepalive)\.json$/.test(f))
      .flatMap((f) => JSON.parse(readFileSync(new URL(f, GOLDEN_DIR), 'utf8')) as Capture[])
  : [];

const V4U = { afi: 1, safi: 1 };
const V6U = { afi: 2, safi: 1 };
const dotted = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');

// Bytes captured with tcpdump from BIRD, FRR, GoBGP and ExaBGP sessions; the expected values are
// tshark's reading of the same bytes (see each capture's "origin").
describe(`wire/header: ${CAPTURES.length} messages captured from real daemons (test/golden)`, () => {
  for (const c of CAPTURES) {
    it(`${c.name} (${c.origin.split(',')[0]})`, () => {
      const f = new Framer();
      f.push(Buffer.from(c.hex, 'hex'));
      const frame = f.next()!;
      expect(frame.type).to.equal(c.tshark.type);
      expect(f.next()).to.equal(null);
      switch (c.type) {
        case 'open': {
          const m = decodeOpen(frame.body);
          expect([m.myAs, m.holdTime, dotted(m.bgpId)]).to.deep.equal([
            c.tshark.myAs,
            c.tshark.holdTime,
            c.tshark.identifier,
          ]);
          // Code 128 (pre-standard route refresh) is decoded as route-refresh, written as 2.
          const codes = c.tshark.capabilityCodes!.map((code) => (code === 128 ? 2 : code));
          expect(m.capabilities.map(capabilityCode)).to.deep.equal(codes);
          expect(m.capabilities.filter((x) => x.kind === 'unknown')).to.deep.equal([]);
          // Each daemon's OPEN negotiates with ours (IPv4 + IPv6 unicast, 4-octet AS).
          const local = buildOpen({ asn: 64999, holdTime: 90, bgpId: 0x0a0000fe, families: [V4U, V6U] });
          const s = negotiate(local, m, { localAs: 64999, localBgpId: 0x0a0000fe });
          expect(s.families.length).to.be.above(0);
          expect([s.holdTime, s.keepaliveTime]).to.deep.equal([9, 3]);
          break;
        }
        case 'notification': {
          const n = decodeNotification(frame.body);
          expect([n.code, n.subcode]).to.deep.equal([c.tshark.majorErrorCode, c.tshark.minorErrorCode]);
          const text = c.tshark.fields?.['bgp.notify.communication']?.[0];
          if (text !== undefined) expect(n.shutdownCommunication).to.equal(text);
          break;
        }
        case 'route-refresh': {
          const r = decodeRouteRefresh(frame.body);
          expect([r.afi, r.subtype]).to.deep.equal([c.tshark.afi, c.tshark.subtype]);
          break;
        }
        default:
          expect(decodeKeepalive(frame.body)).to.deep.equal({ type: 'keepalive' });
      }
    });
  }
});
