// RFC 8538 (graceful restart notification, the N bit and Cease / Hard Reset) with a real FRR 8.4 as
// a graceful restart helper. Both sides advertise GR with the N bit (FRR sets it by default with
// `bgp graceful-restart`; the test checks FRR's view of our capability and its own).
// 1. The operator resets the session at podbgp (Session.hardReset): podbgp sends Cease / Hard
//    Reset carrying Cease / Administrative Reset; FRR flushes our route at once, never stale.
// 2. podbgp stops as a daemon does for a restart (SessionManager.stop: Cease / Administrative
//    Shutdown, not a Hard Reset): with the N bit FRR treats it as graceful and keeps our route stale.
import { expect } from 'chai';
import { Afi, Safi } from '../bgp/wire/iana/afi-safi.ts';
import { Origin } from '../bgp/wire/iana/attribute-types.ts';
import { parseIpv4, prefixList } from '../bgp/wire/prefix-text.ts';
import type { Session } from '../bgp/session/session.ts';
import { Frr, waitFor } from './lab/index.ts';
import type { FrrPath } from './lab/index.ts';
import { SessionLab } from './lab/session-lab.ts';

const OUR_ROUTE = '172.16.9.0/24';

function announce(session: Session): void {
  session.sendAnnouncements(
    { origin: Origin.IGP, asPath: [{ type: 2, asns: [65001] }], nextHop: parseIpv4('10.0.5.1') },
    prefixList(Afi.IPV4, [OUR_ROUTE]),
  );
  session.sendEndOfRib(Afi.IPV4, Safi.UNICAST);
}

describe('e2e session: RFC 8538 Hard Reset with FRR', function () {
  this.timeout(90_000);
  const fixture = SessionLab.perTest();

  it('our Hard Reset makes FRR flush our route at once; our graceful stop leaves it stale', async () => {
    const { lab } = await fixture.podAndPeer('sess-hr', { v4: ['10.0.5.1/24', '10.0.5.2/24'] });
    const frr = await Frr.start(lab, 'peer', {
      asn: 65002,
      routerId: '10.0.5.2',
      gracefulRestart: true,
      neighbors: [{ address: '10.0.5.1', remoteAs: 65001 }],
    });
    const p = await fixture.startPodbgp({ asn: 65001, routerId: '10.0.5.1' });
    p.addPeer({
      address: '10.0.5.2',
      asn: 65002,
      families: ['ipv4-unicast'],
      timers: { holdTime: 9, connectRetryTime: 1 },
      gracefulRestart: { restartTime: 90 },
    });
    await p.waitEstablished('10.0.5.2');
    const neg = p.ofKind('peer-up')[0]!.negotiated;
    expect(neg.gracefulRestart.notification, 'both sides set the N bit').to.equal(true);
    announce(p.session('10.0.5.2'));
    const route = async (): Promise<FrrPath[] | undefined> => (await frr.routes('ipv4'))[OUR_ROUTE];
    await waitFor('FRR has our route', route, (r) => r !== undefined);

    // 1. Hard Reset: flushed, not stale. Poll fast and record every state FRR showed.
    p.session('10.0.5.2').hardReset('clear bgp');
    const seen: string[] = [];
    await waitFor(
      'FRR to drop our route',
      async () => {
        const r = await route();
        seen.push(JSON.stringify(r ?? null));
        return r;
      },
      (r) => r === undefined,
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(
      seen.filter((s) => s.includes('"stale":true')),
      'never kept stale',
    ).to.deep.equal([]);
    const sent = p.ofKind('notification').find((n) => n.direction === 'sent' && n.subcode === 9);
    expect(sent?.text).to.equal('Cease / Hard Reset: Cease / Administrative Reset: "clear bgp"');
    const atFrr = await frr.neighbor('10.0.5.1');
    // FRR decodes the Hard Reset: the inner Cease / Administrative Reset (06 04) and its RFC 9003 text.
    expect(atFrr).to.deep.include({
      lastNotificationHardReset: true,
      lastErrorCodeSubcode: '0604',
      lastShutdownDescription: 'clear bgp',
    });

    // 2. Back up, announced again; then the daemon's graceful stop: FRR keeps the route stale.
    await waitFor(
      'up again',
      () => p.ofKind('peer-up').length,
      (n) => n === 2,
      { timeoutMs: 30_000 },
    );
    await p.waitEstablished('10.0.5.2');
    announce(p.session('10.0.5.2'));
    await waitFor(
      'FRR has our route again',
      route,
      (r) => r !== undefined && !JSON.stringify(r).includes('stale'),
    );
    await p.stop('podbgp is restarting');
    const stale = await waitFor(
      'FRR to keep our route, stale',
      async () => JSON.stringify((await route()) ?? null),
      (text) => text.includes('"stale":true'),
      { timeoutMs: 15_000 },
    );
    expect(stale).to.contain('10.0.5.1');
  });
});
