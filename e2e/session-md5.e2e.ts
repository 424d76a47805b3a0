// TCP MD5 (RFC 2385) sessions against real BIRD and FRR: podbgp (namespace "pod", two addresses)
// has two peers on the daemon (two addresses). The first pair shares the key: the session is
// Established (podbgp connecting). The second pair's daemon side has another key: the session never
// comes up, and podbgp's state reason and log say why (our connect timeout with the MD5 hint).
import { expect } from 'chai';
import { Bird, Frr, sleep } from './lab/index.ts';
import type { Podbgp } from './lab/podbgp.ts';
import { SessionLab } from './lab/session-lab.ts';

const KEY = 'pod-md5-secret';

/** pod 10.0.3.1 and .3, peer 10.0.3.2 and .4, on one link. */
const LINK = {
  v4: ['10.0.3.1/24', '10.0.3.2/24'],
  podAddresses: ['10.0.3.3/24'],
  peerAddresses: ['10.0.3.4/24'],
} as const;

async function startPodbgp(fixture: SessionLab): Promise<Podbgp> {
  const pod = await fixture.startPodbgp({ asn: 65001, routerId: '10.0.3.1', connectTimeoutMs: 2000 });
  const peer = (address: string, source: string) => ({
    address,
    asn: 65002,
    sourceAddress: source,
    families: ['ipv4-unicast'],
    timers: { holdTime: 9, connectRetryTime: 1 },
    password: { env: 'UNUSED_BY_THE_SESSION_LAYER' },
  });
  pod.addPeer(peer('10.0.3.2', '10.0.3.1'), KEY);
  pod.addPeer(peer('10.0.3.4', '10.0.3.3'), KEY);
  return pod;
}

async function proveWrongKey(pod: Podbgp): Promise<void> {
  await sleep(5000);
  const wrong = pod.session('10.0.3.4');
  expect(wrong.state).to.not.equal('Established');
  expect(pod.ofKind('peer-up', '10.0.3.4')).to.have.length(0);
  // A failed connect waits for the next attempt in Active (bgp/fsm/step.ts), saying why.
  const reason =
    pod.ofKind('session-state', '10.0.3.4').find((m) => m.reason.startsWith('TCP connection failed'))
      ?.reason ?? '';
  expect(pod.session('10.0.3.4').counters().lastError).to.contain('TCP MD5 key is set');
  expect(reason).to.contain('TCP MD5 key is set');
  expect(pod.log.join('\n')).to.contain('a peer with no or a different key drops our SYN');
  expect(pod.log.join('\n')).to.not.contain(KEY);
}

describe('e2e session: TCP MD5 with BIRD and FRR', function () {
  this.timeout(120_000);
  const fixture = SessionLab.perTest();

  it('BIRD: the matching key establishes, a wrong key never does and podbgp says why', async () => {
    const { lab } = await fixture.podAndPeer('sess-md5-bird', LINK);
    const bird = await Bird.start(lab, 'peer', {
      routerId: '10.0.3.2',
      neighbors: [
        {
          name: 'good',
          address: '10.0.3.1',
          localAddress: '10.0.3.2',
          localAs: 65002,
          remoteAs: 65001,
          password: KEY,
          passive: true,
        },
        {
          name: 'bad',
          address: '10.0.3.3',
          localAddress: '10.0.3.4',
          localAs: 65002,
          remoteAs: 65001,
          password: 'another-key',
          passive: true,
        },
      ],
    });
    const pod = await startPodbgp(fixture);
    await pod.waitEstablished('10.0.3.2');
    await bird.waitEstablished('good');
    await proveWrongKey(pod);
  });

  it('FRR: the matching key establishes, a wrong key never does and podbgp says why', async () => {
    const { lab } = await fixture.podAndPeer('sess-md5-frr', LINK);
    const frr = await Frr.start(lab, 'peer', {
      asn: 65002,
      routerId: '10.0.3.2',
      neighbors: [
        { address: '10.0.3.1', remoteAs: 65001, password: KEY, updateSource: '10.0.3.2', passive: true },
        {
          address: '10.0.3.3',
          remoteAs: 65001,
          password: 'another-key',
          updateSource: '10.0.3.4',
          passive: true,
        },
      ],
    });
    const pod = await startPodbgp(fixture);
    await pod.waitEstablished('10.0.3.2');
    await frr.waitEstablished('10.0.3.1');
    await proveWrongKey(pod);
  });
});
