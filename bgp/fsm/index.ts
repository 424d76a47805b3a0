// The BGP FSM's public face for the session driver (bgp/session). In: FsmEvent values made from
// sockets, timers and decoded messages. Out: the next FsmState and FsmAction values to perform.
//
//   let fsm = createFsm(peerConfig, seedFromPeerAddress);
//   const r = step(fsm, { kind: 'ManualStart' });   // r.actions: start-timer ConnectRetryTimer, connect
//   fsm = r.state;                                   // r.reason: "ManualStart: connecting to the peer"
//   ... perform r.actions in order; timer expiries come back as timerEvent(name).
//
// See collision.ts for running two FSMs (one per connection) during a connection collision.
import type { FsmEvent } from './events.ts';
import { TIMER_EVENT } from './actions.ts';
import type { TimerName } from './actions.ts';

export { step } from './step.ts';
export type { StepResult } from './transition.ts';
export { State, createFsm, DEFAULT_FSM_CONFIG, validateFsmConfig } from './states.ts';
export type { FsmConfig, FsmState, StateName, RunningTimers } from './states.ts';
export type { FsmEvent, FsmEventKind, NotificationFields } from './events.ts';
export { EVENT_NUMBERS } from './events.ts';
export { TimerName, ALL_TIMERS, TIMER_EVENT } from './actions.ts';
export type { FsmAction, FsmActionKind } from './actions.ts';
export { resolveCollision } from './collision.ts';
export type { CollisionConnection, CollisionDecision, CollisionInput } from './collision.ts';
export { negotiateHoldTime, keepaliveFor } from './hold-time.ts';
export type { NegotiatedHoldTime } from './hold-time.ts';
export { describeNotification } from './transition.ts';
export { connectRetryBaseSeconds, idleHoldBaseSeconds, JITTER_LOW, JITTER_HIGH } from './backoff.ts';

/** The event a timer expiry from bgp/timers.ts becomes. */
export function timerEvent(name: TimerName): FsmEvent {
  return { kind: TIMER_EVENT[name] };
}
