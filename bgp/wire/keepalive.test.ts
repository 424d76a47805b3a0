// KEEPALIVE tests. The golden bytes are written by hand from RFC 4271 §4.4: the header only, length 19.
import { expect } from 'chai';
import type { BgpError } from './errors.ts';
import { decodeKeepalive, encodeKeepalive } from './keepalive.ts';

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

describe('wire/keepalive', () => {
  it('encodes the 19-octet header-only message (RFC 4271 §4.4), written by hand', () => {
    expect(encodeKeepalive().toString('hex')).to.equal(`${MARKER}001304`);
  });

  it('decodes an empty body and rejects any other with Bad Message Length and the length as data', () => {
    expect(decodeKeepalive(Buffer.alloc(0))).to.deep.equal({ type: 'keepalive' });
    const e = error(() => decodeKeepalive(hex('00')));
    expect([e.code, e.subcode, Buffer.from(e.data).toString('hex')]).to.deep.equal([1, 2, '0014']);
  });
});
