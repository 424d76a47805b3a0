// Capability table tests. Golden bytes are written by hand from each RFC's field layout (section named
// beside each vector), not produced by our encoder.
import { expect } from 'chai';
import {
  CAPABILITIES,
  capabilityBytes,
  capabilityCode,
  capabilityLength,
  decodeCapabilities,
  encodeCapability,
  formatCapability,
} from './capabilities.ts';
import { BgpError } from './errors.ts';
import type { Capability } from './types.ts';
import { Writer } from './writer.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** [source, bytes (code, length, value), decoded] */
const GOLDEN: readonly (readonly [string, string, Capability])[] = [
  ['RFC 4760 §8 AFI=2 Res=0 SAFI=1', '01 04 0002 00 01', { kind: 'multiprotocol', afi: 2, safi: 1 }],
  ['RFC 2918 §2 length 0', '02 00', { kind: 'route-refresh' }],
  [
    'RFC 8950 §3 IPv4 unicast over IPv6 next hop (AFI 1, SAFI 1 in 2 octets, NH AFI 2)',
    '05 06 0001 0001 0002',
    { kind: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
  ],
  ['RFC 8654 §3 length 0', '06 00', { kind: 'extended-message' }],
  ['RFC 9234 §4.1 role Customer (3)', '09 01 03', { kind: 'role', role: 3 }],
  [
    'RFC 4724 §3 + RFC 8538 §2: R and N set, time 120, IPv4 unicast F=1, IPv6 unicast F=0',
    '40 0a c078 0001 01 80 0002 01 00',
    {
      kind: 'graceful-restart',
      restarting: true,
      notification: true,
      restartTime: 120,
      families: [
        { afi: 1, safi: 1, forwardingPreserved: true },
        { afi: 2, safi: 1, forwardingPreserved: false },
      ],
    },
  ],
  [
    'RFC 4724 §3 no flags, time 4095, no families',
    '40 02 0fff',
    { kind: 'graceful-restart', restarting: false, notification: false, restartTime: 4095, families: [] },
  ],
  ['RFC 6793 §3 AS 4200000000', '41 04 fa56ea00', { kind: 'four-octet-as', asn: 4200000000 }],
  [
    'RFC 7911 §4 IPv4 unicast both (3), IPv6 unicast receive (1)',
    '45 08 0001 01 03 0002 01 01',
    {
      kind: 'add-path',
      families: [
        { afi: 1, safi: 1, sendReceive: 3 },
        { afi: 2, safi: 1, sendReceive: 1 },
      ],
    },
  ],
  ['RFC 7313 §3.1 length 0', '46 00', { kind: 'enhanced-route-refresh' }],
  [
    'RFC 9494 §3 IPv6 unicast F=1 stale time 0x010203',
    '47 07 0002 01 80 010203',
    {
      kind: 'long-lived-graceful-restart',
      families: [{ afi: 2, safi: 1, forwardingPreserved: true, staleTime: 0x010203 }],
    },
  ],
  [
    'draft-walton-bgp-hostname-capability §3 "node1" / "example.org"',
    '49 12 05 6e6f646531 0b 6578616d706c652e6f7267',
    { kind: 'fqdn', hostname: 'node1', domain: 'example.org' },
  ],
  [
    'RFC 5492 §4: unknown code 200 kept raw',
    'c8 03 010203',
    { kind: 'unknown', code: 200, value: Uint8Array.of(1, 2, 3) },
  ],
];

function expectOpenError(fn: () => unknown, subcode: number): BgpError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(BgpError);
    const b = e as BgpError;
    expect([b.code, b.subcode]).to.deep.equal([2, subcode]);
    return b;
  }
  throw new Error('expected a BgpError');
}

describe('wire/capabilities', () => {
  for (const [source, bytes, cap] of GOLDEN) {
    it(`decodes and encodes ${cap.kind} (${source})`, () => {
      const b = hex(bytes);
      expect(decodeCapabilities(b)).to.deep.equal([cap]);
      expect(capabilityLength(cap)).to.equal(b.length);
      const w = new Writer(b.length);
      encodeCapability(w, cap);
      expect(w.pos).to.equal(b.length);
      expect(w.result().toString('hex')).to.equal(b.toString('hex'));
    });
  }

  it('decodes a run of several capabilities in one parameter value', () => {
    const caps = decodeCapabilities(hex('01 04 0001 00 01  02 00  41 04 0000fde8'));
    expect(caps.map((c) => c.kind)).to.deep.equal(['multiprotocol', 'route-refresh', 'four-octet-as']);
  });

  it('decodes the old route refresh code 128 as route-refresh and writes it back as code 2', () => {
    const [c] = decodeCapabilities(hex('80 00'));
    expect(c).to.deep.equal({ kind: 'route-refresh' });
    expect(capabilityCode(c!)).to.equal(2);
  });

  it('accepts an FQDN capability without the domain part', () => {
    expect(decodeCapabilities(hex('49 03 02 6869'))).to.deep.equal([
      { kind: 'fqdn', hostname: 'hi', domain: '' },
    ]);
  });

  it('keeps an FQDN capability whose names are not UTF-8 as raw bytes (unknown, code 73)', () => {
    const b = hex('49 04 02 c328 00');
    const [c] = decodeCapabilities(b);
    expect(c).to.deep.equal({ kind: 'unknown', code: 73, value: Uint8Array.from(hex('02 c328 00')) });
    expect(capabilityBytes(c!).toString('hex')).to.equal(b.toString('hex'));
  });

  it('has a descriptor for every code in the brief', () => {
    expect([...CAPABILITIES.keys()].sort((a, b) => a - b)).to.deep.equal([
      1, 2, 5, 6, 9, 64, 65, 69, 70, 71, 73, 128,
    ]);
  });

  const MALFORMED: readonly (readonly [string, string])[] = [
    ['multiprotocol of length 3', '01 03 000101'],
    ['route refresh with a value', '02 01 00'],
    ['extended message with a value', '06 01 00'],
    ['enhanced route refresh with a value', '46 01 00'],
    ['old route refresh with a value', '80 01 00'],
    ['extended next hop not a multiple of 6', '05 04 00010001'],
    ['role of length 2', '09 02 0001'],
    ['graceful restart of length 1', '40 01 00'],
    ['graceful restart with a partial family', '40 04 0078 0001'],
    ['4-octet AS of length 2', '41 02 fde8'],
    ['ADD-PATH with a partial family', '45 03 000101'],
    ['long-lived GR not a multiple of 7', '47 06 000101800000'],
    ['FQDN hostname length past the value', '49 02 05 61'],
    ['FQDN domain length not matching', '49 04 01 61 05 62'],
    ['capability length past the parameter', '01 09 0001 00 01'],
    ['a lone code octet', '01'],
  ];
  for (const [what, bytes] of MALFORMED) {
    it(`rejects ${what} with OPEN Message Error / Unspecific (RFC 4271 §6.2 "recognized, but malformed")`, () => {
      expectOpenError(() => decodeCapabilities(hex(bytes)), 0);
    });
  }

  it('keeps ADD-PATH Send/Receive values outside 1..3 for negotiation to ignore', () => {
    const [c] = decodeCapabilities(hex('45 04 0001 01 07'));
    expect(c).to.deep.equal({ kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 7 }] });
  });

  it('refuses to encode values that do not fit their fields (our bugs are RangeErrors)', () => {
    const gr: Capability = {
      kind: 'graceful-restart',
      restarting: false,
      notification: false,
      restartTime: 4096,
      families: [],
    };
    expect(() => capabilityBytes(gr)).to.throw(RangeError);
    const ll: Capability = {
      kind: 'long-lived-graceful-restart',
      families: [{ afi: 1, safi: 1, forwardingPreserved: false, staleTime: 0x1000000 }],
    };
    expect(() => capabilityBytes(ll)).to.throw(RangeError);
    const big: Capability = { kind: 'fqdn', hostname: 'h'.repeat(200), domain: 'd'.repeat(60) };
    expect(() => capabilityBytes(big)).to.throw(RangeError);
  });

  it('formats capabilities for people', () => {
    expect(formatCapability({ kind: 'multiprotocol', afi: 2, safi: 1 })).to.equal(
      'multiprotocol ipv6-unicast',
    );
    expect(formatCapability({ kind: 'four-octet-as', asn: 65001 })).to.equal('four-octet-as 65001');
    expect(formatCapability({ kind: 'fqdn', hostname: 'a', domain: 'b' })).to.equal('fqdn a.b');
    expect(formatCapability({ kind: 'unknown', code: 200, value: new Uint8Array(0) })).to.equal(
      'capability-200',
    );
    expect(formatCapability({ kind: 'route-refresh' })).to.equal('route-refresh');
    expect(formatCapability({ kind: 'role', role: 4 })).to.equal('role 4');
  });
});
