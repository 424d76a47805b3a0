// The BGP finite state machine as a pure function: step(state, event) -> {state, actions, reason}
// (RFC 4271 §8.2.2). This file normalizes events, drops stale timer expiries, and handles the
// states before an OPEN is sent (Idle, Connect, Active); step-open.ts handles OpenSent,
// OpenConfirm and Established. Nothing here does I/O or reads a clock.
import type { FsmEvent } from './events.ts';
import { TimerName } from './actions.ts';
import { State } from './states.ts';
import type { FsmState } from './states.ts';
import {
  ignore,
  manualStop,
  manualStopNotification,
  receivedText,
  restartOption,
  sentText,
  toIdle,
  Transition,
} from './transition.ts';
import type { StepResult } from './transition.ts';
import { stepEstablished, stepOpenConfirm, stepOpenSent } from './step-open.ts';
import { ErrorCode, OpenSubcode } from '../wire/iana/error-codes.ts';

const TIMER_OF_EVENT: Partial<Record<FsmEvent['kind'], TimerName>> = {
  ConnectRetryTimer_Expires: TimerName.ConnectRetryTimer,
  HoldTimer_Expires: TimerName.HoldTimer,
  KeepaliveTimer_Expires: TimerName.KeepaliveTimer,
  DelayOpenTimer_Expires: TimerName.DelayOpenTimer,
  IdleHoldTimer_Expires: TimerName.IdleHoldTimer,
  StableTimer_Expires: TimerName.StableTimer,
};

/** Apply one event. The input state is not modified. */
export function step(s: FsmState, event: FsmEvent): StepResult {
  const e = normalize(s, event);
  const timer = TIMER_OF_EVENT[e.kind];
  if (timer !== undefined && !s.running[timer]) {
    // A timer that step() already stopped cannot expire; if the driver delivers one anyway (an
    // expiry queued behind the event that stopped it), it is stale and must not reset a session.
    return ignore(s, `${timer} expired but is not running: stale, ignored`);
  }
  const tx = new Transition(s);
  if (timer !== undefined) tx.expired(timer);
  switch (s.state) {
    case State.Idle:
      return stepIdle(tx, e);
    case State.Connect:
    case State.Active:
      return stepConnectOrActive(tx, e);
    case State.OpenSent:
      return stepOpenSent(tx, e);
    case State.OpenConfirm:
      return stepOpenConfirm(tx, e);
    case State.Established:
      return stepEstablished(tx, e);
  }
}

/** Event 19 while the DelayOpenTimer runs is Event 20 and vice versa; a NOTIFICATION 2/1 is Event 24. */
function normalize(s: FsmState, e: FsmEvent): FsmEvent {
  if (e.kind === 'BGPOpen' && s.running.DelayOpenTimer) {
    return { kind: 'BGPOpen_with_DelayOpenTimer_running', holdTimeSeconds: e.holdTimeSeconds };
  }
  if (e.kind === 'BGPOpen_with_DelayOpenTimer_running' && !s.running.DelayOpenTimer) {
    return { kind: 'BGPOpen', holdTimeSeconds: e.holdTimeSeconds };
  }
  if (
    e.kind === 'NotifMsg' &&
    e.notification.code === ErrorCode.OPEN_MESSAGE &&
    e.notification.subcode === OpenSubcode.UNSUPPORTED_VERSION_NUMBER
  ) {
    return { kind: 'NotifMsgVerErr', notification: e.notification };
  }
  return e;
}

function isStart(e: FsmEvent): boolean {
  return (
    e.kind === 'ManualStart' ||
    e.kind === 'AutomaticStart' ||
    e.kind === 'ManualStart_with_PassiveTcpEstablishment' ||
    e.kind === 'AutomaticStart_with_PassiveTcpEstablishment'
  );
}

/** Start from Idle: ConnectRetryTimer with the initial value, then connect (Connect) or listen (Active). */
function start(tx: Transition, passive: boolean, reason: string): StepResult {
  tx.stop('IdleHoldTimer');
  tx.next.passiveTcpEstablishment = passive;
  tx.startConnectRetryTimer();
  if (passive) return tx.finish(State.Active, reason);
  tx.emit({ kind: 'connect' });
  return tx.finish(State.Connect, reason);
}

function stepIdle(tx: Transition, e: FsmEvent): StepResult {
  const s = tx.from;
  switch (e.kind) {
    case 'ManualStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart':
    case 'AutomaticStart_with_PassiveTcpEstablishment': {
      const manual = e.kind.startsWith('Manual');
      const passive = e.kind.endsWith('PassiveTcpEstablishment');
      // RFC 4271 §8.2.2 Idle: with DampPeerOscillations, automatic starts "will use these events
      // to prevent peer oscillations": an automatic start waits for the IdleHoldTimer.
      if (!manual && tx.isRunning('IdleHoldTimer')) {
        return ignore(s, `${e.kind} deferred: held in Idle until the IdleHoldTimer expires`);
      }
      // Idle: "sets ConnectRetryCounter to zero". A manual start also forgets the backoff.
      tx.next.connectRetryCounter = 0;
      if (manual) {
        tx.next.backoffLevel = 0;
        tx.next.flapCount = 0;
      }
      tx.next.allowAutomaticStart = s.config.allowAutomaticStart;
      tx.next.dampPeerOscillations = e.dampPeerOscillations ?? s.config.dampPeerOscillations;
      return start(
        tx,
        passive,
        passive ? `${e.kind}: listening for the peer` : `${e.kind}: connecting to the peer`,
      );
    }
    case 'IdleHoldTimer_Expires': {
      // podbgp's automatic restart after a failure (transition.ts scheduleAutomaticRestart). Unlike
      // an external start event it keeps the ConnectRetryCounter, so it still counts the attempts.
      if (!s.allowAutomaticStart)
        return tx.finish(State.Idle, 'IdleHoldTimer expired: automatic start not allowed');
      const passive = s.passiveTcpEstablishment;
      return start(
        tx,
        passive,
        `automatic restart after IdleHoldTimer (attempt ${s.connectRetryCounter + 1})`,
      );
    }
    case 'ManualStop':
      // "The ManualStop event (Event 2) and AutomaticStop (Event 8) event are ignored in the Idle
      // state." A pending automatic restart is cancelled, though: the operator said stop.
      tx.stop('IdleHoldTimer');
      tx.next.allowAutomaticStart = false;
      tx.next.connectRetryCounter = 0;
      return tx.finish(State.Idle, 'ManualStop in Idle: automatic restart cancelled');
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      // "In this state, BGP FSM refuses all incoming BGP connections for this peer."
      tx.emit({ kind: 'drop-connection' });
      return tx.finish(State.Idle, `${e.kind} in Idle: connection refused`);
    default:
      // "Any other event (Events 9-12, 15-28) received in the Idle state does not cause change in
      // the state of the local system."
      return ignore(s, `${e.kind} ignored in Idle`);
  }
}

function stepConnectOrActive(tx: Transition, e: FsmEvent): StepResult {
  const s = tx.from;
  const here = s.state;
  const delayOpenRunning = s.running.DelayOpenTimer;
  if (isStart(e)) return ignore(s, `${e.kind} ignored in ${here}`);
  switch (e.kind) {
    case 'ManualStop': {
      // Active: "If the DelayOpenTimer is running and the SendNOTIFICATIONwithoutOPEN session
      // attribute is set, the local system sends a NOTIFICATION with a Cease" (podbgp does the
      // same in Connect, where the DelayOpenTimer also runs on an open connection).
      const notify =
        delayOpenRunning && s.config.sendNotificationWithoutOpen
          ? manualStopNotification(e.subcode, e.communication, e.hardReset)
          : undefined;
      return manualStop(tx, notify);
    }
    case 'ConnectRetryTimer_Expires':
      if (here === State.Connect) {
        // Connect: "drops the TCP connection, restarts the ConnectRetryTimer, stops the
        // DelayOpenTimer ..., initiates a TCP connection to the other BGP peer".
        tx.next.backoffLevel = s.backoffLevel + 1;
        tx.emit({ kind: 'drop-connection' }).startConnectRetryTimer().stop('DelayOpenTimer');
        tx.emit({ kind: 'connect' });
        return tx.finish(
          State.Connect,
          `ConnectRetryTimer expired: connecting again (attempt ${tx.next.backoffLevel + 1})`,
        );
      }
      if (s.passiveTcpEstablishment) {
        // RFC 4271 §8.1.1: PassiveTcpEstablishment "indicates that the BGP FSM will passively wait
        // for the remote BGP peer to establish the BGP TCP connection": a passive peer never connects.
        return tx.finish(State.Active, 'ConnectRetryTimer expired: passive, still waiting for the peer');
      }
      tx.startConnectRetryTimer().emit({ kind: 'connect' });
      return tx.finish(State.Connect, 'ConnectRetryTimer expired: connecting to the peer');
    case 'DelayOpenTimer_Expires':
      tx.stop('ConnectRetryTimer').sendOpenAndWait();
      return tx.finish(
        State.OpenSent,
        `DelayOpenTimer expired after ${s.config.delayOpenTimeSeconds} s: sent OPEN`,
      );
    case 'TcpConnection_Valid':
      return ignore(s, `TcpConnection_Valid in ${here}: connection being processed`);
    case 'Tcp_CR_Invalid':
      return ignore(s, `Tcp_CR_Invalid in ${here}: connection rejected`);
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed': {
      const how =
        e.kind === 'Tcp_CR_Acked'
          ? 'outgoing TCP connection established'
          : 'incoming TCP connection accepted';
      tx.stop('ConnectRetryTimer');
      if (s.config.delayOpen) {
        tx.start('DelayOpenTimer', s.config.delayOpenTimeSeconds);
        return tx.finish(here, `${how}: delaying OPEN for ${s.config.delayOpenTimeSeconds} s`);
      }
      tx.sendOpenAndWait();
      return tx.finish(State.OpenSent, `${how}: sent OPEN`);
    }
    case 'TcpConnectionFails': {
      const why = `TCP connection failed${e.why === undefined ? '' : `: ${e.why}`}`;
      if (here === State.Connect && delayOpenRunning) {
        // Connect, DelayOpenTimer running: "restarts the ConnectRetryTimer with the initial
        // value, stops the DelayOpenTimer ..., continues to listen ..., changes its state to Active."
        tx.emit({ kind: 'drop-connection' }).startConnectRetryTimer().stop('DelayOpenTimer');
        return tx.finish(State.Active, `${why}: listening for the peer`);
      }
      if (here === State.Connect) {
        // RFC 4271 §8.2.2 has Connect without the DelayOpenTimer go to Idle, where "BGP FSM refuses
        // all incoming BGP connections". podbgp waits for its next attempt in Active instead, as
        // BIRD and FRR do: a peer that only ever connects (ExaBGP, or one whose own attempts
        // happen to come while we back off) still gets in. The ConnectRetryTimer carries the
        // backoff, and its expiry in Active connects again (Event 9).
        // The wait after the k-th failure in a row is one backoff interval at level k-1.
        tx.emit({ kind: 'drop-connection' }).stop('DelayOpenTimer').startConnectRetryTimer();
        tx.next.backoffLevel = s.backoffLevel + 1;
        return tx.finish(State.Active, `${why}: listening for the peer until the next attempt`);
      }
      // Active: "increments the ConnectRetryCounter by 1", and goes to Idle.
      return toIdle(tx, why, { count: true, backoff: true });
    }
    case 'BGPOpen_with_DelayOpenTimer_running':
      // Event 20: "stops the ConnectRetryTimer ..., stops and clears the DelayOpenTimer, sends an
      // OPEN message, sends a KEEPALIVE message, if the HoldTimer initial value is non-zero, starts
      // the KeepaliveTimer ... and resets the HoldTimer to the negotiated value".
      tx.stop('ConnectRetryTimer').stop('DelayOpenTimer');
      tx.emit({ kind: 'send-open' }).emit({ kind: 'send-keepalive' });
      tx.acceptHoldTime(e.holdTimeSeconds);
      return tx.finish(
        State.OpenConfirm,
        `received OPEN while delaying ours: sent OPEN and KEEPALIVE, hold time ${e.holdTimeSeconds} s`,
      );
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr': {
      // "(optionally) If the SendNOTIFICATIONwithoutOPEN attribute is set to TRUE, then the local
      // system first sends a NOTIFICATION message with the appropriate error code".
      const notify = s.config.sendNotificationWithoutOpen ? e.error : undefined;
      const text =
        notify === undefined
          ? `${e.kind}${e.why === undefined ? '' : `: ${e.why}`}`
          : sentText(e.error, e.why);
      return toIdle(tx, text, notify === undefined ? { count: true } : { notify, count: true });
    }
    case 'NotifMsgVerErr':
      // "If the DelayOpenTimer is running" the ConnectRetryCounter is left alone; otherwise it is
      // incremented and peer oscillation damping applies.
      return toIdle(tx, receivedText(e.notification), { count: !delayOpenRunning });
    case 'AutomaticStop':
      return toIdle(tx, `AutomaticStop${e.why === undefined ? '' : `: ${e.why}`}`, {
        count: true,
        restart: restartOption(e.restartAfterSeconds),
      });
    case 'NotifMsg':
      return toIdle(tx, receivedText(e.notification), { count: true });
    case 'OpenCollisionDump':
      return toIdle(tx, 'connection collision: this connection was closed', { count: true, restart: 'none' });
    case 'UpdateSent':
    case 'StableTimer_Expires':
      return ignore(s, `${e.kind} ignored in ${here}`);
    default:
      // "In response to any other events (Events 8, 10-11, 13, 19, 23, 25-28), the local system:
      // ... releases all BGP resources, drops the TCP connection, increments the
      // ConnectRetryCounter by 1, performs peer oscillation damping ..., changes its state to Idle."
      return toIdle(tx, `unexpected ${e.kind} in ${here}`, { count: true });
  }
}
