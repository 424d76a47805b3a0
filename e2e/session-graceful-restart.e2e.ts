// Graceful restart (RFC 4724, session side) with a real FRR as the peer, both advertising GR.
// 1. FRR restarts (bgpd and zebra killed with SIGKILL by PID, a new instance started): podbgp emits
//    peer-down with gracefulRestart.stale = true and FRR's restart time, the session comes back and
//    FRR's End-of-RIB arrives as an end-of-rib message.
// 2. podbgp dies abruptly (its sockets reset, nothing sent, like kill -9) while FRR is a GR helper:
//    FRR keeps podbgp's route, marked stale, in its RIB.
import { expect } from 'chai';
import { Afi, Safi } from '../bgp/wire/iana/afi-safi.ts';
import { Origin } from '../bgp/wire/iana/attribute-types.ts';
import { parseIpv4, prefixList } from '../bgp/wire/prefix-text.ts';
import { Frr, waitFor } from './lab/index.ts';
import type { FrrConfig } from './lab/index.ts';
import { SessionLab } from './lab/session-lab.ts';

const FRR_CONFIG: FrrConfig = {
  asn: 65002,
  routerId: '10.0.4.2',
  gracefulRestart: true,
  networks: ['192.168.7.0/24'],
  neighbors: [{ address: '10.0.4.1', remoteAs: 65001 }],
};

describe('e2e session: graceful restart with FRR', function () {
  this.timeout(120_000);
  const fixture = SessionLab.perTest();

  it('peer restart keeps its routes stale until it is back; podbgp killed keeps ours at FRR', async () => {
    const { lab } = await fixture.podAndPeer('sess-gr', { v4: ['10.0.4.1/24', '10.0.4.2/24'] });
    let frr = await Frr.start(lab, 'peer', FRR_CONFIG);
    const pod = await fixture.startPodbgp({ asn: 65001, routerId: '10.0.4.1' });
    const session = pod.addPeer({
      address: '10.0.4.2',
      asn: 65002,
      families: ['ipv4-unicast'],
      timers: { holdTime: 9, connectRetryTime: 1 },
      gracefulRestart: { restartTime: 90 },
    });
    await pod.waitEstablished('10.0.4.2');
    const up = pod.ofKind('peer-up')[0]!;
    expect(up.negotiated.gracefulRestart.both).to.equal(true);
    session.sendAnnouncements(
      { origin: Origin.IGP, asPath: [{ type: 2, asns: [65001] }], nextHop: parseIpv4('10.0.4.1') },
      prefixList(Afi.IPV4, ['172.16.7.0/24']),
    );
    session.sendEndOfRib(Afi.IPV4, Safi.UNICAST);
    await pod.waitMessage('end-of-rib', (m) => m.afi === Afi.IPV4);

    // 1. The peer restarts.
    frr.bgpd.signal('SIGKILL');
    frr.zebra.signal('SIGKILL');
    const down = await pod.waitMessage('peer-down', () => true, { timeoutMs: 15_000 });
    expect(down.gracefulRestart.stale).to.equal(true);
    expect(down.gracefulRestart.restartTime).to.equal(up.negotiated.gracefulRestart.peer!.restartTime);
    expect(down.gracefulRestart.families.map((f) => f.afi)).to.deep.equal([Afi.IPV4]);
    frr = await Frr.start(lab, 'peer', FRR_CONFIG, 'frr2');
    await waitFor(
      'podbgp to be up again',
      () => pod.ofKind('peer-up').length,
      (n) => n === 2,
      { timeoutMs: 30_000 },
    );
    const again = pod.ofKind('peer-up')[1]!;
    expect(again.negotiated.gracefulRestart.peer!.restarting, 'FRR sets the Restart State bit').to.equal(
      true,
    );
    await waitFor(
      'End-of-RIB after the restart',
      () => pod.ofKind('end-of-rib').length,
      (n) => n >= 2,
      {
        timeoutMs: 30_000,
      },
    );

    // 2. podbgp dies; FRR (helper) keeps our route, stale.
    const second = pod.session('10.0.4.2');
    second.sendAnnouncements(
      { origin: Origin.IGP, asPath: [{ type: 2, asns: [65001] }], nextHop: parseIpv4('10.0.4.1') },
      prefixList(Afi.IPV4, ['172.16.7.0/24']),
    );
    second.sendEndOfRib(Afi.IPV4, Safi.UNICAST);
    await waitFor(
      'FRR has our route',
      async () => (await frr.routes('ipv4'))['172.16.7.0/24'],
      (r) => r !== undefined,
    );
    pod.kill();
    const stale = await waitFor(
      'FRR to keep our route marked stale',
      async () => JSON.stringify((await frr.routes('ipv4'))['172.16.7.0/24'] ?? null),
      (text) => text.includes('"stale":true'),
      { timeoutMs: 15_000 },
    );
    expect(stale).to.contain('10.0.4.1');
  });
});
