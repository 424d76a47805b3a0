// Two podbgp SessionManagers over real loopback sockets (loopback-pair.ts): Established, hold time
// negotiation, routes both ways, UPDATE backlog with keepalives still flowing, connection
// collision, administrative shutdown / hard reset, max-prefix, graceful restart on abrupt loss.
import { expect } from 'chai';
import { Afi, Safi } from '../wire/iana/afi-safi.ts';
import { Origin } from '../wire/iana/attribute-types.ts';
import { formatPrefixes, parseIpv4, prefixList } from '../wire/prefix-text.ts';
import { packAnnouncements } from '../wire/packer.ts';
import type { CodecContext, PathAttributes } from '../wire/types.ts';
import { LoopbackPair, ofKind, until } from './loopback-pair.ts';

const ATTRS_V4: PathAttributes = {
  origin: Origin.IGP,
  asPath: [{ type: 2, asns: [65001] }],
  nextHop: parseIpv4('127.0.0.1'),
};

function packBatch(ctx: CodecContext): Buffer[] {
  return packAnnouncements(ATTRS_V4, prefixList(Afi.IPV4, v4Prefixes(4000)), ctx);
}

function v4Prefixes(n: number, base = 10): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${base}.${(i >> 8) & 0xff}.${i & 0xff}.0/24`);
  return out;
}

describe('session/Session over loopback', function () {
  this.timeout(60_000);
  let pair: LoopbackPair | undefined;

  afterEach(() => {
    pair?.destroy();
    pair = undefined;
  });

  it('reaches Established with the smaller hold time and a third of it as keepalive', async () => {
    pair = await LoopbackPair.create({
      a: { timers: { holdTime: 9, connectRetryTime: 1 } },
      b: { timers: { holdTime: 30, connectRetryTime: 1 } },
    });
    pair.connect();
    const { a, b } = pair;
    await until(
      'both Established',
      () => a.session.state === 'Established' && b.session.state === 'Established',
    );
    for (const side of [a, b]) {
      const up = ofKind(side, 'peer-up');
      expect(up).to.have.length(1);
      expect(up[0]!.negotiated.holdTime).to.equal(9);
      expect(up[0]!.negotiated.context.fourOctetAs).to.equal(true);
      expect(up[0]!.negotiated.families.map((f) => f.afi)).to.deep.equal([Afi.IPV4, Afi.IPV6]);
      expect(side.session.primary.fsm.keepaliveTimeSeconds).to.equal(3);
      const states = ofKind(side, 'session-state').map((m) => m.to);
      expect(states).to.include('OpenSent').and.include('OpenConfirm');
      expect(states[states.length - 1]).to.equal('Established');
    }
    expect(ofKind(a, 'peer-up')[0]!.negotiated.remoteAs).to.equal(65002);
  });

  it('carries UPDATEs and End-of-RIB both ways, decoded with the negotiated context', async () => {
    pair = await LoopbackPair.create();
    pair.connect();
    const { a, b } = pair;
    await until('Established', () => a.session.state === 'Established' && b.session.state === 'Established');
    a.session.sendAnnouncements(ATTRS_V4, prefixList(Afi.IPV4, ['10.1.0.0/16', '10.2.0.0/24']));
    a.session.sendEndOfRib(Afi.IPV4, Safi.UNICAST);
    const v6: PathAttributes = {
      origin: Origin.IGP,
      asPath: [{ type: 2, asns: [65002] }],
      mpReach: {
        afi: Afi.IPV6,
        safi: Safi.UNICAST,
        nextHop: Uint8Array.from(Buffer.from('fd000000000000000000000000000002', 'hex')),
        linkLocal: null,
        nlri: prefixList(Afi.IPV6, []),
      },
    };
    b.session.sendAnnouncements(v6, prefixList(Afi.IPV6, ['fd10::/64']));
    b.session.sendEndOfRib(Afi.IPV6, Safi.UNICAST);
    await until('B got the End-of-RIB', () => ofKind(b, 'end-of-rib').length === 1);
    await until('A got the End-of-RIB', () => ofKind(a, 'end-of-rib').length === 1);
    const atB = ofKind(b, 'update');
    expect(atB).to.have.length(1);
    expect(formatPrefixes(atB[0]!.msg.nlri)).to.deep.equal(['10.1.0.0/16', '10.2.0.0/24']);
    expect(atB[0]!.msg.attrs.asPath).to.deep.equal([{ type: 2, asns: [65001] }]);
    const atA = ofKind(a, 'update');
    expect(formatPrefixes(atA[0]!.msg.attrs.mpReach!.nlri)).to.deep.equal(['fd10::/64']);
    expect(ofKind(a, 'end-of-rib')[0]).to.include({ afi: Afi.IPV6, safi: Safi.UNICAST });
    expect(b.session.counters().prefixesReceived).to.deep.equal({ 'ipv4-unicast': 2 });
    expect(a.session.counters().messagesOut.UPDATE).to.equal(2);
  });

  it('keeps sending KEEPALIVEs ahead of a large UPDATE backlog the peer is slow to read', async () => {
    pair = await LoopbackPair.create({
      a: { timers: { holdTime: 6, connectRetryTime: 1 } },
      b: { timers: { holdTime: 6, connectRetryTime: 1 } },
    });
    pair.connect();
    const { a, b } = pair;
    await until('Established', () => a.session.state === 'Established' && b.session.state === 'Established');
    // B stops reading for 3.5 s (more than one keepalive interval of 2 s, less than the hold time).
    b.session.primary.socket!.pause();
    // About 20 MB of UPDATEs: far more than the kernel's loopback socket buffers hold, so most of
    // it waits in podbgp's output queue. The same 4000 prefixes are announced again and again.
    const batch = a.session.negotiated === null ? [] : packBatch(a.session.negotiated.context);
    let accepted = true;
    let sent = 0;
    while (sent < 5000) {
      accepted = a.session.sendUpdates(batch);
      sent += batch.length;
    }
    a.session.sendEndOfRib(Afi.IPV4, Safi.UNICAST);
    const keepalivesBefore = a.session.counters().messagesOut.KEEPALIVE ?? 0;
    await new Promise((r) => setTimeout(r, 3500));
    const during = a.session.counters();
    expect(during.outputBacklog, 'UPDATEs still queued').to.be.greaterThan(0);
    expect(during.messagesOut.KEEPALIVE ?? 0, 'KEEPALIVEs written meanwhile').to.be.greaterThan(
      keepalivesBefore,
    );
    let drained = accepted;
    if (!accepted) a.session.onDrain(() => (drained = true));
    b.session.primary.socket!.resume();
    await until('B got every UPDATE', () => ofKind(b, 'end-of-rib').length === 1, 25_000);
    expect(b.session.counters().updatesIn).to.equal(sent + 1);
    expect(b.session.counters().prefixesReceived['ipv4-unicast']).to.equal(4000);
    expect(drained).to.equal(true);
    expect(ofKind(a, 'peer-down')).to.have.length(0);
    expect(ofKind(b, 'peer-down')).to.have.length(0);
  });

  it('resolves a connection collision the RFC 4271 §6.8 way: one session, initiated by the higher BGP id', async () => {
    pair = await LoopbackPair.create();
    pair.connect(); // both sides active, started in the same tick
    const { a, b } = pair;
    await until('Established', () => a.session.state === 'Established' && b.session.state === 'Established');
    await new Promise((r) => setTimeout(r, 500));
    expect(a.session.state).to.equal('Established');
    expect(b.session.state).to.equal('Established');
    expect(a.session.secondary).to.equal(null);
    expect(b.session.secondary).to.equal(null);
    // B (2.2.2.2) has the higher BGP Identifier: the connection B initiated is the one kept.
    expect(b.session.primary.direction).to.equal('outgoing');
    expect(a.session.primary.direction).to.equal('incoming');
    expect(ofKind(a, 'peer-up')).to.have.length(1);
    expect(ofKind(b, 'peer-up')).to.have.length(1);
    expect(ofKind(a, 'peer-down')).to.have.length(0);
    const collisions = [...ofKind(a, 'notification'), ...ofKind(b, 'notification')].filter(
      (n) => n.code === 6 && n.subcode === 7,
    );
    // Each collision closes one connection with Cease / Connection Collision Resolution.
    for (const n of collisions) expect(n.text).to.equal('Cease / Connection Collision Resolution');
  });

  it('administrative shutdown: the RFC 9003 message is received and decoded on the other side', async () => {
    pair = await LoopbackPair.create();
    pair.connect();
    const { a, b } = pair;
    await until('Established', () => a.session.state === 'Established' && b.session.state === 'Established');
    a.session.disable('maintenance window until 14:00');
    const got = await until('B got the NOTIFICATION', () =>
      ofKind(b, 'notification').find((n) => n.direction === 'received'),
    );
    expect(got.text).to.equal('Cease / Administrative Shutdown: "maintenance window until 14:00"');
    const down = await until('B peer-down', () => ofKind(b, 'peer-down')[0]);
    expect(down.notification?.text).to.equal(got.text);
    expect(down.reason).to.contain('Administrative Shutdown');
    expect(ofKind(a, 'peer-down')[0]!.gracefulRestart.stale).to.equal(false);
    await new Promise((r) => setTimeout(r, 2500));
    expect(a.session.state, 'A stays down').to.equal('Idle');
    a.session.enable();
    await until(
      're-established',
      () => a.session.state === 'Established' && b.session.state === 'Established',
    );
  });

  it('hard reset sends Cease / Administrative Reset and the session comes back', async () => {
    pair = await LoopbackPair.create();
    pair.connect();
    const { a, b } = pair;
    await until('Established', () => a.session.state === 'Established' && b.session.state === 'Established');
    a.session.hardReset('clear bgp');
    const got = await until('B got it', () =>
      ofKind(b, 'notification').find((n) => n.direction === 'received'),
    );
    expect([got.code, got.subcode]).to.deep.equal([6, 4]);
    expect(got.text).to.equal('Cease / Administrative Reset: "clear bgp"');
    await until('up again', () => ofKind(a, 'peer-up').length === 2 && ofKind(b, 'peer-up').length === 2);
    expect(a.session.counters().establishedTransitions).to.equal(2);
  });

  it('max-prefix: Cease / Maximum Number of Prefixes Reached with AFI, SAFI and limit, then held down', async () => {
    pair = await LoopbackPair.create({ b: { maxPrefix: { 'ipv4-unicast': { limit: 10 } } } });
    pair.connect();
    const { a, b } = pair;
    await until('Established', () => a.session.state === 'Established' && b.session.state === 'Established');
    a.session.sendAnnouncements(ATTRS_V4, prefixList(Afi.IPV4, v4Prefixes(10)));
    await until('10 prefixes at B', () => b.session.counters().prefixesReceived['ipv4-unicast'] === 10);
    a.session.sendAnnouncements(ATTRS_V4, prefixList(Afi.IPV4, v4Prefixes(1, 11)));
    const mp = await until('max-prefix', () => ofKind(b, 'max-prefix')[0]);
    expect(mp).to.deep.include({ family: 'ipv4-unicast', count: 11, limit: 10, shutdown: true });
    const atA = await until('A got the Cease', () =>
      ofKind(a, 'notification').find((n) => n.direction === 'received'),
    );
    expect([atA.code, atA.subcode]).to.deep.equal([6, 1]);
    expect(atA.text).to.equal('Cease / Maximum Number of Prefixes Reached: ipv4-unicast limit 10');
    expect(ofKind(b, 'update'), 'the UPDATE over the limit is not passed on').to.have.length(1);
    expect(ofKind(b, 'peer-down')[0]!.gracefulRestart.stale).to.equal(false);
    await new Promise((r) => setTimeout(r, 3000));
    expect(b.session.state, 'held down').to.equal('Idle');
    expect(ofKind(b, 'peer-up')).to.have.length(1);
    b.session.enable();
    await until('up after enable', () => b.session.state === 'Established');
  });

  it('graceful restart: losing the peer abruptly keeps its routes stale; with GR off they go', async () => {
    const gr = { gracefulRestart: { restartTime: 77 } };
    pair = await LoopbackPair.create({ a: gr, b: gr });
    pair.connect();
    const { a, b } = pair;
    await until('Established', () => a.session.state === 'Established' && b.session.state === 'Established');
    const neg = ofKind(b, 'peer-up')[0]!.negotiated;
    expect(neg.gracefulRestart.both).to.equal(true);
    expect(neg.gracefulRestart.notification).to.equal(true);
    a.manager.destroy(); // like kill -9: sockets reset, nothing sent
    const down = await until('B peer-down', () => ofKind(b, 'peer-down')[0]);
    expect(down.gracefulRestart.stale).to.equal(true);
    expect(down.gracefulRestart.restartTime).to.equal(77);
    expect(down.gracefulRestart.families.map((f) => f.afi)).to.deep.equal([Afi.IPV4, Afi.IPV6]);
    expect(down.notification).to.equal(undefined);
  });

  it('graceful restart: Cease / Hard Reset from the peer means no stale routes (RFC 8538)', async () => {
    const gr = { gracefulRestart: { restartTime: 60 } };
    pair = await LoopbackPair.create({ a: gr, b: gr });
    pair.connect();
    const { a, b } = pair;
    await until('Established', () => a.session.state === 'Established' && b.session.state === 'Established');
    a.session.stopAll(9, undefined);
    const down = await until('B peer-down', () => ofKind(b, 'peer-down')[0]);
    expect(down.notification?.text).to.equal('Cease / Hard Reset');
    expect(down.gracefulRestart.stale).to.equal(false);
  });

  it('refuses a peer with the wrong AS with OPEN Message Error / Bad Peer AS', async () => {
    pair = await LoopbackPair.create({ a: { asn: 65099 } });
    pair.connect();
    const { a, b } = pair;
    const sent = await until('A refuses', () =>
      ofKind(a, 'notification').find((n) => n.direction === 'sent'),
    );
    expect([sent.code, sent.subcode]).to.deep.equal([2, 2]);
    const got = await until('B hears it', () =>
      ofKind(b, 'notification').find((n) => n.direction === 'received'),
    );
    expect(got.text).to.contain('Bad Peer AS');
    expect(a.session.counters().lastError).to.contain('Bad Peer AS');
  });
});
