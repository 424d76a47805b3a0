// The typed messages the RIB emits to other owners (DESIGN "Owners and messages").
//  - FibChange: to the kernel owner (rib/fib). One per prefix whose forwarding changed:
//    the prefix (afi, words, length) and its next-hop addresses as bytes, or null to remove.
//  - SendMessage: per Adj-RIB-Out update group, to the sessions of that group's peers.
// In: nothing. Out: type definitions only.
import type { PrefixList } from '../bgp/wire/types.ts';
import type { RibAttrs } from './attr-intern.ts';
import type { Prefix } from './prefix.ts';

export interface FibChange {
  readonly kind: 'fib-change';
  readonly prefix: Prefix;
  /** Next hops (4- or 16-byte addresses), sorted; null: no route any more (or only a local one). */
  readonly nextHops: readonly Uint8Array[] | null;
}

/** One announcement batch: prefixes that share one attribute set, ready for the UPDATE packer. */
export interface Announcement {
  readonly attrs: RibAttrs;
  /**
   * Set when the next hop must be the sending session's own address (next-hop-self, eBGP, or
   * a locally originated route); the session fills it in, since peers of one group have
   * different local addresses.
   */
  readonly nextHopSelf: boolean;
  /** In the codec's form, ready for bgp/wire/packer.ts packAnnouncements. */
  readonly prefixes: PrefixList;
}

export interface SendMessage {
  readonly kind: 'send';
  /** The update group id (see AdjRibOut.groupOf). */
  readonly group: number;
  readonly afi: number;
  /** Set for a dump to one peer that just joined the group; absent: for every peer of the group. */
  readonly peer?: number;
  readonly announce: readonly Announcement[];
  /** In the codec's form, ready for packWithdrawals; count 0 when nothing is withdrawn. */
  readonly withdraw: PrefixList;
}

/** Where the Loc-RIB sends what it decides. */
export interface LocRibSink {
  fibChange(m: FibChange): void;
  /** The best path (or its attributes) of `slot` changed; Adj-RIB-Out reads the new state. */
  bestChanged(afi: number, slot: number): void;
}
