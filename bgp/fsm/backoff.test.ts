// Backoff and jitter (RFC 4271 §10: jitter factor 0.75-1.0), damping of a flapping peer, hold time
// negotiation (RFC 4271 §4.2, §6.2), and NOTIFICATION text (RFC 9003 data written by hand from the
// RFC's layout: one length octet, then UTF-8).
import { expect } from 'chai';
import { BgpError } from '../wire/errors.ts';
import { encodeShutdownCommunication } from '../wire/notification.ts';
import { doubledUpTo, jitter, nextRandom } from './backoff.ts';
import { createFsm, describeNotification, keepaliveFor, negotiateHoldTime, step } from './index.ts';
import type { FsmAction, FsmEvent, FsmState } from './index.ts';

function timerSeconds(actions: readonly FsmAction[], timer: string): number | undefined {
  for (const a of actions) if (a.kind === 'start-timer' && a.timer === timer) return a.seconds;
  return undefined;
}

describe('fsm/backoff: jitter and doubling', () => {
  it('jitter stays within [0.75, 1.0) of the base and covers the range', () => {
    let rng = 1;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < 10_000; i++) {
      const j = jitter(100, rng);
      rng = j.rng;
      lo = Math.min(lo, j.seconds);
      hi = Math.max(hi, j.seconds);
    }
    expect(lo).to.be.at.least(75).and.below(75.1);
    expect(hi).to.be.below(100).and.above(99.9);
  });

  it('xorshift32 never reaches 0 and is deterministic', () => {
    let x = 0;
    for (let i = 0; i < 1000; i++) {
      x = nextRandom(x);
      expect(x).to.not.equal(0);
    }
    expect(nextRandom(12345)).to.equal(nextRandom(12345));
  });

  it('doubles up to the cap, also for huge levels', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 100].map((l) => doubledUpTo(5, l, 120))).to.deep.equal([
      5, 10, 20, 40, 80, 120, 120, 120,
    ]);
  });
});

describe('fsm/backoff through step(): a peer that refuses connections', () => {
  // Each round: TCP fails in Connect -> Active (still listening) with the ConnectRetryTimer as
  // the backoff wait; its expiry -> Connect, connecting again.
  function refuseRounds(s: FsmState, rounds: number): { retry: number[]; idle: number[]; state: FsmState } {
    const retry: number[] = [];
    const idle: number[] = [];
    let r = step(s, { kind: 'ManualStart' });
    for (let i = 0; i < rounds; i++) {
      retry.push(timerSeconds(r.actions, 'ConnectRetryTimer') as number);
      r = step(r.state, { kind: 'TcpConnectionFails', why: 'connection refused' });
      expect(r.state.state).to.equal('Active');
      idle.push(timerSeconds(r.actions, 'ConnectRetryTimer') as number);
      r = step(r.state, { kind: 'ConnectRetryTimer_Expires' });
      expect(r.state.state).to.equal('Connect');
    }
    return { retry, idle, state: r.state };
  }

  it('grows by doubling, is capped, and each value is jittered within [0.75, 1.0] of its base', () => {
    const { retry, idle } = refuseRounds(
      createFsm({ connectRetryTimeSeconds: 5, connectRetryMaxSeconds: 120 }, 99),
      9,
    );
    const bases = [5, 10, 20, 40, 80, 120, 120, 120, 120];
    retry.forEach((v, i) => expect(v / (bases[i] as number), `retry ${i}`).to.be.within(0.75, 1));
    // The wait in Active after the k-th failure is one backoff interval at level k-1.
    idle.forEach((v, i) => expect(v / (bases[i] as number), `idle ${i}`).to.be.within(0.75, 1));
    expect(new Set(idle.slice(5)).size).to.be.greaterThan(1); // jittered, not a constant
  });

  it('is reproducible from the seed and differs between seeds', () => {
    const a = refuseRounds(createFsm({}, 5), 4).idle;
    const b = refuseRounds(createFsm({}, 5), 4).idle;
    const c = refuseRounds(createFsm({}, 6), 4).idle;
    expect(a).to.deep.equal(b);
    expect(a).to.not.deep.equal(c);
  });

  it('resets once a session has been Established for stableTimeSeconds', () => {
    const { state } = refuseRounds(createFsm({}, 3), 6);
    expect(state.backoffLevel).to.equal(6);
    let s = state;
    for (const e of [
      { kind: 'Tcp_CR_Acked' },
      { kind: 'BGPOpen', holdTimeSeconds: 90 },
      { kind: 'KeepAliveMsg' },
    ] as FsmEvent[]) {
      s = step(s, e).state;
    }
    expect(s.state).to.equal('Established');
    expect(s.backoffLevel).to.equal(6);
    const stable = step(s, { kind: 'StableTimer_Expires' });
    expect(stable.state.backoffLevel).to.equal(0);
    expect(stable.reason).to.equal('session stable for 60 s: connect-retry backoff reset');
    const down = step(stable.state, { kind: 'TcpConnectionFails' });
    // After a stable session, one failure waits one base interval (5 s, jittered).
    expect(timerSeconds(down.actions, 'IdleHoldTimer')).to.be.within(3.75, 5);
  });
});

describe('fsm/backoff: DampPeerOscillations holds a flapping peer in Idle longer each time', () => {
  function flap(s: FsmState): { s: FsmState; hold: number } {
    for (const e of [
      { kind: 'IdleHoldTimer_Expires' },
      { kind: 'Tcp_CR_Acked' },
      { kind: 'BGPOpen', holdTimeSeconds: 90 },
      { kind: 'KeepAliveMsg' },
    ] as FsmEvent[]) {
      s = step(s, e).state;
    }
    expect(s.state).to.equal('Established');
    const down = step(s, {
      kind: 'NotifMsg',
      notification: { code: 6, subcode: 4, data: new Uint8Array(0) },
    });
    return { s: down.state, hold: timerSeconds(down.actions, 'IdleHoldTimer') as number };
  }

  it('IdleHoldTime doubles per flap up to idleHoldMaxSeconds; without damping it stays on the connect backoff', () => {
    const cfg = { dampPeerOscillations: true, idleHoldTimeSeconds: 30, idleHoldMaxSeconds: 240 };
    let s = step(step(createFsm(cfg, 11), { kind: 'ManualStart' }).state, {
      kind: 'TcpConnectionFails',
    }).state;
    const holds: number[] = [];
    for (let i = 0; i < 6; i++) {
      const f = flap(s);
      s = f.s;
      holds.push(f.hold);
    }
    expect(s.flapCount).to.equal(6);
    [30, 60, 120, 240, 240, 240].forEach((base, i) =>
      expect(holds[i]! / base, `flap ${i}`).to.be.within(0.75, 1),
    );

    let u = step(
      step(createFsm({ ...cfg, dampPeerOscillations: false }, 11), { kind: 'ManualStart' }).state,
      { kind: 'TcpConnectionFails' },
    ).state;
    const plain: number[] = [];
    for (let i = 0; i < 3; i++) {
      const f = flap(u);
      u = f.s;
      plain.push(f.hold);
    }
    [10, 20, 40].forEach((base, i) => expect(plain[i]! / base, `plain ${i}`).to.be.within(0.75, 1));
  });
});

describe('fsm/hold-time negotiation', () => {
  it('takes the smaller hold time; keepalive a third, at least 1 s; 0 means none', () => {
    expect(negotiateHoldTime(90, 180)).to.deep.equal({ holdTimeSeconds: 90, keepaliveTimeSeconds: 30 });
    expect(negotiateHoldTime(90, 9)).to.deep.equal({ holdTimeSeconds: 9, keepaliveTimeSeconds: 3 });
    expect(negotiateHoldTime(90, 3)).to.deep.equal({ holdTimeSeconds: 3, keepaliveTimeSeconds: 1 });
    expect(negotiateHoldTime(90, 4)).to.deep.equal({ holdTimeSeconds: 4, keepaliveTimeSeconds: 1 });
    expect(negotiateHoldTime(90, 0)).to.deep.equal({ holdTimeSeconds: 0, keepaliveTimeSeconds: 0 });
    expect(negotiateHoldTime(0, 90)).to.deep.equal({ holdTimeSeconds: 0, keepaliveTimeSeconds: 0 });
    expect(keepaliveFor(90, 10)).to.equal(10);
    expect(keepaliveFor(9, 10)).to.equal(3);
  });

  it('rejects 1 and 2 seconds with OPEN Message Error / Unacceptable Hold Time', () => {
    for (const t of [1, 2]) {
      const r = negotiateHoldTime(90, t);
      expect(r).to.be.instanceOf(BgpError);
      const e = r as BgpError;
      expect([e.code, e.subcode, [...e.data]]).to.deep.equal([2, 6, [0, t]]);
    }
  });

  it('createFsm refuses a configured hold time of 1 or 2 s', () => {
    expect(() => createFsm({ holdTimeSeconds: 2 })).to.throw(RangeError);
    expect(() => createFsm({ holdTimeSeconds: 0 })).to.not.throw();
  });
});

describe('fsm: NOTIFICATION text in transition reasons', () => {
  it('decodes an RFC 9003 Shutdown Communication (bytes from the RFC layout, by hand)', () => {
    // Cease (6) / Administrative Shutdown (2), data: length 0x0b, "maintenance".
    const data = new Uint8Array([0x0b, 0x6d, 0x61, 0x69, 0x6e, 0x74, 0x65, 0x6e, 0x61, 0x6e, 0x63, 0x65]);
    expect(describeNotification({ code: 6, subcode: 4, data })).to.equal(
      'Cease / Administrative Reset: "maintenance"',
    );
    expect([...encodeShutdownCommunication('maintenance')]).to.deep.equal([...data]);
    expect(
      describeNotification({ code: 6, subcode: 2, data: encodeShutdownCommunication('maintenance') }),
    ).to.equal('Cease / Administrative Shutdown: "maintenance"');
  });

  it('falls back to hex for other data and for a bad length or bad UTF-8', () => {
    expect(describeNotification({ code: 6, subcode: 2, data: new Uint8Array([5, 0x61]) })).to.equal(
      'Cease / Administrative Shutdown (data 0561)',
    );
    expect(describeNotification({ code: 6, subcode: 2, data: new Uint8Array([1, 0xff]) })).to.equal(
      'Cease / Administrative Shutdown (data 01ff)',
    );
    expect(describeNotification({ code: 4, subcode: 0, data: new Uint8Array(0) })).to.equal(
      'Hold Timer Expired / Unspecific',
    );
  });
});
