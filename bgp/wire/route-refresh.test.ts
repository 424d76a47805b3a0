// ROUTE-REFRESH tests. Golden bytes are written by hand from RFC 2918 §3 / RFC 7313 §3.2 (AFI 2 octets,
// Message Subtype 1 octet, SAFI 1 octet).
import { expect } from 'chai';
import type { BgpError } from './errors.ts';
import { decodeRouteRefresh, encodeRouteRefresh, RouteRefreshSubtype } from './route-refresh.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MARKER = 'ffffffffffffffffffffffffffffffff';

function error(fn: () => unknown): BgpError {
  try {
    fn();
  } catch (e) {
    return e as BgpError;
  }
  throw new Error('expected a BgpError');
}

describe('wire/route-refresh', () => {
  // RFC 7313 §3.2 by hand: IPv6 (0002), subtype BoRR (01), unicast (01); length 23 (0x17), type 5.
  const GOLDEN_BORR = hex(`${MARKER} 0017 05  0002 01 01`);

  it('decodes and encodes a BoRR for IPv6 unicast', () => {
    const m = decodeRouteRefresh(GOLDEN_BORR.subarray(19));
    expect(m).to.deep.equal({ type: 'route-refresh', afi: 2, safi: 1, subtype: RouteRefreshSubtype.BORR });
    expect(encodeRouteRefresh(m).toString('hex')).to.equal(GOLDEN_BORR.toString('hex'));
  });

  it('round-trips subtypes 0, 1, 2 and keeps an unknown subtype for the session to ignore (RFC 7313 §5)', () => {
    for (const subtype of [0, 1, 2, 3, 255]) {
      const m = { type: 'route-refresh', afi: 1, safi: 1, subtype } as const;
      const bytes = encodeRouteRefresh(m);
      expect(bytes.length).to.equal(23);
      expect(decodeRouteRefresh(bytes.subarray(19))).to.deep.equal(m);
    }
  });

  it('accepts a subtype 0 message with trailing ORF entries (RFC 5291), ignoring them', () => {
    expect(decodeRouteRefresh(hex('0001 00 01 01 02 03'))).to.deep.equal({
      type: 'route-refresh',
      afi: 1,
      safi: 1,
      subtype: 0,
    });
  });

  it('rejects BoRR/EoRR of the wrong length with 7/1 and the complete message as data (RFC 7313 §5)', () => {
    for (const subtype of ['01', '02']) {
      const e = error(() => decodeRouteRefresh(hex(`0001 ${subtype} 01 00`)));
      expect([e.code, e.subcode]).to.deep.equal([7, 1]);
      expect(Buffer.from(e.data).toString('hex')).to.equal(
        `${MARKER}001805 0001${subtype}0100`.replace(/\s/g, ''),
      );
    }
  });

  it('rejects a body shorter than 4 octets as Bad Message Length', () => {
    const e = error(() => decodeRouteRefresh(hex('0001 01')));
    expect([e.code, e.subcode, Buffer.from(e.data).toString('hex')]).to.deep.equal([1, 2, '0016']);
  });
});
