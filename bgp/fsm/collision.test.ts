// Collision resolution (RFC 4271 §6.8, RFC 6286 §2.3), alone and driven through two FSMs the way
// collision.ts tells the session driver to: one FSM per connection, resolve before BGPOpen.
import { expect } from 'chai';
import { createFsm, resolveCollision, step } from './index.ts';
import type { CollisionInput, FsmEvent, FsmState } from './index.ts';

const ID_LOW = 0x0a000001; // 10.0.0.1
const ID_HIGH = 0xc0a80001; // 192.168.0.1 (above 2^31: compared unsigned)

function input(over: Partial<CollisionInput>): CollisionInput {
  return {
    existing: { state: 'OpenConfirm', direction: 'outgoing' },
    received: { state: 'OpenSent', direction: 'incoming' },
    localBgpId: ID_HIGH,
    remoteBgpId: ID_LOW,
    localAs: 65001,
    remoteAs: 65002,
    ...over,
  };
}

describe('fsm/resolveCollision', () => {
  it('local id higher: keeps the connection we initiated, whichever one received the OPEN', () => {
    const a = resolveCollision(input({}));
    expect(a).to.deep.include({ collision: true, close: 'received' });
    const b = resolveCollision(
      input({
        existing: { state: 'OpenConfirm', direction: 'incoming' },
        received: { state: 'OpenSent', direction: 'outgoing' },
      }),
    );
    expect(b).to.deep.include({ collision: true, close: 'existing' });
    expect(b.reason).to.equal(
      'connection collision: BGP Identifier 192.168.0.1 (local) > 10.0.0.1 (peer), keeping the connection initiated by us',
    );
  });

  it('local id lower: keeps the connection the peer initiated (RFC 4271 §6.8 step 2)', () => {
    const a = resolveCollision(input({ localBgpId: ID_LOW, remoteBgpId: ID_HIGH }));
    expect(a).to.deep.include({ collision: true, close: 'existing' });
    if (a.collision) expect(a.notification).to.deep.equal({ code: 6, subcode: 7, data: new Uint8Array(0) });
  });

  it('equal ids: the connection initiated by the larger AS is kept (RFC 6286 §2.3)', () => {
    const same = { localBgpId: ID_LOW, remoteBgpId: ID_LOW };
    expect(resolveCollision(input({ ...same, localAs: 65002, remoteAs: 65001 }))).to.deep.include({
      close: 'received',
    });
    expect(resolveCollision(input({ ...same, localAs: 65001, remoteAs: 4200000000 }))).to.deep.include({
      close: 'existing',
    });
    expect(resolveCollision(input({ ...same, localAs: 65001, remoteAs: 65001 }))).to.deep.include({
      close: 'received',
    });
  });

  it('no collision with Idle/Connect/Active, nor with OpenSent unless the peer id is configured', () => {
    for (const state of ['Idle', 'Connect', 'Active'] as const) {
      expect(resolveCollision(input({ existing: { state, direction: 'outgoing' } })).collision).to.equal(
        false,
      );
    }
    const sent = { existing: { state: 'OpenSent', direction: 'outgoing' } } as const;
    expect(resolveCollision(input(sent)).collision).to.equal(false);
    expect(resolveCollision(input({ ...sent, remoteBgpIdKnown: true }))).to.deep.include({
      collision: true,
      close: 'received',
    });
  });

  it('an Established session wins unless CollisionDetectEstablishedState', () => {
    const est = { existing: { state: 'Established', direction: 'incoming' }, localBgpId: ID_HIGH } as const;
    expect(
      resolveCollision(input({ ...est, received: { state: 'OpenSent', direction: 'outgoing' } })),
    ).to.deep.include({
      close: 'received',
    });
    expect(
      resolveCollision(
        input({
          ...est,
          received: { state: 'OpenSent', direction: 'outgoing' },
          collisionDetectEstablishedState: true,
        }),
      ),
    ).to.deep.include({
      close: 'existing',
    });
  });
});

describe('fsm collision driven through two FSMs (both sides connect at once)', () => {
  function drive(s: FsmState, events: FsmEvent[]): FsmState {
    for (const e of events) s = step(s, e).state;
    return s;
  }
  // Outgoing FSM: ManualStart, our SYN completes, OPEN sent. Incoming FSM: made for the peer's
  // connection (no automatic restart), accepted, OPEN sent.
  const setup = () => {
    const outgoing = drive(createFsm({}, 1), [{ kind: 'ManualStart' }, { kind: 'Tcp_CR_Acked' }]);
    const incoming = drive(createFsm({ allowAutomaticStart: false }, 2), [
      { kind: 'ManualStart_with_PassiveTcpEstablishment' },
      { kind: 'TcpConnectionConfirmed' },
    ]);
    expect([outgoing.state, incoming.state]).to.deep.equal(['OpenSent', 'OpenSent']);
    return { outgoing, incoming };
  };
  const OPEN: FsmEvent = { kind: 'BGPOpen', holdTimeSeconds: 90 };

  for (const [label, localBgpId, remoteBgpId, survivor] of [
    ['local id higher: outgoing survives', ID_HIGH, ID_LOW, 'outgoing'],
    ['local id lower: incoming survives', ID_LOW, ID_HIGH, 'incoming'],
  ] as const) {
    it(label, () => {
      let { outgoing, incoming } = setup();
      // The peer's OPEN arrives first on the outgoing connection: nothing in OpenConfirm yet.
      const first = resolveCollision({
        existing: { state: incoming.state, direction: 'incoming' },
        received: { state: outgoing.state, direction: 'outgoing' },
        localBgpId,
        remoteBgpId,
        localAs: 65001,
        remoteAs: 65002,
      });
      expect(first.collision).to.equal(false);
      outgoing = step(outgoing, OPEN).state;
      // Then the OPEN on the incoming connection: the outgoing one is in OpenConfirm.
      const second = resolveCollision({
        existing: { state: outgoing.state, direction: 'outgoing' },
        received: { state: incoming.state, direction: 'incoming' },
        localBgpId,
        remoteBgpId,
        localAs: 65001,
        remoteAs: 65002,
      });
      if (!second.collision) throw new Error('expected a collision');
      let dumped;
      if (second.close === 'received') {
        dumped = step(incoming, { kind: 'OpenCollisionDump' });
      } else {
        incoming = step(incoming, OPEN).state;
        dumped = step(outgoing, { kind: 'OpenCollisionDump' });
      }
      expect(dumped.actions[0]).to.deep.equal({
        kind: 'send-notification',
        code: 6,
        subcode: 7,
        data: new Uint8Array(0),
      });
      expect(dumped.state.state).to.equal('Idle');
      expect(dumped.state.running.IdleHoldTimer).to.equal(false);
      const kept = survivor === 'outgoing' ? outgoing : incoming;
      expect(kept.state).to.equal('OpenConfirm');
      expect(step(kept, { kind: 'KeepAliveMsg' }).state.state).to.equal('Established');
    });
  }
});
