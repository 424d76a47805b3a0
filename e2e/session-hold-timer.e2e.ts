// Hold timer expiry and reconnect against a real BIRD: podbgp (namespace "pod") connects to BIRD
// (namespace "peer") with hold time 3 s. The veth link is set down in the pod namespace: podbgp's
// HoldTimer expires (session-state to Idle with the reason), it retries with backoff while the
// link is down, and when the link comes back the session is Established again.
import { expect } from 'chai';
import { Bird, waitFor } from './lab/index.ts';
import { SessionLab } from './lab/session-lab.ts';

describe('e2e session: hold timer expiry and reconnect with BIRD', function () {
  this.timeout(120_000);
  const fixture = SessionLab.perTest();

  it('drops the session when the link is cut and re-establishes when it returns', async () => {
    const { lab, link } = await fixture.podAndPeer('sess-hold', { v4: ['10.0.2.1/24', '10.0.2.2/24'] });
    const bird = await Bird.start(lab, 'peer', {
      routerId: '10.0.2.2',
      neighbors: [
        { name: 'pod', address: '10.0.2.1', localAs: 65002, remoteAs: 65001, holdTime: 3, passive: true },
      ],
    });
    const pod = await fixture.startPodbgp({ asn: 65001, routerId: '10.0.2.1', connectTimeoutMs: 1000 });
    pod.addPeer({
      address: '10.0.2.2',
      asn: 65002,
      families: ['ipv4-unicast'],
      timers: { holdTime: 3, connectRetryTime: 1 },
    });
    await pod.waitEstablished('10.0.2.2');
    await bird.waitEstablished('pod');
    const cut = Date.now();
    await lab.linkDown('pod', link.ifA);
    const idle = await pod.waitMessage('session-state', (m) => m.from === 'Established' && m.to === 'Idle', {
      timeoutMs: 10_000,
    });
    expect(idle.reason).to.match(/^Hold timer expired after 3 s/);
    const after = Date.now() - cut;
    expect(after, 'expiry within the hold time (plus slack)').to.be.within(1500, 6000);
    const down = pod.ofKind('peer-down')[0]!;
    expect([down.notification?.code, down.notification?.direction]).to.deep.equal([4, 'sent']);
    // Retries while the link is down: more than one connect attempt (backoff), none succeeding.
    await waitFor(
      'podbgp to retry connecting',
      () => pod.ofKind('session-state').filter((m) => m.to === 'Connect').length,
      (n) => n >= 3,
      { timeoutMs: 20_000 },
    );
    expect(pod.session('10.0.2.2').state).to.not.equal('Established');
    await lab.linkUp('pod', link.ifA);
    await pod.waitEstablished('10.0.2.2', { timeoutMs: 30_000 });
    await bird.waitEstablished('pod');
    expect(pod.ofKind('peer-up')).to.have.length(2);
  });
});
