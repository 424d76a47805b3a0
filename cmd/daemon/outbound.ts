// From the Adj-RIB-Out's `send` messages to UPDATE bytes for one session: fills in the next hop
// where the route says "self" (next-hop-self, eBGP, or a locally originated route) with the
// session's own addresses, puts IPv6 (and IPv4 with an IPv6 next hop) in MP_REACH_NLRI, and packs
// with the session's codec context (4-octet AS or not, ADD-PATH, extended message).
//
// In: SendMessage + the session's SelfAddresses and CodecContext. Out: UPDATE buffers in order
// (withdrawals first: RFC 4271 leaves the order to us, and withdrawing first never leaves a
// stale route behind a newer one).
import type { SendMessage } from '../../rib/messages.ts';
import type { CodecContext, FamilyRef, PathAttributes } from '../../bgp/wire/types.ts';
import { packAnnouncements, packWithdrawals } from '../../bgp/wire/packer.ts';
import { Afi, Safi } from '../../bgp/wire/iana/afi-safi.ts';

/** The addresses a session can give as its own next hop, per address family. */
export interface SelfAddresses {
  /** IPv4 address as bytes (4), when the session's link has one. */
  readonly v4: Uint8Array | null;
  /** A global IPv6 address (16 bytes), when the session's link has one. */
  readonly v6: Uint8Array | null;
  /** The link's IPv6 link-local address, sent beside v6 (RFC 2545 §3) on a directly connected session. */
  readonly v6LinkLocal: Uint8Array | null;
}

export interface EncodedSend {
  readonly messages: Buffer[];
  /** Announcements skipped because the session has no address of that family for "self". */
  readonly skipped: number;
}

function ipv4Number(b: Uint8Array): number {
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/**
 * Whether a send for `afi` (unicast) may go to a session that negotiated `families`.
 * RFC 4760 §8: "A BGP speaker that uses Multiprotocol Extensions SHOULD use the Capability
 * Advertisement procedures [BGP-CAP] to determine whether the speaker could use Multiprotocol
 * Extensions with a particular peer." An update group spans both families, but a session that
 * carries only IPv4 unicast must never get IPv6 routes (FRR answers them with UPDATE Message
 * Error / Invalid Network Field and resets the session), nor the reverse.
 */
export function familyNegotiated(families: readonly FamilyRef[], afi: number): boolean {
  return families.some((f) => f.afi === afi && f.safi === Safi.UNICAST);
}

export function encodeSend(m: SendMessage, self: SelfAddresses, ctx: CodecContext): EncodedSend {
  const messages: Buffer[] = [];
  let skipped = 0;
  messages.push(...packWithdrawals(m.withdraw, ctx, { safi: Safi.UNICAST }));
  for (const a of m.announce) {
    const nextHop = a.nextHopSelf ? (m.afi === Afi.IPV4 ? self.v4 : self.v6) : a.attrs.nextHop;
    if (nextHop === null || nextHop.length === 0) {
      skipped += a.prefixes.count;
      continue;
    }
    const base: PathAttributes = { ...a.attrs.attrs };
    let attrs: PathAttributes;
    if (m.afi === Afi.IPV4 && nextHop.length === 4) {
      attrs = { ...base, nextHop: ipv4Number(nextHop) };
    } else {
      // IPv6 NLRI, or IPv4 NLRI with an IPv6 next hop (RFC 8950), travel in MP_REACH_NLRI.
      const linkLocal = a.nextHopSelf ? self.v6LinkLocal : a.attrs.linkLocal;
      attrs = {
        ...base,
        mpReach: { afi: m.afi, safi: Safi.UNICAST, nextHop, linkLocal, nlri: a.prefixes },
      };
    }
    messages.push(
      ...packAnnouncements(attrs, a.prefixes, ctx, { ipv4InMp: m.afi === Afi.IPV4 && nextHop.length === 16 }),
    );
  }
  return { messages, skipped };
}
