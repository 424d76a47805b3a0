// RFC 4271 §8.2.2 for the states after our OPEN is sent: OpenSent, OpenConfirm, Established.
// In: a Transition started by step() and a normalized event. Out: the StepResult.
// Unexpected messages get the RFC 6608 Finite State Machine Error subcodes, with the message type
// as the Data field.
import { CeaseSubcode, ErrorCode, FsmSubcode } from '../wire/iana/error-codes.ts';
import { MESSAGE_TYPE_NAMES, MessageType } from '../wire/iana/message-types.ts';
import type { FsmEvent, NotificationFields } from './events.ts';
import { State } from './states.ts';
import {
  automaticStopNotification,
  ignore,
  manualStop,
  manualStopNotification,
  receivedText,
  restartOption,
  sentText,
  toIdle,
} from './transition.ts';
import type { StepResult, Transition } from './transition.ts';

const EMPTY = new Uint8Array(0);

/** The message type an unexpected-message event stands for, for the RFC 6608 Data field. */
function messageTypeOf(e: FsmEvent): number | null {
  switch (e.kind) {
    case 'BGPOpen':
    case 'BGPOpen_with_DelayOpenTimer_running':
    case 'BGPOpenMsgErr':
      return MessageType.OPEN;
    case 'UpdateMsg':
    case 'UpdateMsgErr':
      return MessageType.UPDATE;
    case 'KeepAliveMsg':
      return MessageType.KEEPALIVE;
    case 'RouteRefreshMsg':
      return MessageType.ROUTE_REFRESH;
    default:
      return null;
  }
}

/**
 * RFC 6608 §4: "If a BGP speaker receives an unexpected message (e.g., KEEPALIVE/UPDATE/
 * ROUTE-REFRESH message) on a session in OpenSent state, it MUST send to the neighbor a
 * NOTIFICATION message with the Error Code Finite State Machine Error and the Error Subcode
 * 'Receive Unexpected Message in OpenSent State'. The Data field is a 1-octet, unsigned integer
 * that indicates the type of the unexpected message." (Likewise OpenConfirm and Established.)
 * Events that are not messages (a timer that cannot run in this state) get subcode 0.
 */
function fsmError(tx: Transition, e: FsmEvent, subcode: number): StepResult {
  const type = messageTypeOf(e);
  const n: NotificationFields =
    type === null
      ? { code: ErrorCode.FSM, subcode: FsmSubcode.UNSPECIFIED, data: EMPTY }
      : { code: ErrorCode.FSM, subcode, data: new Uint8Array([type]) };
  const what = type === null ? e.kind : `${MESSAGE_TYPE_NAMES[type]} message`;
  return toIdle(tx, sentText(n, `unexpected ${what} in ${tx.from.state}`), { notify: n, count: true });
}

const HOLD_TIMER_EXPIRED: NotificationFields = {
  code: ErrorCode.HOLD_TIMER_EXPIRED,
  subcode: 0,
  data: EMPTY,
};
const COLLISION: NotificationFields = {
  code: ErrorCode.CEASE,
  subcode: CeaseSubcode.CONNECTION_COLLISION_RESOLUTION,
  data: EMPTY,
};

/** Handling shared by the three states; null when the state-specific code must decide. */
function common(tx: Transition, e: FsmEvent): StepResult | null {
  const s = tx.from;
  const here = s.state;
  switch (e.kind) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
      return ignore(s, `${e.kind} ignored in ${here}`);
    case 'ManualStop':
      return manualStop(tx, manualStopNotification(e.subcode, e.communication, e.hardReset));
    case 'AutomaticStop': {
      const n = automaticStopNotification(e.subcode, e.data, e.hardReset);
      return toIdle(tx, sentText(n, e.why), {
        notify: n,
        count: true,
        restart: restartOption(e.restartAfterSeconds),
      });
    }
    case 'HoldTimer_Expires': {
      const seconds = here === State.OpenSent ? s.config.largeHoldTimeSeconds : s.holdTimeSeconds;
      const what = here === State.OpenSent ? 'no OPEN from the peer' : 'nothing from the peer';
      return toIdle(
        tx,
        `Hold timer expired after ${seconds} s (${what}): sent NOTIFICATION Hold Timer Expired`,
        {
          notify: HOLD_TIMER_EXPIRED,
          count: true,
        },
      );
    }
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      // "a second TCP connection may be in progress. This second TCP connection is tracked per
      // Connection Collision processing (Section 6.8)": the driver gives it its own FSM.
      return ignore(s, `${e.kind} in ${here}: a second connection, tracked by collision detection`);
    case 'Tcp_CR_Invalid':
      return ignore(s, `Tcp_CR_Invalid in ${here}: ignored`);
    case 'OpenCollisionDump':
      // Closed with Cease / Connection Collision Resolution (RFC 4486); the other connection
      // carries the session on, so this FSM does not restart itself (RFC 4271 §8.2.1.2: "the FSM
      // for the connection that is closed SHOULD be disposed").
      return toIdle(tx, sentText(COLLISION, 'connection collision, the other connection is kept'), {
        notify: COLLISION,
        count: true,
        restart: 'none',
      });
    case 'NotifMsgVerErr':
      // OpenSent/OpenConfirm: "sets the ConnectRetryTimer to zero, releases all BGP resources,
      // drops the TCP connection, and changes its state to Idle" - no ConnectRetryCounter increment,
      // no damping. In Established, Events 24 and 25 are handled alike and do count.
      return toIdle(tx, receivedText(e.notification), { count: here === State.Established });
    case 'NotifMsg':
      // RFC 4271 lists Event 25 among the FSM errors in OpenSent, but a NOTIFICATION is never
      // answered with one (the peer has closed) and RFC 6608 names only KEEPALIVE/UPDATE/
      // ROUTE-REFRESH as unexpected there: close and count it.
      return toIdle(tx, receivedText(e.notification), { count: true });
    case 'TcpConnectionFails':
      if (here === State.OpenSent) return null;
      return toIdle(tx, `TCP connection failed${e.why === undefined ? '' : `: ${e.why}`}`, { count: true });
    case 'UpdateSent':
      return here === State.Established ? null : ignore(s, `UpdateSent ignored in ${here}`);
    default:
      return null;
  }
}

export function stepOpenSent(tx: Transition, e: FsmEvent): StepResult {
  const c = common(tx, e);
  if (c !== null) return c;
  switch (e.kind) {
    case 'TcpConnectionFails':
      // "closes the BGP connection, restarts the ConnectRetryTimer, continues to listen for a
      // connection that may be initiated by the remote BGP peer, and changes its state to Active."
      tx.next.backoffLevel = tx.from.backoffLevel + 1;
      tx.stop('HoldTimer').emit({ kind: 'drop-connection' }).startConnectRetryTimer();
      return tx.finish(
        State.Active,
        `TCP connection failed in OpenSent${e.why === undefined ? '' : `: ${e.why}`}: listening for the peer`,
      );
    case 'BGPOpen':
      // Event 19: "resets the DelayOpenTimer to zero, sets the BGP ConnectRetryTimer to zero,
      // sends a KEEPALIVE message, and sets a KeepaliveTimer ..., sets the HoldTimer according to
      // the negotiated value ..., changes its state to OpenConfirm."
      tx.stop('DelayOpenTimer').stop('ConnectRetryTimer').emit({ kind: 'send-keepalive' });
      tx.acceptHoldTime(e.holdTimeSeconds);
      return tx.finish(
        State.OpenConfirm,
        `received OPEN: sent KEEPALIVE, hold time ${e.holdTimeSeconds} s${e.holdTimeSeconds === 0 ? ' (no keepalives)' : ''}`,
      );
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return toIdle(tx, sentText(e.error, e.why), { notify: e.error, count: true });
    default:
      // "In response to any other event (Events 9, 11-13, 20, 25-28)": Finite State Machine Error.
      return fsmError(tx, e, FsmSubcode.UNEXPECTED_IN_OPENSENT);
  }
}

export function stepOpenConfirm(tx: Transition, e: FsmEvent): StepResult {
  const c = common(tx, e);
  if (c !== null) return c;
  switch (e.kind) {
    case 'KeepaliveTimer_Expires':
      tx.emit({ kind: 'send-keepalive' }).start('KeepaliveTimer', tx.from.keepaliveTimeSeconds);
      return tx.finish(State.OpenConfirm, 'KeepaliveTimer expired: sent KEEPALIVE');
    case 'KeepAliveMsg':
      // "restarts the HoldTimer and changes its state to Established."
      tx.restartHoldTimer();
      if (tx.from.config.stableTimeSeconds > 0) tx.start('StableTimer', tx.from.config.stableTimeSeconds);
      tx.emit({ kind: 'session-up' });
      return tx.finish(State.Established, 'received KEEPALIVE: session Established');
    case 'BGPHeaderErr':
      return toIdle(tx, sentText(e.error, e.why), { notify: e.error, count: true });
    case 'BGPOpenMsgErr':
      // "If an OPEN message is received, all fields are checked for correctness. If ... OPEN
      // message checking detects an error ..., sends a NOTIFICATION message with the appropriate
      // error code".
      return toIdle(tx, sentText(e.error, e.why), { notify: e.error, count: true });
    default:
      // A second OPEN on this same connection (collisions between connections are resolved by the
      // driver before it steps either FSM, see collision.ts), an UPDATE or a ROUTE-REFRESH:
      // RFC 6608 "Receive Unexpected Message in OpenConfirm State".
      return fsmError(tx, e, FsmSubcode.UNEXPECTED_IN_OPENCONFIRM);
  }
}

export function stepEstablished(tx: Transition, e: FsmEvent): StepResult {
  const c = common(tx, e);
  if (c !== null) return c;
  const s = tx.from;
  switch (e.kind) {
    case 'KeepaliveTimer_Expires':
      // "sends a KEEPALIVE message, and restarts its KeepaliveTimer, unless the negotiated
      // HoldTime value is zero."
      tx.emit({ kind: 'send-keepalive' });
      if (s.holdTimeSeconds !== 0) tx.start('KeepaliveTimer', s.keepaliveTimeSeconds);
      return tx.finish(State.Established, 'KeepaliveTimer expired: sent KEEPALIVE');
    case 'UpdateSent':
      // "Each time the local system sends a KEEPALIVE or UPDATE message, it restarts its
      // KeepaliveTimer, unless the negotiated HoldTime value is zero."
      if (s.holdTimeSeconds !== 0) tx.start('KeepaliveTimer', s.keepaliveTimeSeconds);
      return tx.finish(State.Established, 'sent UPDATE: KeepaliveTimer restarted');
    case 'KeepAliveMsg':
      tx.restartHoldTimer();
      return tx.finish(State.Established, 'received KEEPALIVE');
    case 'UpdateMsg':
      tx.emit({ kind: 'process-update' }).restartHoldTimer();
      return tx.finish(State.Established, 'received UPDATE');
    case 'RouteRefreshMsg':
      tx.emit({ kind: 'process-route-refresh' });
      return tx.finish(State.Established, 'received ROUTE-REFRESH');
    case 'UpdateMsgErr':
      // "sends a NOTIFICATION message with an Update error, ... deletes all routes associated
      // with this connection, ... changes its state to Idle."
      return toIdle(tx, sentText(e.error, e.why), { notify: e.error, count: true });
    case 'BGPHeaderErr':
      // RFC 4271 lists Event 21 among the FSM errors here, but §6.1 says a header error is
      // "indicated by sending the NOTIFICATION message with the Error Code Message Header Error":
      // podbgp sends the header error itself.
      return toIdle(tx, sentText(e.error, e.why), { notify: e.error, count: true });
    case 'StableTimer_Expires':
      tx.next.backoffLevel = 0;
      tx.next.flapCount = 0;
      return tx.finish(
        State.Established,
        `session stable for ${s.config.stableTimeSeconds} s: connect-retry backoff reset`,
      );
    default:
      // An OPEN (valid or not) on an Established connection, or a timer that cannot run here
      // (Events 9, 12-13, 20-22): RFC 6608 "Receive Unexpected Message in Established State".
      return fsmError(tx, e, FsmSubcode.UNEXPECTED_IN_ESTABLISHED);
  }
}
