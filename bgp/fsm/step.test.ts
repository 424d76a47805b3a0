// Pure-core tests for step(): recorded event sequences as tables of
// [event, expected state, expected actions], written from RFC 4271 §8.2.2 state by state and
// RFC 6608 §4. Actions are shown compactly: 'start:HoldTimer', 'stop:ConnectRetryTimer',
// 'notify:6/2', or the action kind. Every input state is deep-frozen, so a mutation would throw.
import { expect } from 'chai';
import { createFsm, step } from './index.ts';
import type { FsmAction, FsmConfig, FsmEvent, FsmState, StateName } from './index.ts';

type Ev = FsmEvent | FsmEvent['kind'];
type Row = readonly [Ev, StateName, readonly string[]];

function ev(e: Ev): FsmEvent {
  return typeof e === 'string' ? ({ kind: e } as FsmEvent) : e;
}

function show(a: FsmAction): string {
  switch (a.kind) {
    case 'start-timer':
      return `start:${a.timer}`;
    case 'stop-timer':
      return `stop:${a.timer}`;
    case 'send-notification':
      return `notify:${a.code}/${a.subcode}`;
    default:
      return a.kind;
  }
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o) && !ArrayBuffer.isView(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

/** Run rows from a state; returns the final state and every step's actions. */
function run(
  from: FsmState,
  rows: readonly Row[],
): { state: FsmState; actions: FsmAction[][]; reasons: string[] } {
  let s = from;
  const actions: FsmAction[][] = [];
  const reasons: string[] = [];
  rows.forEach(([e, state, expected], i) => {
    const r = step(deepFreeze(s), ev(e));
    const label = `row ${i} (${typeof e === 'string' ? e : e.kind} in ${s.state}): ${r.reason}`;
    expect(r.state.state, label).to.equal(state);
    expect(r.actions.map(show), label).to.deep.equal(expected);
    actions.push([...r.actions]);
    reasons.push(r.reason);
    s = r.state;
  });
  return { state: s, actions, reasons };
}

const open = (holdTimeSeconds: number): FsmEvent => ({ kind: 'BGPOpen', holdTimeSeconds });
const err = (code: number, subcode: number, data: number[] = []) => ({
  code,
  subcode,
  data: new Uint8Array(data),
});

function fsm(config: Partial<FsmConfig> = {}): FsmState {
  return createFsm(config, 7);
}

// Prefixes that bring a fresh FSM to each state (active side, hold time 9).
const TO_CONNECT: Row[] = [['ManualStart', 'Connect', ['start:ConnectRetryTimer', 'connect']]];
const TO_OPENSENT: Row[] = [
  ...TO_CONNECT,
  ['Tcp_CR_Acked', 'OpenSent', ['stop:ConnectRetryTimer', 'send-open', 'start:HoldTimer']],
];
const TO_OPENCONFIRM: Row[] = [
  ...TO_OPENSENT,
  [open(9), 'OpenConfirm', ['send-keepalive', 'start:KeepaliveTimer', 'start:HoldTimer']],
];
const TO_ESTABLISHED: Row[] = [
  ...TO_OPENCONFIRM,
  ['KeepAliveMsg', 'Established', ['start:HoldTimer', 'start:StableTimer', 'session-up']],
];
const TO_ACTIVE: Row[] = [
  ['ManualStart_with_PassiveTcpEstablishment', 'Active', ['start:ConnectRetryTimer']],
];

function reach(rows: readonly Row[], config: Partial<FsmConfig> = {}): FsmState {
  return run(fsm(config), rows).state;
}

const CLOSE = ['drop-connection', 'release-resources'];

describe('fsm/step: happy paths (RFC 4271 §8.2.2)', () => {
  it('active peer: Idle -> Connect -> OpenSent -> OpenConfirm -> Established, then traffic', () => {
    const r = run(fsm(), [
      ...TO_ESTABLISHED,
      ['KeepaliveTimer_Expires', 'Established', ['send-keepalive', 'start:KeepaliveTimer']],
      ['KeepAliveMsg', 'Established', ['start:HoldTimer']],
      ['UpdateMsg', 'Established', ['process-update', 'start:HoldTimer']],
      ['UpdateSent', 'Established', ['start:KeepaliveTimer']],
      ['RouteRefreshMsg', 'Established', ['process-route-refresh']],
      ['TcpConnection_Valid', 'Established', []],
      ['Tcp_CR_Invalid', 'Established', []],
      ['ManualStart', 'Established', []],
    ]);
    expect(r.state.holdTimeSeconds).to.equal(9);
    expect(r.state.keepaliveTimeSeconds).to.equal(3);
    expect(r.state.reason).to.equal('received KEEPALIVE: session Established');
    // The large hold timer while waiting for the OPEN: "A HoldTimer value of 4 minutes is suggested."
    expect(r.actions[1]).to.deep.include({ kind: 'start-timer', timer: 'HoldTimer', seconds: 240 });
    expect(r.actions[2]).to.deep.include({ kind: 'start-timer', timer: 'KeepaliveTimer', seconds: 3 });
    expect(r.actions[2]).to.deep.include({ kind: 'start-timer', timer: 'HoldTimer', seconds: 9 });
  });

  it('passive peer: listens in Active, never connects, accepts the incoming connection', () => {
    run(fsm(), [
      ...TO_ACTIVE,
      ['ConnectRetryTimer_Expires', 'Active', []],
      ['TcpConnection_Valid', 'Active', []],
      ['TcpConnectionConfirmed', 'OpenSent', ['send-open', 'start:HoldTimer']],
      [open(90), 'OpenConfirm', ['send-keepalive', 'start:KeepaliveTimer', 'start:HoldTimer']],
      ['KeepAliveMsg', 'Established', ['start:HoldTimer', 'start:StableTimer', 'session-up']],
    ]);
  });

  it('active peer in Active (after a failure in OpenSent) connects again when ConnectRetryTimer expires', () => {
    run(fsm(), [
      ...TO_OPENSENT,
      [
        { kind: 'TcpConnectionFails', why: 'reset by peer' },
        'Active',
        ['stop:HoldTimer', 'drop-connection', 'start:ConnectRetryTimer'],
      ],
      ['ConnectRetryTimer_Expires', 'Connect', ['start:ConnectRetryTimer', 'connect']],
      ['ConnectRetryTimer_Expires', 'Connect', ['drop-connection', 'start:ConnectRetryTimer', 'connect']],
      ['TcpConnectionConfirmed', 'OpenSent', ['stop:ConnectRetryTimer', 'send-open', 'start:HoldTimer']],
    ]);
  });

  it('ignores start events everywhere but Idle', () => {
    for (const prefix of [TO_CONNECT, TO_ACTIVE, TO_OPENSENT, TO_OPENCONFIRM, TO_ESTABLISHED]) {
      const s = reach(prefix);
      for (const k of [
        'ManualStart',
        'AutomaticStart',
        'ManualStart_with_PassiveTcpEstablishment',
      ] as const) {
        const r = step(s, { kind: k });
        expect(r.state).to.equal(s);
        expect(r.actions).to.deep.equal([]);
      }
    }
  });
});

describe('fsm/step: DelayOpen (RFC 4271 §8.1.1 group 4)', () => {
  const cfg = { delayOpen: true, delayOpenTimeSeconds: 5 };
  it('Connect: TCP up starts the DelayOpenTimer; the peer OPEN first -> OPEN + KEEPALIVE, OpenConfirm', () => {
    const r = run(fsm(cfg), [
      ...TO_CONNECT,
      ['Tcp_CR_Acked', 'Connect', ['stop:ConnectRetryTimer', 'start:DelayOpenTimer']],
      [
        open(30),
        'OpenConfirm',
        ['stop:DelayOpenTimer', 'send-open', 'send-keepalive', 'start:KeepaliveTimer', 'start:HoldTimer'],
      ],
      ['KeepAliveMsg', 'Established', ['start:HoldTimer', 'start:StableTimer', 'session-up']],
    ]);
    expect(r.state.keepaliveTimeSeconds).to.equal(10);
  });

  it('Connect: DelayOpenTimer expires -> OPEN, OpenSent; an explicit Event 20 kind is accepted too', () => {
    run(fsm(cfg), [
      ...TO_CONNECT,
      ['TcpConnectionConfirmed', 'Connect', ['stop:ConnectRetryTimer', 'start:DelayOpenTimer']],
      ['DelayOpenTimer_Expires', 'OpenSent', ['send-open', 'start:HoldTimer']],
      [
        { kind: 'BGPOpen_with_DelayOpenTimer_running', holdTimeSeconds: 9 },
        'OpenConfirm',
        ['send-keepalive', 'start:KeepaliveTimer', 'start:HoldTimer'],
      ],
    ]);
  });

  it('Connect: TCP fails while delaying -> Active with the ConnectRetryTimer (RFC: "changes its state to Active")', () => {
    const r = run(fsm(cfg), [
      ...TO_CONNECT,
      ['Tcp_CR_Acked', 'Connect', ['stop:ConnectRetryTimer', 'start:DelayOpenTimer']],
      ['TcpConnectionFails', 'Active', ['drop-connection', 'start:ConnectRetryTimer', 'stop:DelayOpenTimer']],
    ]);
    expect(r.state.connectRetryCounter).to.equal(0);
  });

  it('Active (passive peer): delay, then the peer OPEN; hold time 0 starts neither timer', () => {
    run(fsm(cfg), [
      ...TO_ACTIVE,
      ['TcpConnectionConfirmed', 'Active', ['stop:ConnectRetryTimer', 'start:DelayOpenTimer']],
      [open(0), 'OpenConfirm', ['stop:DelayOpenTimer', 'send-open', 'send-keepalive']],
      ['KeepAliveMsg', 'Established', ['start:StableTimer', 'session-up']],
    ]);
  });

  it('NotifMsgVerErr while delaying does not count against the ConnectRetryCounter; without DelayOpen it does', () => {
    const ver = { kind: 'NotifMsg', notification: err(2, 1, [0, 4]) } as const;
    const delaying = reach(
      [...TO_CONNECT, ['Tcp_CR_Acked', 'Connect', ['stop:ConnectRetryTimer', 'start:DelayOpenTimer']]],
      cfg,
    );
    const a = step(delaying, ver);
    expect(a.state.state).to.equal('Idle');
    expect(a.state.connectRetryCounter).to.equal(0);
    expect(a.actions.map(show)).to.deep.equal(['stop:DelayOpenTimer', ...CLOSE, 'start:IdleHoldTimer']);
    const b = step(reach(TO_CONNECT), ver);
    expect(b.state.connectRetryCounter).to.equal(1);
    expect(b.reason).to.equal(
      'received NOTIFICATION OPEN Message Error / Unsupported Version Number: supported version 4',
    );
  });

  it('ManualStop while delaying sends Cease only with SendNOTIFICATIONwithoutOPEN', () => {
    const prefix: Row[] = [
      ...TO_ACTIVE,
      ['TcpConnectionConfirmed', 'Active', ['stop:ConnectRetryTimer', 'start:DelayOpenTimer']],
    ];
    run(reach(prefix, cfg), [['ManualStop', 'Idle', ['stop:DelayOpenTimer', ...CLOSE]]]);
    run(reach(prefix, { ...cfg, sendNotificationWithoutOpen: true }), [
      ['ManualStop', 'Idle', ['notify:6/2', 'stop:DelayOpenTimer', ...CLOSE]],
    ]);
  });
});

describe('fsm/step: hold timer expiry in each state', () => {
  it('Idle, Connect, Active: the HoldTimer is not running, so an expiry is stale and ignored', () => {
    for (const prefix of [[], TO_CONNECT, TO_ACTIVE]) {
      const s = reach(prefix);
      const r = step(s, { kind: 'HoldTimer_Expires' });
      expect(r.state).to.equal(s);
      expect(r.actions).to.deep.equal([]);
      expect(r.reason).to.match(/stale/);
    }
  });

  it('OpenSent: the 4-minute hold timer expires -> NOTIFICATION Hold Timer Expired, Idle, counter 1', () => {
    const r = run(reach(TO_OPENSENT), [
      ['HoldTimer_Expires', 'Idle', ['notify:4/0', ...CLOSE, 'start:IdleHoldTimer']],
    ]);
    expect(r.reasons[0]).to.equal(
      'Hold timer expired after 240 s (no OPEN from the peer): sent NOTIFICATION Hold Timer Expired',
    );
    expect(r.state.connectRetryCounter).to.equal(1);
  });

  it('OpenConfirm and Established: NOTIFICATION 4/0; Established also reports session-down with the reason', () => {
    run(reach(TO_OPENCONFIRM), [
      ['HoldTimer_Expires', 'Idle', ['notify:4/0', 'stop:KeepaliveTimer', ...CLOSE, 'start:IdleHoldTimer']],
    ]);
    const r = run(reach(TO_ESTABLISHED), [
      [
        'HoldTimer_Expires',
        'Idle',
        [
          'notify:4/0',
          'stop:KeepaliveTimer',
          'stop:StableTimer',
          'session-down',
          ...CLOSE,
          'start:IdleHoldTimer',
        ],
      ],
    ]);
    expect(r.state.reason).to.match(/^Hold timer expired after 9 s/);
    expect(r.actions[0]?.[3]).to.deep.equal({ kind: 'session-down', reason: r.state.reason });
    expect(r.state.running).to.deep.include({ HoldTimer: false, KeepaliveTimer: false, IdleHoldTimer: true });
  });
});

describe('fsm/step: ManualStop from each state', () => {
  const rows: [string, Row[], string[]][] = [
    ['Idle', [], []],
    ['Connect', TO_CONNECT, ['stop:ConnectRetryTimer', ...CLOSE]],
    ['Active', TO_ACTIVE, ['stop:ConnectRetryTimer', ...CLOSE]],
    ['OpenSent', TO_OPENSENT, ['notify:6/2', 'stop:HoldTimer', ...CLOSE]],
    ['OpenConfirm', TO_OPENCONFIRM, ['notify:6/2', 'stop:HoldTimer', 'stop:KeepaliveTimer', ...CLOSE]],
    [
      'Established',
      TO_ESTABLISHED,
      ['notify:6/2', 'stop:HoldTimer', 'stop:KeepaliveTimer', 'stop:StableTimer', 'session-down', ...CLOSE],
    ],
  ];
  for (const [name, prefix, expected] of rows) {
    it(`${name}: Idle, counter 0, no automatic restart${expected.includes('notify:6/2') ? ', Cease / Administrative Shutdown' : ''}`, () => {
      const r = run(reach(prefix), [['ManualStop', 'Idle', expected]]);
      expect(r.state.connectRetryCounter).to.equal(0);
      expect(r.state.allowAutomaticStart).to.equal(false);
      expect(Object.values(r.state.running).some(Boolean)).to.equal(false);
    });
  }

  it('carries an RFC 9003 Shutdown Communication and shows it in the reason', () => {
    const r = step(reach(TO_ESTABLISHED), { kind: 'ManualStop', communication: 'maintenance' });
    const n = r.actions[0] as Extract<FsmAction, { kind: 'send-notification' }>;
    // RFC 9003 §2 layout: length octet 11, then "maintenance" in UTF-8.
    expect([...n.data]).to.deep.equal([11, ...Buffer.from('maintenance')]);
    expect(r.reason).to.equal('ManualStop: sent NOTIFICATION Cease / Administrative Shutdown: "maintenance"');
  });

  it('hardReset wraps the Cease in Cease / Hard Reset with the inner code, subcode and data (RFC 8538 §3)', () => {
    const r = step(reach(TO_ESTABLISHED), { kind: 'ManualStop', communication: 'bye', hardReset: true });
    const n = r.actions[0] as Extract<FsmAction, { kind: 'send-notification' }>;
    // Written from the RFC 8538 §3 layout: ErrCode 6, Subcode 2, then the RFC 9003 data (length 3, "bye").
    expect([n.code, n.subcode]).to.deep.equal([6, 9]);
    expect([...n.data]).to.deep.equal([6, 2, 3, 0x62, 0x79, 0x65]);
    const max = step(reach(TO_ESTABLISHED), {
      kind: 'AutomaticStop',
      subcode: 1,
      data: new Uint8Array([0, 1, 1, 0, 0, 0, 10]),
      hardReset: true,
      restartAfterSeconds: null,
    });
    const m = max.actions[0] as Extract<FsmAction, { kind: 'send-notification' }>;
    expect([m.code, m.subcode]).to.deep.equal([6, 9]);
    expect([...m.data]).to.deep.equal([6, 1, 0, 1, 1, 0, 0, 0, 10]);
    // An explicit Hard Reset is not wrapped twice.
    const hr = step(reach(TO_ESTABLISHED), { kind: 'ManualStop', subcode: 9, hardReset: true });
    const h = hr.actions[0] as Extract<FsmAction, { kind: 'send-notification' }>;
    expect([h.code, h.subcode, h.data.length]).to.deep.equal([6, 9, 0]);
  });

  it('a failed connect waits in Active, still accepting the peer, then connects again', () => {
    const waiting = reach([
      ...TO_CONNECT,
      ['TcpConnectionFails', 'Active', ['drop-connection', 'start:ConnectRetryTimer']],
    ]);
    expect(waiting.backoffLevel).to.equal(1);
    run(waiting, [['ConnectRetryTimer_Expires', 'Connect', ['start:ConnectRetryTimer', 'connect']]]);
    run(waiting, [
      ['TcpConnectionConfirmed', 'OpenSent', ['stop:ConnectRetryTimer', 'send-open', 'start:HoldTimer']],
    ]);
  });

  it('ManualStop in Idle cancels a pending automatic restart', () => {
    const down = reach([
      ...TO_OPENSENT,
      ['HoldTimer_Expires', 'Idle', ['notify:4/0', ...CLOSE, 'start:IdleHoldTimer']],
    ]);
    run(down, [
      ['ManualStop', 'Idle', ['stop:IdleHoldTimer']],
      ['IdleHoldTimer_Expires', 'Idle', []],
      ['ManualStart', 'Connect', ['start:ConnectRetryTimer', 'connect']],
    ]);
  });
});

describe('fsm/step: errors in OPEN and headers', () => {
  it('OpenSent: BGPOpenMsgErr sends its NOTIFICATION (Bad Peer AS) and counts', () => {
    const e: FsmEvent = {
      kind: 'BGPOpenMsgErr',
      error: err(2, 2, [0xfd, 0xe8]),
      why: 'expected AS 65001, got 65000',
    };
    const r = run(reach(TO_OPENSENT), [
      [e, 'Idle', ['notify:2/2', 'stop:HoldTimer', ...CLOSE, 'start:IdleHoldTimer']],
    ]);
    expect(r.actions[0]?.[0]).to.deep.equal({
      kind: 'send-notification',
      code: 2,
      subcode: 2,
      data: new Uint8Array([0xfd, 0xe8]),
    });
    expect(r.reasons[0]).to.equal(
      'sent NOTIFICATION OPEN Message Error / Bad Peer AS (data fde8): expected AS 65001, got 65000',
    );
    expect(r.state.connectRetryCounter).to.equal(1);
  });

  it('OpenSent: unacceptable hold time, unsupported capability, header errors', () => {
    for (const [error, kind] of [
      [err(2, 6, [0, 2]), 'BGPOpenMsgErr'],
      [err(2, 7, [1, 4, 0, 1, 0, 1]), 'BGPOpenMsgErr'],
      [err(2, 1, [0, 4]), 'BGPOpenMsgErr'],
      [err(2, 3), 'BGPOpenMsgErr'],
      [err(1, 2, [0, 18]), 'BGPHeaderErr'],
    ] as const) {
      const r = step(reach(TO_OPENSENT), { kind, error } as FsmEvent);
      expect(r.state.state).to.equal('Idle');
      expect(r.actions[0]).to.deep.equal({ kind: 'send-notification', ...error });
    }
  });

  it('Connect: an OPEN error closes without NOTIFICATION unless SendNOTIFICATIONwithoutOPEN', () => {
    const e: FsmEvent = { kind: 'BGPOpenMsgErr', error: err(2, 2) };
    run(reach(TO_CONNECT), [[e, 'Idle', ['stop:ConnectRetryTimer', ...CLOSE, 'start:IdleHoldTimer']]]);
    run(reach(TO_CONNECT, { sendNotificationWithoutOpen: true }), [
      [e, 'Idle', ['notify:2/2', 'stop:ConnectRetryTimer', ...CLOSE, 'start:IdleHoldTimer']],
    ]);
  });

  it('Established: a header error sends Message Header Error; an UPDATE error its UPDATE Message Error', () => {
    run(reach(TO_ESTABLISHED), [
      [
        { kind: 'BGPHeaderErr', error: err(1, 1) },
        'Idle',
        [
          'notify:1/1',
          'stop:HoldTimer',
          'stop:KeepaliveTimer',
          'stop:StableTimer',
          'session-down',
          ...CLOSE,
          'start:IdleHoldTimer',
        ],
      ],
    ]);
    run(reach(TO_ESTABLISHED), [
      [
        { kind: 'UpdateMsgErr', error: err(3, 1) },
        'Idle',
        [
          'notify:3/1',
          'stop:HoldTimer',
          'stop:KeepaliveTimer',
          'stop:StableTimer',
          'session-down',
          ...CLOSE,
          'start:IdleHoldTimer',
        ],
      ],
    ]);
  });
});

describe('fsm/step: unexpected messages get RFC 6608 subcodes with the message type as data', () => {
  const cases: [string, Row[], FsmEvent, number, number][] = [
    ['KEEPALIVE in OpenSent', TO_OPENSENT, { kind: 'KeepAliveMsg' }, 1, 4],
    ['UPDATE in OpenSent', TO_OPENSENT, { kind: 'UpdateMsg' }, 1, 2],
    ['bad UPDATE in OpenSent', TO_OPENSENT, { kind: 'UpdateMsgErr', error: err(3, 1) }, 1, 2],
    ['ROUTE-REFRESH in OpenSent', TO_OPENSENT, { kind: 'RouteRefreshMsg' }, 1, 5],
    ['OPEN in OpenConfirm', TO_OPENCONFIRM, open(9), 2, 1],
    ['UPDATE in OpenConfirm', TO_OPENCONFIRM, { kind: 'UpdateMsg' }, 2, 2],
    ['ROUTE-REFRESH in OpenConfirm', TO_OPENCONFIRM, { kind: 'RouteRefreshMsg' }, 2, 5],
    ['OPEN in Established', TO_ESTABLISHED, open(9), 3, 1],
    ['bad OPEN in Established', TO_ESTABLISHED, { kind: 'BGPOpenMsgErr', error: err(2, 2) }, 3, 1],
  ];
  for (const [name, prefix, e, subcode, type] of cases) {
    it(`${name} -> 5/${subcode}, data [${type}]`, () => {
      const r = step(reach(prefix), e);
      expect(r.state.state).to.equal('Idle');
      expect(r.actions[0]).to.deep.equal({
        kind: 'send-notification',
        code: 5,
        subcode,
        data: new Uint8Array([type]),
      });
      expect(r.state.connectRetryCounter).to.equal(1);
      expect(r.reason).to.match(
        /^sent NOTIFICATION Finite State Machine Error \/ Receive Unexpected Message in/,
      );
    });
  }

  it('Connect/Active: an unexpected message just closes and counts (no OPEN was sent)', () => {
    run(reach(TO_CONNECT), [
      ['UpdateMsg', 'Idle', ['stop:ConnectRetryTimer', ...CLOSE, 'start:IdleHoldTimer']],
    ]);
    run(reach(TO_ACTIVE), [
      ['KeepAliveMsg', 'Idle', ['stop:ConnectRetryTimer', ...CLOSE, 'start:IdleHoldTimer']],
    ]);
  });
});

describe('fsm/step: NOTIFICATIONs received', () => {
  const cease = { kind: 'NotifMsg', notification: err(6, 2, [11, ...Buffer.from('maintenance')]) } as const;
  it('Established: session-down with the decoded RFC 9003 reason, counter +1', () => {
    const r = step(reach(TO_ESTABLISHED), cease);
    expect(r.reason).to.equal('received NOTIFICATION Cease / Administrative Shutdown: "maintenance"');
    expect(r.actions.map(show)).to.deep.equal([
      'stop:HoldTimer',
      'stop:KeepaliveTimer',
      'stop:StableTimer',
      'session-down',
      ...CLOSE,
      'start:IdleHoldTimer',
    ]);
    expect(r.state.connectRetryCounter).to.equal(1);
  });

  it('OpenSent/OpenConfirm: NotifMsgVerErr leaves the counter; NotifMsg increments it; neither answers', () => {
    for (const prefix of [TO_OPENSENT, TO_OPENCONFIRM]) {
      const v = step(reach(prefix), { kind: 'NotifMsgVerErr', notification: err(2, 1, [0, 4]) });
      expect([v.state.state, v.state.connectRetryCounter]).to.deep.equal(['Idle', 0]);
      const n = step(reach(prefix), cease);
      expect([n.state.state, n.state.connectRetryCounter]).to.deep.equal(['Idle', 1]);
      expect([...v.actions, ...n.actions].some((a) => a.kind === 'send-notification')).to.equal(false);
    }
  });
});

describe('fsm/step: collision dump, AutomaticStop, stale timers', () => {
  it('OpenCollisionDump in OpenSent / OpenConfirm / Established sends Cease 6/7 and does not restart', () => {
    for (const prefix of [TO_OPENSENT, TO_OPENCONFIRM, TO_ESTABLISHED]) {
      const r = step(reach(prefix), { kind: 'OpenCollisionDump' });
      expect(r.state.state).to.equal('Idle');
      expect(show(r.actions[0] as FsmAction)).to.equal('notify:6/7');
      expect(r.state.running.IdleHoldTimer).to.equal(false);
    }
  });

  it('AutomaticStop (max-prefix): Cease 6/1, held down with restart null, or restarted after the given time', () => {
    const held = step(reach(TO_ESTABLISHED), {
      kind: 'AutomaticStop',
      subcode: 1,
      why: 'more than 100 prefixes',
      restartAfterSeconds: null,
    });
    expect(held.actions.map(show)).to.deep.equal([
      'notify:6/1',
      'stop:HoldTimer',
      'stop:KeepaliveTimer',
      'stop:StableTimer',
      'session-down',
      ...CLOSE,
    ]);
    expect(held.reason).to.equal(
      'sent NOTIFICATION Cease / Maximum Number of Prefixes Reached: more than 100 prefixes',
    );
    expect(step(held.state, { kind: 'IdleHoldTimer_Expires' }).state.state).to.equal('Idle');
    const later = step(reach(TO_ESTABLISHED), {
      kind: 'AutomaticStop',
      subcode: 1,
      restartAfterSeconds: 300,
    });
    expect(later.actions.at(-1)).to.deep.equal({ kind: 'start-timer', timer: 'IdleHoldTimer', seconds: 300 });
    expect(step(later.state, { kind: 'IdleHoldTimer_Expires' }).state.state).to.equal('Connect');
  });

  it('a timer expiry for a timer that is not running is ignored in every state', () => {
    for (const prefix of [[], TO_CONNECT, TO_ACTIVE, TO_OPENSENT, TO_OPENCONFIRM, TO_ESTABLISHED]) {
      const s = reach(prefix);
      for (const k of ['DelayOpenTimer_Expires', 'IdleHoldTimer_Expires'] as const) {
        const r = step(s, { kind: k });
        expect(r.state, `${k} in ${s.state}`).to.equal(s);
      }
    }
  });

  it('AutomaticStart in Idle waits while the IdleHoldTimer runs; ManualStart does not', () => {
    const down = reach([
      ...TO_OPENSENT,
      ['HoldTimer_Expires', 'Idle', ['notify:4/0', ...CLOSE, 'start:IdleHoldTimer']],
    ]);
    run(down, [
      ['AutomaticStart', 'Idle', []],
      ['ManualStart', 'Connect', ['stop:IdleHoldTimer', 'start:ConnectRetryTimer', 'connect']],
    ]);
  });
});

describe('fsm/step: hold time 0 (no HoldTimer, no KEEPALIVEs)', () => {
  it('OpenSent stops the large hold timer and starts neither; Established never restarts them', () => {
    const r = run(reach(TO_OPENSENT), [
      [open(0), 'OpenConfirm', ['send-keepalive', 'stop:HoldTimer']],
      ['KeepAliveMsg', 'Established', ['start:StableTimer', 'session-up']],
      ['KeepAliveMsg', 'Established', []],
      ['UpdateMsg', 'Established', ['process-update']],
      ['UpdateSent', 'Established', []],
      ['KeepaliveTimer_Expires', 'Established', []],
      ['HoldTimer_Expires', 'Established', []],
    ]);
    expect([r.state.holdTimeSeconds, r.state.keepaliveTimeSeconds]).to.deep.equal([0, 0]);
  });

  it('a configured keepalive shorter than a third of the hold time is used', () => {
    const r = step(reach(TO_OPENSENT, { keepaliveTimeSeconds: 5 }), open(90));
    expect(r.actions).to.deep.include({ kind: 'start-timer', timer: 'KeepaliveTimer', seconds: 5 });
  });
});
