// encodeSend (outbound.ts): Adj-RIB-Out `send` messages to UPDATE bytes for one session. The
// bytes are decoded back with bgp/wire/update.ts decodeUpdate, and one IPv4 next-hop-self UPDATE
// is compared with bytes written by hand from the RFC 4271 §4.3 field layout. Covered: next-hop-
// self for IPv4 (NEXT_HOP) and IPv6 (MP_REACH_NLRI with global + link-local, RFC 2545 §3), a
// learned next hop passed on unchanged, RFC 8950 IPv4 NLRI with an IPv6 next hop going into
// MP_REACH_NLRI, withdrawals before announcements, and the skipped count when the session has no
// address of the family. And familyNegotiated: a session gets only the families it negotiated
// (found by the demo lab: FRR reset an IPv4-only session with UPDATE Message Error / Invalid
// Network Field when IPv6 routes of the same update group reached it).
import { expect } from 'chai';
import { encodeSend, familyNegotiated, type SelfAddresses } from './outbound.ts';
import type { SendMessage } from '../../rib/messages.ts';
import { AttrInterner } from '../../rib/attr-intern.ts';
import { decodeUpdate } from '../../bgp/wire/update.ts';
import { DEFAULT_CONTEXT, type PathAttributes, type UpdateMessage } from '../../bgp/wire/types.ts';
import { formatPrefixes, prefixList } from '../../bgp/wire/prefix-text.ts';
import { Afi, Safi } from '../../bgp/wire/iana/afi-safi.ts';
import { parseAddressBytes } from '../../rib/prefix.ts';

const interner = new AttrInterner();
const BASE: PathAttributes = { origin: 0, asPath: [] };
const SELF: SelfAddresses = {
  v4: parseAddressBytes('10.0.0.2'),
  v6: parseAddressBytes('fd00::2'),
  v6LinkLocal: parseAddressBytes('fe80::2'),
};
const NO_V6: SelfAddresses = { ...SELF, v6: null, v6LinkLocal: null };

function send(
  afi: number,
  announce: { prefixes: string[]; nextHopSelf: boolean; nextHop?: string; linkLocal?: string }[],
  withdraw: string[] = [],
): SendMessage {
  return {
    kind: 'send',
    group: 1,
    afi,
    withdraw: prefixList(afi, withdraw),
    announce: announce.map((a) => ({
      nextHopSelf: a.nextHopSelf,
      prefixes: prefixList(afi, a.prefixes),
      attrs: interner.intern(
        BASE,
        a.nextHop === undefined ? undefined : parseAddressBytes(a.nextHop),
        a.linkLocal === undefined ? null : parseAddressBytes(a.linkLocal),
      ),
    })),
  };
}

/** Each message decoded back (the 19-octet header cut off). */
function decoded(messages: readonly Buffer[]): UpdateMessage[] {
  return messages.map((m) => {
    expect(m.readUInt16BE(16)).to.equal(m.length);
    expect(m[18]).to.equal(2);
    return decodeUpdate(m.subarray(19), DEFAULT_CONTEXT);
  });
}

const text = (b: Uint8Array | null | undefined) => (b == null ? null : Buffer.from(b).toString('hex'));

describe('daemon outbound: encodeSend', () => {
  it('IPv4 next-hop-self: NEXT_HOP is the session address; bytes as RFC 4271 §4.3 lays them out', () => {
    const { messages, skipped } = encodeSend(
      send(Afi.IPV4, [{ prefixes: ['10.244.1.0/24'], nextHopSelf: true }]),
      SELF,
      DEFAULT_CONTEXT,
    );
    expect(skipped).to.equal(0);
    // Written by hand: marker, length 41, type 2; withdrawn length 0; attributes length 14:
    // ORIGIN (flags 0x40 well-known transitive, type 1, len 1, IGP), AS_PATH (0x40, 2, len 0),
    // NEXT_HOP (0x40, 3, len 4, 10.0.0.2); NLRI 10.244.1.0/24 as length 24 + 3 octets.
    const hand = Buffer.from(
      'ffffffffffffffffffffffffffffffff' +
        '0029' +
        '02' +
        '0000' +
        '000e' +
        '40010100' +
        '400200' +
        '400304' +
        '0a000002' +
        '180af401',
      'hex',
    );
    expect(messages).to.have.length(1);
    expect(messages[0]!.toString('hex')).to.equal(hand.toString('hex'));
  });

  it('IPv4 with a learned next hop passes it on unchanged', () => {
    const [u] = decoded(
      encodeSend(
        send(Afi.IPV4, [
          { prefixes: ['10.244.10.0/24', '10.244.11.0/24'], nextHopSelf: false, nextHop: '10.0.0.1' },
        ]),
        SELF,
        DEFAULT_CONTEXT,
      ).messages,
    );
    expect(u!.attrs.nextHop).to.equal(0x0a000001);
    expect(formatPrefixes(u!.nlri)).to.deep.equal(['10.244.10.0/24', '10.244.11.0/24']);
    expect(u!.attrs.mpReach).to.equal(undefined);
  });

  it('IPv6 next-hop-self: MP_REACH_NLRI with the global and link-local addresses', () => {
    const [u] = decoded(
      encodeSend(
        send(Afi.IPV6, [{ prefixes: ['fd10:244:1::/64'], nextHopSelf: true }]),
        SELF,
        DEFAULT_CONTEXT,
      ).messages,
    );
    const mp = u!.attrs.mpReach!;
    expect([mp.afi, mp.safi]).to.deep.equal([Afi.IPV6, Safi.UNICAST]);
    expect(text(mp.nextHop)).to.equal(text(SELF.v6));
    expect(text(mp.linkLocal)).to.equal(text(SELF.v6LinkLocal));
    expect(formatPrefixes(mp.nlri)).to.deep.equal(['fd10:244:1::/64']);
    expect(u!.nlri.count).to.equal(0);
    expect(u!.attrs.nextHop).to.equal(undefined);
  });

  it('RFC 8950: IPv4 NLRI with an IPv6 next hop go in MP_REACH_NLRI (AFI 1), not in the NLRI field', () => {
    const [u] = decoded(
      encodeSend(
        send(Afi.IPV4, [
          { prefixes: ['10.244.20.0/24'], nextHopSelf: false, nextHop: 'fd00::1', linkLocal: 'fe80::1' },
        ]),
        SELF,
        DEFAULT_CONTEXT,
      ).messages,
    );
    const mp = u!.attrs.mpReach!;
    expect([mp.afi, mp.safi]).to.deep.equal([Afi.IPV4, Safi.UNICAST]);
    expect(text(mp.nextHop)).to.equal(text(parseAddressBytes('fd00::1')));
    expect(text(mp.linkLocal)).to.equal(text(parseAddressBytes('fe80::1')));
    expect(formatPrefixes(mp.nlri)).to.deep.equal(['10.244.20.0/24']);
    expect(u!.nlri.count).to.equal(0);
    expect(u!.attrs.nextHop).to.equal(undefined);
  });

  it('withdrawals go first; IPv6 withdrawals in MP_UNREACH_NLRI', () => {
    const v4 = decoded(
      encodeSend(
        send(Afi.IPV4, [{ prefixes: ['10.244.1.0/24'], nextHopSelf: true }], ['10.244.9.0/24']),
        SELF,
        DEFAULT_CONTEXT,
      ).messages,
    );
    expect(v4).to.have.length(2);
    expect(formatPrefixes(v4[0]!.withdrawn)).to.deep.equal(['10.244.9.0/24']);
    expect(v4[0]!.nlri.count).to.equal(0);
    expect(formatPrefixes(v4[1]!.nlri)).to.deep.equal(['10.244.1.0/24']);
    const v6 = decoded(encodeSend(send(Afi.IPV6, [], ['fd10:244:9::/64']), SELF, DEFAULT_CONTEXT).messages);
    expect(v6).to.have.length(1);
    const un = v6[0]!.attrs.mpUnreach!;
    expect([un.afi, un.safi]).to.deep.equal([Afi.IPV6, Safi.UNICAST]);
    expect(formatPrefixes(un.withdrawn)).to.deep.equal(['fd10:244:9::/64']);
  });

  it('no address of the family on the session for "self": those prefixes are skipped and counted', () => {
    const r = encodeSend(
      send(Afi.IPV6, [
        { prefixes: ['fd10:244:1::/64', 'fd10:244:2::/64'], nextHopSelf: true },
        { prefixes: ['fd10:244:3::/64'], nextHopSelf: false, nextHop: 'fd00::1' },
      ]),
      NO_V6,
      DEFAULT_CONTEXT,
    );
    expect(r.skipped).to.equal(2);
    const [u] = decoded(r.messages);
    expect(r.messages).to.have.length(1);
    expect(formatPrefixes(u!.attrs.mpReach!.nlri)).to.deep.equal(['fd10:244:3::/64']);
    // A locally originated route has no next hop of its own: without "self" nothing is sent.
    const local = encodeSend(
      send(Afi.IPV4, [{ prefixes: ['10.244.1.0/24'], nextHopSelf: false }]),
      SELF,
      DEFAULT_CONTEXT,
    );
    expect(local).to.deep.equal({ messages: [], skipped: 1 });
  });
});

describe('outbound family filter', () => {
  it('an IPv4-unicast-only session gets IPv4 sends only', () => {
    const v4 = [{ afi: Afi.IPV4, safi: Safi.UNICAST }];
    expect(familyNegotiated(v4, Afi.IPV4)).to.equal(true);
    expect(familyNegotiated(v4, Afi.IPV6)).to.equal(false);
  });

  it('an IPv6-unicast-only session gets IPv6 sends only; both families get both', () => {
    const v6 = [{ afi: Afi.IPV6, safi: Safi.UNICAST }];
    expect(familyNegotiated(v6, Afi.IPV4)).to.equal(false);
    expect(familyNegotiated(v6, Afi.IPV6)).to.equal(true);
    const both = [{ afi: Afi.IPV4, safi: Safi.UNICAST }, ...v6];
    expect([familyNegotiated(both, Afi.IPV4), familyNegotiated(both, Afi.IPV6)]).to.deep.equal([true, true]);
  });

  it('a non-unicast SAFI of the same AFI does not count', () => {
    expect(familyNegotiated([{ afi: Afi.IPV6, safi: 2 }], Afi.IPV6)).to.equal(false);
  });
});
