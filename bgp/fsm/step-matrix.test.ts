// Every event in every state (with and without DelayOpen, hold time 9 and 0): step() must not
// throw or mutate its input, and each result must keep the invariants the session driver relies on.
import { expect } from 'chai';
import { ALL_TIMERS, EVENT_NUMBERS, createFsm, step } from './index.ts';
import type { FsmConfig, FsmEvent, FsmEventKind, FsmState, StepResult } from './index.ts';

const n = (code: number, subcode: number) => ({ code, subcode, data: new Uint8Array(0) });

function sample(kind: FsmEventKind): FsmEvent {
  switch (kind) {
    case 'BGPOpen':
    case 'BGPOpen_with_DelayOpenTimer_running':
      return { kind, holdTimeSeconds: 9 };
    case 'BGPHeaderErr':
      return { kind, error: n(1, 2) };
    case 'BGPOpenMsgErr':
      return { kind, error: n(2, 2) };
    case 'UpdateMsgErr':
      return { kind, error: n(3, 1) };
    case 'NotifMsg':
      return { kind, notification: n(6, 2) };
    case 'NotifMsgVerErr':
      return { kind, notification: n(2, 1) };
    default:
      return { kind } as FsmEvent;
  }
}

const KINDS = Object.keys(EVENT_NUMBERS) as FsmEventKind[];

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o) && !ArrayBuffer.isView(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

/** States reached by short recorded sequences, including the DelayOpen and hold-time-0 variants. */
function reachable(): FsmState[] {
  const out: FsmState[] = [];
  const paths: [Partial<FsmConfig>, FsmEvent[]][] = [
    [{}, []],
    [{}, [{ kind: 'ManualStart' }]],
    [{}, [{ kind: 'ManualStart_with_PassiveTcpEstablishment' }]],
    [{}, [{ kind: 'ManualStart' }, { kind: 'Tcp_CR_Acked' }]],
    [{}, [{ kind: 'ManualStart' }, { kind: 'Tcp_CR_Acked' }, { kind: 'BGPOpen', holdTimeSeconds: 9 }]],
    [
      {},
      [
        { kind: 'ManualStart' },
        { kind: 'Tcp_CR_Acked' },
        { kind: 'BGPOpen', holdTimeSeconds: 9 },
        { kind: 'KeepAliveMsg' },
      ],
    ],
    [
      {},
      [
        { kind: 'ManualStart' },
        { kind: 'Tcp_CR_Acked' },
        { kind: 'BGPOpen', holdTimeSeconds: 0 },
        { kind: 'KeepAliveMsg' },
      ],
    ],
    [{}, [{ kind: 'ManualStart' }, { kind: 'TcpConnectionFails' }]],
    [{ delayOpen: true }, [{ kind: 'ManualStart' }, { kind: 'Tcp_CR_Acked' }]],
    [
      { delayOpen: true },
      [{ kind: 'AutomaticStart_with_PassiveTcpEstablishment' }, { kind: 'TcpConnectionConfirmed' }],
    ],
    [{ dampPeerOscillations: true, sendNotificationWithoutOpen: true }, [{ kind: 'ManualStart' }]],
  ];
  for (const [config, events] of paths) {
    let s = createFsm(config, 3);
    for (const e of events) s = step(s, e).state;
    out.push(s);
  }
  return out;
}

function checkInvariants(before: FsmState, e: FsmEvent, r: StepResult): void {
  const label = `${e.kind} in ${before.state}: ${r.reason}`;
  expect(r.reason, label).to.be.a('string').and.not.equal('');
  // The running-timer map is exactly what the actions did to the previous one.
  const model: Record<string, boolean> = { ...before.running };
  const expired = e.kind.endsWith('Timer_Expires') ? e.kind.replace('_Expires', '') : null;
  if (expired !== null && model[expired] === true) model[expired] = false;
  for (const a of r.actions) {
    if (a.kind === 'start-timer') {
      expect(a.seconds, label).to.be.a('number').and.at.least(0);
      model[a.timer] = true;
    }
    if (a.kind === 'stop-timer') {
      expect(model[a.timer], `${label}: stops a timer that is not running`).to.equal(true);
      model[a.timer] = false;
    }
  }
  expect(r.state.running, label).to.deep.equal(model);
  // In Idle only the IdleHoldTimer may run.
  if (r.state.state === 'Idle') {
    for (const t of ALL_TIMERS)
      if (t !== 'IdleHoldTimer') expect(r.state.running[t], `${label}: ${t}`).to.equal(false);
  } else {
    expect(r.state.running.IdleHoldTimer, label).to.equal(false);
  }
  // session-up exactly when entering Established, session-down exactly when leaving it.
  const kinds = r.actions.map((a) => a.kind);
  const entered = before.state !== 'Established' && r.state.state === 'Established';
  const left = before.state === 'Established' && r.state.state !== 'Established';
  expect(kinds.includes('session-up'), label).to.equal(entered);
  expect(kinds.includes('session-down'), label).to.equal(left);
  // A NOTIFICATION goes out before the connection is dropped, and at most one per step.
  const notify = kinds.indexOf('send-notification');
  const drop = kinds.indexOf('drop-connection');
  if (notify >= 0) expect(drop, label).to.be.greaterThan(notify);
  expect(kinds.filter((k) => k === 'send-notification').length, label).to.be.at.most(1);
  // KEEPALIVEs only flow when the negotiated hold time is non-zero or while opening.
  if (r.state.state === 'Established' && r.state.holdTimeSeconds === 0) {
    expect(r.state.running.HoldTimer || r.state.running.KeepaliveTimer, label).to.equal(false);
  }
  // The reason is stored when the state changes.
  if (r.state.state !== before.state) expect(r.state.reason, label).to.equal(r.reason);
}

describe('fsm/step: every event in every state', () => {
  const states = reachable();

  it('covers all six states and all 29 event kinds', () => {
    expect(new Set(states.map((s) => s.state))).to.have.length(6);
    expect(KINDS).to.have.length(29);
  });

  it('never throws, never mutates its input, and keeps the driver invariants', () => {
    let steps = 0;
    for (const s of states) {
      deepFreeze(s);
      for (const kind of KINDS) {
        const e = sample(kind);
        const r = step(s, e);
        checkInvariants(s, e, r);
        // One more event after it, so the states reached by each event are exercised too.
        for (const kind2 of KINDS) {
          const e2 = sample(kind2);
          checkInvariants(r.state, e2, step(deepFreeze(r.state), e2));
          steps++;
        }
      }
    }
    expect(steps).to.equal(states.length * KINDS.length * KINDS.length);
  });
});
