// GTSM (RFC 5082) at the session level: podbgp peers configured with `ttlSecurity`, against FRR
// (`neighbor X ttl-security hops 1`) and BIRD (`ttl security on`). Lab (IPv4):
//   frr  (10.0.11.2) --- pod (10.0.11.1 | 10.0.11.5 | 10.0.11.9) --- bird (10.0.11.6)
//                         |
//                       router (10.0.11.10 | 10.0.12.1) --- far (10.0.12.2, BIRD, ttl security + multihop 2)
// 1. frr and bird, directly connected, reach Established with podbgp's ttlSecurity: 1 (TTL 255
//    sent, 255 required, both ways).
// 2. far is one hop further away: with ttlSecurity: 1 podbgp never establishes; its listener
//    refuses far's SYNs (TTL 254) and its own connects get no usable answer, and the log says why.
//    Control: the same peer with ttlSecurity: 2 establishes over the same path.
import { expect } from 'chai';
import { checkConfig } from '../config/schema.ts';
import { Bird, Frr, sleep, waitFor } from './lab/index.ts';
import { SessionLab } from './lab/session-lab.ts';

const TIMERS = { holdTime: 9, connectRetryTime: 1 };

describe('e2e session: GTSM (TTL security) with FRR and BIRD', function () {
  this.timeout(90_000);
  const fixture = SessionLab.perTest();

  it('directly connected FRR and BIRD establish; a peer one hop further is refused until 2 hops are allowed', async () => {
    const lab = await fixture.nodes('sess-gtsm', ['pod', 'frr', 'bird', 'router', 'far'], {
      router: { forwarding: true },
    });
    await lab.link('pod', 'frr', { v4: ['10.0.11.1/30', '10.0.11.2/30'] });
    await lab.link('pod', 'bird', { v4: ['10.0.11.5/30', '10.0.11.6/30'] });
    await lab.link('pod', 'router', { v4: ['10.0.11.9/30', '10.0.11.10/30'] });
    await lab.link('router', 'far', { v4: ['10.0.12.1/30', '10.0.12.2/30'] });
    await lab.execOk('pod', ['ip', 'route', 'add', '10.0.12.0/30', 'via', '10.0.11.10']);
    await lab.execOk('far', ['ip', 'route', 'add', '10.0.11.8/30', 'via', '10.0.12.1']);

    const frr = await Frr.start(lab, 'frr', {
      asn: 65002,
      routerId: '10.0.11.2',
      neighbors: [{ address: '10.0.11.1', remoteAs: 65001, ttlSecurityHops: 1 }],
    });
    const bird = await Bird.start(lab, 'bird', {
      routerId: '10.0.11.6',
      neighbors: [{ name: 'pod', address: '10.0.11.5', remoteAs: 65001, localAs: 65003, ttlSecurity: true }],
    });
    const far = await Bird.start(lab, 'far', {
      routerId: '10.0.12.2',
      neighbors: [
        {
          name: 'pod',
          address: '10.0.11.9',
          remoteAs: 65001,
          localAs: 65004,
          ttlSecurity: true,
          extra: ['multihop 2;'],
        },
      ],
    });
    const p = await fixture.startPodbgp({ asn: 65001, routerId: '10.0.11.1', connectTimeoutMs: 1500 });
    const peer = (address: string, asn: number, ttlSecurity: boolean | number) => ({
      address,
      asn,
      ttlSecurity,
      families: ['ipv4-unicast'],
      timers: TIMERS,
    });
    p.addPeer(peer('10.0.11.2', 65002, true));
    p.addPeer(peer('10.0.11.6', 65003, true));
    p.addPeer(peer('10.0.12.2', 65004, true));

    // 1. Directly connected: Established on both sides.
    await p.waitEstablished('10.0.11.2');
    await p.waitEstablished('10.0.11.6');
    await frr.waitEstablished('10.0.11.1');
    await bird.waitEstablished('pod');
    // FRR shows its `ttl-security hops 1` as the number of hops the neighbor may be away.
    expect((await frr.neighbor('10.0.11.1')).externalBgpNbrMaxHopsAway).to.equal(1);

    // 2. One hop further: refused both ways, never Established, and the log says why.
    await waitFor(
      "far's SYN refused by GTSM at our listener",
      () => p.log.find((l) => l.includes('10.0.12.2') && l.includes('connection refused (ttl-security)')),
      (l) => l !== undefined,
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    await waitFor(
      'our own connect to far fails with the GTSM hint',
      () => p.log.find((l) => l.includes('10.0.12.2') && l.includes('GTSM is on')),
      (l) => l !== undefined,
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    const refused = p.log.find((l) => l.includes('connection refused (ttl-security)'))!;
    expect(refused).to.contain('TTL 254').and.contain('at least 255');
    await sleep(1000);
    const states = p.ofKind('session-state', '10.0.12.2').map((m) => m.to);
    expect(states, 'never past OpenSent').to.not.include('OpenConfirm');
    expect(states).to.not.include('Established');
    expect((await far.showProtocol('pod')).bgpState).to.not.equal('Established');

    // Control: the same path with two hops allowed (minimum TTL 254) establishes.
    p.manager.updatePeer(
      checkConfig({ asn: 1, routerId: '9.9.9.9', peers: [peer('10.0.12.2', 65004, 2)] }, '').peers[0]!,
    );
    await p.waitEstablished('10.0.12.2');
    await far.waitEstablished('pod');
  });
});
