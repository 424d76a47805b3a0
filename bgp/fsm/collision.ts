// Connection collision detection and resolution (RFC 4271 §6.8, RFC 6286 §2.3) as a pure function.
// In: the two connections to one configured peer (their FSM states and who initiated each), the
// two BGP Identifiers and AS numbers. Out: which connection to close, with Cease / Connection
// Collision Resolution (6/7, RFC 4486), or that there is no collision to resolve.
//
// How the session driver uses it. The driver keeps one FSM per TCP connection (RFC 4271 §8.2.1.2:
// "There is one FSM per BGP connection"). While the peer's primary FSM is in OpenSent or
// OpenConfirm (or Established), a second connection to the same peer gets a second FSM
// (createFsm with allowAutomaticStart: false, stepped with ManualStart_with_PassiveTcpEstablishment
// then TcpConnectionConfirmed, or ManualStart then Tcp_CR_Acked for an outgoing one). When an OPEN
// arrives on either connection and passes the OPEN checks, BEFORE stepping that FSM with BGPOpen:
//   1. call resolveCollision({ existing: the other connection, received: this one, ... });
//   2. no collision: step this FSM with BGPOpen as usual;
//   3. close 'received': step this FSM with OpenCollisionDump (it sends Cease 6/7 and goes Idle);
//   4. close 'existing': step this FSM with BGPOpen, then the other with OpenCollisionDump.
// The FSM that went Idle on OpenCollisionDump does not restart itself; the driver disposes it
// (stopAll on its timers) and the survivor becomes the peer's primary FSM.
import { CeaseSubcode, ErrorCode } from '../wire/iana/error-codes.ts';
import type { NotificationFields } from './events.ts';
import { State } from './states.ts';
import type { StateName } from './states.ts';

export interface CollisionConnection {
  readonly state: StateName;
  /** outgoing: we sent the first SYN; incoming: the peer did. */
  readonly direction: 'outgoing' | 'incoming';
}

export interface CollisionInput {
  /** The connection that was there first (its FSM in OpenConfirm, OpenSent or Established). */
  readonly existing: CollisionConnection;
  /** The connection on which the OPEN was just received. */
  readonly received: CollisionConnection;
  /** BGP Identifiers as unsigned 32-bit numbers (host order). */
  readonly localBgpId: number;
  readonly remoteBgpId: number;
  readonly localAs: number;
  readonly remoteAs: number;
  /** The peer's BGP Identifier is known by configuration, so OpenSent connections are examined too. */
  readonly remoteBgpIdKnown?: boolean;
  /** CollisionDetectEstablishedState (RFC 4271 §8.1.1 group 4). */
  readonly collisionDetectEstablishedState?: boolean;
}

export type CollisionDecision =
  | { readonly collision: false; readonly reason: string }
  | {
      readonly collision: true;
      readonly close: 'existing' | 'received';
      readonly notification: NotificationFields;
      readonly reason: string;
    };

const CEASE_COLLISION: NotificationFields = {
  code: ErrorCode.CEASE,
  subcode: CeaseSubcode.CONNECTION_COLLISION_RESOLUTION,
  data: new Uint8Array(0),
};

function ipv4(id: number): string {
  return [id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff].join('.');
}

function close(which: 'existing' | 'received', reason: string): CollisionDecision {
  return { collision: true, close: which, notification: CEASE_COLLISION, reason };
}

export function resolveCollision(c: CollisionInput): CollisionDecision {
  const existing = c.existing.state;
  // "Note that a connection collision cannot be detected with connections that are in Idle,
  // Connect, or Active states."
  if (existing === State.Idle || existing === State.Connect || existing === State.Active) {
    return {
      collision: false,
      reason: `the other connection is in ${existing}: no collision can be detected`,
    };
  }
  // "Upon receipt of an OPEN message, the local system MUST examine all of its connections that
  // are in the OpenConfirm state. A BGP speaker MAY also examine connections in an OpenSent state
  // if it knows the BGP Identifier of the peer by means outside of the protocol."
  if (existing === State.OpenSent && c.remoteBgpIdKnown !== true) {
    return {
      collision: false,
      reason: 'the other connection is in OpenSent and the peer BGP Identifier is not configured',
    };
  }
  if (c.existing.direction === c.received.direction) {
    return { collision: false, reason: `both connections are ${c.existing.direction}: not a collision` };
  }
  // "Unless allowed via configuration, a connection collision with an existing BGP connection that
  // is in the Established state causes closing of the newly created connection."
  if (existing === State.Established && c.collisionDetectEstablishedState !== true) {
    return close(
      'received',
      'connection collision with an Established session: the new connection is closed',
    );
  }
  const local = c.localBgpId >>> 0;
  const remote = c.remoteBgpId >>> 0;
  // "The convention is to compare the BGP Identifiers of the peers involved in the collision and to
  // retain only the connection initiated by the BGP speaker with the higher-valued BGP Identifier."
  let keep: 'outgoing' | 'incoming';
  let why: string;
  if (local !== remote) {
    keep = local > remote ? 'outgoing' : 'incoming';
    why = `BGP Identifier ${ipv4(local)} (local) ${local > remote ? '>' : '<'} ${ipv4(remote)} (peer)`;
  } else if (c.localAs !== c.remoteAs) {
    // RFC 6286 §2.3: "If the BGP Identifiers of the peers involved in the connection collision are
    // identical, then the connection initiated by the BGP speaker with the larger AS number is
    // preserved."
    keep = c.localAs > c.remoteAs ? 'outgoing' : 'incoming';
    why = `equal BGP Identifiers ${ipv4(local)}, AS ${c.localAs} (local) ${c.localAs > c.remoteAs ? '>' : '<'} AS ${c.remoteAs} (peer)`;
  } else {
    // Same identifier and same AS: the OPEN checks should have refused it (RFC 6286 §2.2, Bad BGP
    // Identifier). Keep what exists.
    return close(
      'received',
      `equal BGP Identifiers ${ipv4(local)} and equal AS ${c.localAs}: the new connection is closed`,
    );
  }
  const closeWhich = c.existing.direction === keep ? 'received' : 'existing';
  const initiatedBy = keep === 'outgoing' ? 'us' : 'the peer';
  return close(
    closeWhich,
    `connection collision: ${why}, keeping the connection initiated by ${initiatedBy}`,
  );
}
