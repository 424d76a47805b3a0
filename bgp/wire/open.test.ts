// OPEN tests. Golden messages are written by hand from RFC 4271 §4.1/§4.2, RFC 5492 §4 and RFC 9072
// §2 field layouts (each vector says which); round trips cover every capability kind.
import { expect } from 'chai';
import { BgpError } from './errors.ts';
import { decodeOpen, encodeOpen, openLength } from './open.ts';
import type { Capability, OpenMessage } from './types.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MARKER = 'ffffffffffffffffffffffffffffffff';

function expectError(fn: () => unknown, code: number, subcode: number, data?: string): BgpError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(BgpError);
    const b = e as BgpError;
    expect([b.code, b.subcode]).to.deep.equal([code, subcode]);
    if (data !== undefined) expect(Buffer.from(b.data).toString('hex')).to.equal(data);
    return b;
  }
  throw new Error('expected a BgpError');
}

/** Every capability kind once, for round trips. */
const ALL_CAPS: Capability[] = [
  { kind: 'multiprotocol', afi: 1, safi: 1 },
  { kind: 'multiprotocol', afi: 2, safi: 1 },
  { kind: 'route-refresh' },
  { kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
  { kind: 'extended-message' },
  { kind: 'role', role: 4 },
  {
    kind: 'graceful-restart',
    restarting: true,
    notification: true,
    restartTime: 300,
    families: [{ afi: 1, safi: 1, forwardingPreserved: true }],
  },
  { kind: 'four-octet-as', asn: 4200000001 },
  { kind: 'add-path', families: [{ afi: 2, safi: 1, sendReceive: 3 }] },
  { kind: 'enhanced-route-refresh' },
  {
    kind: 'long-lived-graceful-restart',
    families: [{ afi: 1, safi: 1, forwardingPreserved: false, staleTime: 86400 }],
  },
  { kind: 'fqdn', hostname: 'node-a', domain: 'cluster.local' },
  { kind: 'unknown', code: 250, value: Uint8Array.of(9, 8, 7) },
];

const open = (capabilities: Capability[], extra: Partial<OpenMessage> = {}): OpenMessage => ({
  type: 'open',
  version: 4,
  myAs: 23456,
  holdTime: 90,
  bgpId: 0x0a000001,
  capabilities,
  ...extra,
});

describe('wire/open', () => {
  // RFC 4271 §4.2 + RFC 5492 §4, written by hand: version 4, My AS 65001, hold 180, id 10.0.0.1,
  // Opt Parm Len 16, one Capabilities parameter (type 2, length 14) with MP IPv4 unicast, route
  // refresh and 4-octet AS 65001. Length 29 + 16 = 45 (0x2d).
  const GOLDEN_PLAIN = hex(
    `${MARKER} 002d 01  04 fde9 00b4 0a000001 10  02 0e  01 04 0001 00 01  02 00  41 04 0000fde9`,
  );
  const PLAIN: OpenMessage = {
    type: 'open',
    version: 4,
    myAs: 65001,
    holdTime: 180,
    bgpId: 0x0a000001,
    capabilities: [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'route-refresh' },
      { kind: 'four-octet-as', asn: 65001 },
    ],
    extendedOptionalParameters: false,
  };

  // RFC 9072 §2 layout, written by hand: Non-Ext OP Len 255, Non-Ext OP Type 255, Extended Opt.
  // Parm. Length 9, then Parm. Type 2 with a 2-octet Parm. Length 6 holding 4-octet AS 4200000000.
  // My AS is AS_TRANS (23456 = 0x5ba0), hold 90, id 1.2.3.4. Length 19 + 10 + 3 + 9 = 41 (0x29).
  const GOLDEN_EXTENDED = hex(
    `${MARKER} 0029 01  04 5ba0 005a 01020304 ff  ff 0009  02 0006  41 04 fa56ea00`,
  );

  it('decodes a hand-written OPEN (RFC 4271 §4.2, RFC 5492 §4)', () => {
    expect(decodeOpen(GOLDEN_PLAIN.subarray(19))).to.deep.equal(PLAIN);
  });

  it('encodes the same OPEN to the hand-written bytes', () => {
    expect(encodeOpen(PLAIN).toString('hex')).to.equal(GOLDEN_PLAIN.toString('hex'));
    expect(openLength(PLAIN)).to.equal(GOLDEN_PLAIN.length);
  });

  it('decodes the RFC 9072 extended optional parameters form', () => {
    expect(decodeOpen(GOLDEN_EXTENDED.subarray(19))).to.deep.equal({
      type: 'open',
      version: 4,
      myAs: 23456,
      holdTime: 90,
      bgpId: 0x01020304,
      capabilities: [{ kind: 'four-octet-as', asn: 4200000000 }],
      extendedOptionalParameters: true,
    });
  });

  it('encodes the extended form when asked, byte-for-byte as RFC 9072 §2 lays it out', () => {
    const msg = open([{ kind: 'four-octet-as', asn: 4200000000 }], {
      bgpId: 0x01020304,
      extendedOptionalParameters: true,
    });
    expect(encodeOpen(msg).toString('hex')).to.equal(GOLDEN_EXTENDED.toString('hex'));
  });

  it('merges capabilities from several Capabilities parameters (RFC 5492 §4 allows either form)', () => {
    const b = hex('04 fde9 00b4 0a000001 0c  02 04 02 00 46 00  02 04 06 00 02 00');
    const m = decodeOpen(b);
    expect(m.capabilities.map((c) => c.kind)).to.deep.equal([
      'route-refresh',
      'enhanced-route-refresh',
      'extended-message',
      'route-refresh',
    ]);
  });

  it('decodes an OPEN with no optional parameters', () => {
    const m = decodeOpen(hex('04 fde9 0000 0a000001 00'));
    expect(m.capabilities).to.deep.equal([]);
    expect(m.holdTime).to.equal(0);
    expect(encodeOpen(m).length).to.equal(29);
  });

  it('round-trips every capability kind, with openLength equal to the bytes written', () => {
    const msg = open(ALL_CAPS, { extendedOptionalParameters: false });
    const bytes = encodeOpen(msg);
    expect(bytes.length).to.equal(openLength(msg));
    expect(bytes.readUInt16BE(16)).to.equal(bytes.length);
    expect(decodeOpen(bytes.subarray(19))).to.deep.equal(msg);
  });

  it('switches to the extended form only when the parameters exceed 255 octets', () => {
    const fits = open(
      Array.from({ length: 42 }, (_, i) => ({ kind: 'multiprotocol', afi: 1, safi: i }) as Capability),
    );
    // 42 * 6 = 252 octets of capabilities + 2 parameter header octets = 254 <= 255.
    expect(encodeOpen(fits)[28]).to.equal(254);
    expect(decodeOpen(encodeOpen(fits).subarray(19)).extendedOptionalParameters).to.equal(false);
    const over = open(
      Array.from({ length: 43 }, (_, i) => ({ kind: 'multiprotocol', afi: 1, safi: i }) as Capability),
    );
    const bytes = encodeOpen(over);
    expect(bytes.length).to.equal(openLength(over));
    expect([bytes[28], bytes[29]]).to.deep.equal([255, 255]);
    const back = decodeOpen(bytes.subarray(19));
    expect(back.extendedOptionalParameters).to.equal(true);
    expect(back.capabilities).to.deep.equal(over.capabilities);
  });

  it('refuses to encode an OPEN longer than 4096 octets (our bug)', () => {
    const huge = open(
      Array.from(
        { length: 700 },
        (_, i) => ({ kind: 'multiprotocol', afi: 1, safi: i & 0xff }) as Capability,
      ),
    );
    expect(() => encodeOpen(huge)).to.throw(RangeError);
  });

  describe('malformed OPENs', () => {
    it('Unsupported Version Number with the largest supported version (4) as 2 octets of data (RFC 4271 §6.2)', () => {
      expectError(() => decodeOpen(hex('03 fde9 00b4 0a000001 00')), 2, 1, '0004');
      expectError(() => decodeOpen(hex('05 fde9 00b4 0a000001 00')), 2, 1, '0004');
    });

    it('Unsupported Optional Parameter for a parameter other than Capabilities (RFC 4271 §6.2)', () => {
      expectError(() => decodeOpen(hex('04 fde9 00b4 0a000001 04  01 02 0000')), 2, 4);
      expectError(() => decodeOpen(hex('04 fde9 00b4 0a000001 02  07 00')), 2, 4);
    });

    it('Unspecific for an Opt Parm Len past the end of the message', () => {
      expectError(() => decodeOpen(hex('04 fde9 00b4 0a000001 08  02 02 0200')), 2, 0);
    });

    it('Unspecific for octets after the optional parameters', () => {
      expectError(() => decodeOpen(hex('04 fde9 00b4 0a000001 00  02')), 2, 0);
      expectError(() => decodeOpen(hex('04 fde9 00b4 0a000001 02  02 00  ff')), 2, 0);
    });

    it('Unspecific for a parameter length past Opt Parm Len', () => {
      expectError(() => decodeOpen(hex('04 fde9 00b4 0a000001 03  02 04 0200')), 2, 0);
    });

    it('Unspecific for a malformed capability inside a parameter', () => {
      expectError(() => decodeOpen(hex('04 fde9 00b4 0a000001 05  02 03 41 01 00')), 2, 0);
    });

    it('Unspecific for an RFC 9072 Extended Opt. Parm. Length past the end', () => {
      expectError(() => decodeOpen(hex('04 5ba0 005a 01020304 ff  ff 0010  02 0006 41 04 fa56ea00')), 2, 0);
      expectError(() => decodeOpen(hex('04 5ba0 005a 01020304 ff  ff')), 2, 0);
    });

    it('Unspecific for an RFC 9072 parameter whose 2-octet length runs past the parameters', () => {
      expectError(() => decodeOpen(hex('04 5ba0 005a 01020304 ff  ff 0009  02 0007 41 04 fa56ea00')), 2, 0);
    });

    it('Bad Message Length with the Length field as data when the body is shorter than 10 octets', () => {
      expectError(() => decodeOpen(hex('04 fde9 00b4 0a0000')), 1, 2, '001b');
    });
  });
});
