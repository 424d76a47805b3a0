// Dynamic-range peers at the session layer: podbgp is configured with one passive peer entry
// `range: 10.0.9.0/24, asn: external` and no single addresses. Lab (IPv4, one link per peer):
//   bird1 (10.0.9.2, AS 65011) --- pod (10.0.9.1 | 10.0.9.5 | 10.0.10.1) --- frr2 (10.0.9.6, AS 65012)
//                                   |
//                                  out (10.0.10.2, AS 65013, BIRD): outside the range
// bird1 and frr2 connect and reach Established, each in its own Session created when it
// connected, with its own AS. out is refused at once by the listener: no Session, no state
// message, and podbgp's log says 'connection refused (not-configured)'.
import { expect } from 'chai';
import { checkConfig } from '../config/schema.ts';
import { Bird, Frr, sleep, waitFor } from './lab/index.ts';
import { SessionLab } from './lab/session-lab.ts';

describe('e2e session: dynamic-range peers (passive range)', function () {
  this.timeout(90_000);
  const fixture = SessionLab.perTest();

  it('two peers inside the range establish; one outside is refused with no state kept', async () => {
    const lab = await fixture.nodes('sess-range', ['pod', 'bird1', 'frr2', 'out']);
    await lab.link('pod', 'bird1', { v4: ['10.0.9.1/30', '10.0.9.2/30'] });
    await lab.link('pod', 'frr2', { v4: ['10.0.9.5/30', '10.0.9.6/30'] });
    await lab.link('pod', 'out', { v4: ['10.0.10.1/30', '10.0.10.2/30'] });

    const p = await fixture.startPodbgp({ asn: 65001, routerId: '10.0.9.1' });
    const range = checkConfig(
      {
        asn: 1,
        routerId: '9.9.9.9',
        peers: [
          {
            range: '10.0.9.0/24',
            asn: 'external',
            passive: true,
            families: ['ipv4-unicast'],
            timers: { holdTime: 9, connectRetryTime: 1 },
          },
        ],
      },
      '',
    ).peers[0]!;
    expect(p.manager.addPeer(range), 'a range has no Session until a peer connects').to.equal(null);

    const bird = await Bird.start(lab, 'bird1', {
      routerId: '10.0.9.2',
      neighbors: [{ name: 'pod', address: '10.0.9.1', remoteAs: 65001, localAs: 65011 }],
    });
    const frr = await Frr.start(lab, 'frr2', {
      asn: 65012,
      routerId: '10.0.9.6',
      neighbors: [{ address: '10.0.9.5', remoteAs: 65001 }],
    });
    const outside = await Bird.start(lab, 'out', {
      routerId: '10.0.10.2',
      neighbors: [{ name: 'pod', address: '10.0.10.1', remoteAs: 65001, localAs: 65013 }],
    });

    await bird.waitEstablished('pod');
    await frr.waitEstablished('10.0.9.5');
    await p.waitEstablished('10.0.9.2');
    await p.waitEstablished('10.0.9.6');
    const ups = p.ofKind('peer-up');
    expect(ups.find((u) => u.peer === '10.0.9.2')?.negotiated.remoteAs).to.equal(65011);
    expect(ups.find((u) => u.peer === '10.0.9.6')?.negotiated.remoteAs).to.equal(65012);
    expect(p.session('10.0.9.2').settings.dynamic).to.equal(true);

    // The outside peer keeps trying (connect retry 1 s); every attempt is refused at once.
    await waitFor(
      'a refused connection from 10.0.10.2 in the log',
      () => p.log.filter((l) => l.includes('10.0.10.2') && l.includes('connection refused (not-configured)')),
      (lines) => lines.length >= 2,
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    await sleep(500);
    expect(p.manager.session('10.0.10.2'), 'no Session for the outside peer').to.equal(undefined);
    expect(
      p.messages.filter((m) => m.peer === '10.0.10.2'),
      'no message about it',
    ).to.deep.equal([]);
    expect(
      p.manager
        .all()
        .map((s) => s.peer)
        .sort(),
    ).to.deep.equal(['10.0.9.2', '10.0.9.6']);
    const seen = await outside.showProtocol('pod');
    expect(seen.bgpState).to.not.equal('Established');
    // The range sessions were not disturbed by the refused connections.
    expect(p.ofKind('peer-down')).to.deep.equal([]);
  });
});
