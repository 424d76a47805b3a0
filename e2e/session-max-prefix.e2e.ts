// Max-prefix against a real FRR: FRR (namespace "peer") originates 5 IPv4 prefixes to podbgp
// (namespace "pod"), whose peer config allows 3. Checked: podbgp emits max-prefix and sends Cease /
// Maximum Number of Prefixes Reached (6/1) with AFI/SAFI/limit; FRR's own neighbor state shows the
// NOTIFICATION it received; podbgp holds the session down (restartAfter 0) until enable().
import { expect } from 'chai';
import { Frr, sleep, waitFor } from './lab/index.ts';
import { SessionLab } from './lab/session-lab.ts';

describe('e2e session: max-prefix with FRR', function () {
  this.timeout(120_000);
  const fixture = SessionLab.perTest();

  it('shuts the session down with Cease/1 and holds it down', async () => {
    const { lab } = await fixture.podAndPeer('sess-maxpfx', { v4: ['10.0.1.1/24', '10.0.1.2/24'] });
    const frr = await Frr.start(lab, 'peer', {
      asn: 65002,
      routerId: '10.0.1.2',
      networks: ['192.168.1.0/24', '192.168.2.0/24', '192.168.3.0/24', '192.168.4.0/24', '192.168.5.0/24'],
      neighbors: [{ address: '10.0.1.1', remoteAs: 65001, passive: true }],
    });
    const pod = await fixture.startPodbgp({ asn: 65001, routerId: '10.0.1.1' });
    pod.addPeer({
      address: '10.0.1.2',
      asn: 65002,
      families: ['ipv4-unicast'],
      timers: { holdTime: 9, connectRetryTime: 1 },
      maxPrefix: { 'ipv4-unicast': { limit: 3 } },
    });
    const mp = await pod.waitMessage('max-prefix', () => true);
    expect(mp).to.deep.include({ family: 'ipv4-unicast', limit: 3, shutdown: true });
    const sent = await pod.waitMessage('notification', (n) => n.direction === 'sent');
    expect(sent.text).to.equal('Cease / Maximum Number of Prefixes Reached: ipv4-unicast limit 3');
    const frrSide = await waitFor(
      'FRR to record the NOTIFICATION it received',
      async () => JSON.stringify(await frr.neighbor('10.0.1.1')),
      (text) => /Maximum Number of Prefixes|MaxPfx|Max Prefix/i.test(text),
      { timeoutMs: 10_000 },
    );
    expect(frrSide).to.match(/Notification received/i);
    await sleep(4000);
    expect(pod.session('10.0.1.2').state, 'held down').to.equal('Idle');
    expect((await frr.neighbor('10.0.1.1')).bgpState).to.not.equal('Established');
    expect(pod.ofKind('peer-up')).to.have.length(1);
    pod.session('10.0.1.2').enable();
    await frr.waitEstablished('10.0.1.1');
  });
});
