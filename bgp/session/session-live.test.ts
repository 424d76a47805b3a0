// Two podbgp SessionManagers over real loopback sockets (loopback-pair.ts), for what a running
// session does without being reset, and how it is ended:
// - RFC 4271 UpdateSent: while UPDATEs flow, no KEEPALIVE is needed (the KeepaliveTimer restarts);
// - updatePeer: max-prefix limits, description, MRAI and the shutdown flag apply without a reset,
//   other changes reset with Cease / Other Configuration Change;
// - max-prefix restartAfter: the session comes back by itself after the interval;
// - RFC 8538: with the N bit exchanged, operator shutdown / reset, peer removal and max-prefix go
//   out as Cease / Hard Reset carrying the original Cease; the daemon's stop does not.
import { expect } from 'chai';
import { checkConfig } from '../../config/schema.ts';
import type { PeerConfig } from '../../config/schema.ts';
import { Afi } from '../wire/iana/afi-safi.ts';
import { Origin } from '../wire/iana/attribute-types.ts';
import { parseIpv4, prefixList } from '../wire/prefix-text.ts';
import type { PathAttributes } from '../wire/types.ts';
import { LoopbackPair, ofKind, until } from './loopback-pair.ts';
import type { PairOptions, Side } from './loopback-pair.ts';

const ATTRS: PathAttributes = {
  origin: Origin.IGP,
  asPath: [{ type: 2, asns: [65001] }],
  nextHop: parseIpv4('127.0.0.1'),
};

function v4(n: number, base = 10): string[] {
  return Array.from({ length: n }, (_, i) => `${base}.${(i >> 8) & 0xff}.${i & 0xff}.0/24`);
}

/** B's peer config for A, as loopback-pair.ts builds it, with extra fields. */
function configOfA(pair: LoopbackPair, extra: Record<string, unknown>): PeerConfig {
  const fields = {
    address: pair.a.address,
    asn: 65001,
    port: pair.a.port,
    sourceAddress: pair.b.address,
    timers: { holdTime: 9, connectRetryTime: 1 },
    ...extra,
  };
  return checkConfig({ asn: 1, routerId: '9.9.9.9', peers: [fields] }, '').peers[0]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** NOTIFICATIONs a side received, leaving out Cease / Connection Collision Resolution (both sides connect at once). */
function received(side: Side) {
  return ofKind(side, 'notification').filter(
    (n) => n.direction === 'received' && !(n.code === 6 && n.subcode === 7),
  );
}

describe('session: a running session (UpdateSent, live settings, restartAfter, RFC 8538)', function () {
  this.timeout(60_000);
  let pair: LoopbackPair | undefined;

  afterEach(() => {
    pair?.destroy();
    pair = undefined;
  });

  async function established(options: PairOptions = {}): Promise<LoopbackPair> {
    pair = await LoopbackPair.create(options);
    pair.connect();
    const { a, b } = pair;
    await until('Established', () => a.session.state === 'Established' && b.session.state === 'Established');
    return pair;
  }

  it('sends no KEEPALIVE while UPDATEs flow faster than the keepalive interval (UpdateSent)', async () => {
    const { a, b } = await established({
      a: { timers: { holdTime: 3, connectRetryTime: 1 } },
      b: { timers: { holdTime: 3, connectRetryTime: 1 } },
    });
    // Hold time 3 s: a KEEPALIVE every second unless an UPDATE restarted the KeepaliveTimer.
    await sleep(100);
    const before = a.session.counters().messagesOut.KEEPALIVE ?? 0;
    for (let i = 0; i < 12; i++) {
      a.session.sendAnnouncements(ATTRS, prefixList(Afi.IPV4, [`10.9.${i}.0/24`]));
      await sleep(300);
    }
    const during = (a.session.counters().messagesOut.KEEPALIVE ?? 0) - before;
    expect(during, 'KEEPALIVEs sent in 3.6 s of UPDATEs every 300 ms').to.equal(0);
    await until('B got the UPDATEs', () => ofKind(b, 'update').length === 12);
    expect(b.session.state).to.equal('Established');
    // Once the UPDATEs stop, KEEPALIVEs resume within the keepalive interval.
    await until('a KEEPALIVE again', () => (a.session.counters().messagesOut.KEEPALIVE ?? 0) > before, 2500);
  });

  it('applies max-prefix, description, MRAI and shutdown changes without a reset; other changes reset', async () => {
    const p = await established();
    const { a, b } = p;
    a.session.sendAnnouncements(ATTRS, prefixList(Afi.IPV4, v4(5)));
    await until('5 prefixes at B', () => b.session.counters().prefixesReceived['ipv4-unicast'] === 5);
    // (A connection collision while both connected may have sent a Cease 6/7 before this.)
    const notesBefore = ofKind(b, 'notification').length;
    const receivedBefore = received(a).length;
    b.manager.updatePeer(
      configOfA(p, {
        description: 'node-a',
        timers: { holdTime: 9, connectRetryTime: 1, minRouteAdvertisementInterval: 5 },
        maxPrefix: { 'ipv4-unicast': { limit: 10 } },
      }),
    );
    await sleep(300);
    expect(b.session.state).to.equal('Established');
    expect(ofKind(b, 'notification').length, 'no NOTIFICATION since Established').to.equal(notesBefore);
    expect(ofKind(b, 'peer-up')).to.have.length(1);
    expect(b.session.settings.maxPrefix.get(Afi.IPV4 * 256 + 1)?.limit).to.equal(10);

    // Lowered under what the peer already sent: enforced at once.
    b.manager.updatePeer(configOfA(p, { maxPrefix: { 'ipv4-unicast': { limit: 3, restartAfter: 1 } } }));
    const mp = await until('max-prefix', () => ofKind(b, 'max-prefix')[0]);
    expect(mp).to.deep.include({ count: 5, limit: 3, shutdown: true });
    const cease = await until('A got the Cease', () => received(a)[receivedBefore]);
    expect([cease.code, cease.subcode]).to.deep.equal([6, 1]);
    // Raised again: the session comes back after restartAfter (1 s), the limit no longer hit.
    b.manager.updatePeer(configOfA(p, { maxPrefix: { 'ipv4-unicast': { limit: 100 } } }));
    await until('up again', () => ofKind(b, 'peer-up').length === 2, 15_000);

    // shutdown: true is a disable (Cease / Administrative Shutdown), false an enable.
    b.manager.updatePeer(configOfA(p, { shutdown: true, maxPrefix: { 'ipv4-unicast': { limit: 100 } } }));
    await until('A got the shutdown', () => received(a).length === receivedBefore + 2);
    expect([received(a)[receivedBefore + 1]!.code, received(a)[receivedBefore + 1]!.subcode]).to.deep.equal([
      6, 2,
    ]);
    expect(b.session.state).to.equal('Idle');
    expect(b.session.isDisabled).to.equal(true);
    b.manager.updatePeer(configOfA(p, { maxPrefix: { 'ipv4-unicast': { limit: 100 } } }));
    await until('up after enable', () => ofKind(b, 'peer-up').length === 3, 15_000);

    // A hold time change is negotiated in the OPEN: Cease / Other Configuration Change, new session.
    b.manager.updatePeer(
      configOfA(p, {
        timers: { holdTime: 6, connectRetryTime: 1 },
        maxPrefix: { 'ipv4-unicast': { limit: 100 } },
      }),
    );
    await until('A got the reset', () => received(a).length === receivedBefore + 3);
    expect([received(a)[receivedBefore + 2]!.code, received(a)[receivedBefore + 2]!.subcode]).to.deep.equal([
      6, 6,
    ]);
    await until('up with hold time 6', () => ofKind(b, 'peer-up')[3]?.negotiated.holdTime === 6, 15_000);
  });

  it('max-prefix with restartAfter: the session comes back by itself after the interval', async () => {
    const { a, b } = await established({
      b: { maxPrefix: { 'ipv4-unicast': { limit: 4, restartAfter: 2 } } },
    });
    a.session.sendAnnouncements(ATTRS, prefixList(Afi.IPV4, v4(5)));
    const down = await until('B peer-down', () => ofKind(b, 'peer-down')[0]);
    const at = Date.now();
    expect(down.reason).to.contain('Maximum Number of Prefixes Reached');
    await sleep(1000);
    expect(b.session.state, 'held down during the interval').to.equal('Idle');
    await until('B Established again', () => ofKind(b, 'peer-up').length === 2, 10_000);
    const waited = Date.now() - at;
    expect(waited).to.be.within(1900, 6000);
    expect(b.session.state).to.equal('Established');
  });

  describe('RFC 8538 Hard Reset', () => {
    const gr = { gracefulRestart: { restartTime: 60 } };

    it('operator shutdown with the N bit: Cease / Hard Reset carrying Cease / Administrative Shutdown; no stale routes', async () => {
      const { a, b } = await established({ a: gr, b: gr });
      expect(ofKind(a, 'peer-up')[0]!.negotiated.gracefulRestart.notification).to.equal(true);
      a.session.disable('maintenance');
      const n = await until('B got it', () => received(b)[0]);
      expect([n.code, n.subcode]).to.deep.equal([6, 9]);
      const down = await until('B peer-down', () => ofKind(b, 'peer-down')[0]);
      // RFC 8538 §3 layout: inner ErrCode 6, Subcode 2, then the RFC 9003 data (length 11, text).
      expect([...down.notification!.data]).to.deep.equal([6, 2, 11, ...Buffer.from('maintenance')]);
      expect(down.gracefulRestart.stale).to.equal(false);
    });

    it('operator reset and max-prefix are Hard Resets carrying Administrative Reset / Maximum Number of Prefixes Reached', async () => {
      const p = await established({
        a: gr,
        b: { ...gr, maxPrefix: { 'ipv4-unicast': { limit: 2, restartAfter: 1 } } },
      });
      const { a, b } = p;
      a.session.hardReset('clear');
      await until('B got the reset', () => received(b).length === 1);
      expect([received(b)[0]!.code, received(b)[0]!.subcode]).to.deep.equal([6, 9]);
      expect([...ofKind(b, 'peer-down')[0]!.notification!.data.subarray(0, 2)]).to.deep.equal([6, 4]);
      await until('up again', () => ofKind(a, 'peer-up').length === 2 && b.session.state === 'Established');

      a.session.sendAnnouncements(ATTRS, prefixList(Afi.IPV4, v4(3)));
      await until('A got the max-prefix Cease', () => received(a).length === 1);
      const mp = ofKind(a, 'peer-down')[1]!.notification!;
      expect([mp.code, mp.subcode]).to.deep.equal([6, 9]);
      // Inner Cease / Maximum Number of Prefixes Reached with AFI 1, SAFI 1, limit 2 (RFC 4486 §4).
      expect([...mp.data]).to.deep.equal([6, 1, 0, 1, 1, 0, 0, 0, 2]);
      expect(ofKind(a, 'peer-down')[1]!.gracefulRestart.stale).to.equal(false);
    });

    it("the daemon's stop is not a Hard Reset: a helper peer keeps our routes stale", async () => {
      const { a, b } = await established({ a: gr, b: gr });
      await a.manager.stop('upgrade');
      const stop = await until('B got the stop', () => received(b)[0]);
      expect([stop.code, stop.subcode]).to.deep.equal([6, 2]);
      const down = await until('B peer-down', () => ofKind(b, 'peer-down')[0]);
      expect(down.notification?.text).to.equal('Cease / Administrative Shutdown: "upgrade"');
      expect(down.gracefulRestart.stale, 'B keeps the routes of A as a helper').to.equal(true);
    });

    it('peer removal with the N bit is a Hard Reset carrying Peer De-configured; without the N bit a plain Cease', async () => {
      const p = await established({ a: gr, b: gr });
      p.a.manager.removePeer(p.b.address);
      const n = await until('B got it', () => received(p.b)[0]);
      expect([n.code, n.subcode]).to.deep.equal([6, 9]);
      expect([...ofKind(p.b, 'peer-down')[0]!.notification!.data]).to.deep.equal([6, 3]);
      p.destroy();

      const noN = { gracefulRestart: { restartTime: 60, notification: false } };
      const q = await established({ a: noN, b: noN });
      expect(ofKind(q.a, 'peer-up')[0]!.negotiated.gracefulRestart.notification).to.equal(false);
      q.a.session.disable();
      const m = await until('B got it', () => received(q.b)[0]);
      expect([m.code, m.subcode]).to.deep.equal([6, 2]);
    });
  });
});
