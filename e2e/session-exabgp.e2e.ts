// ExaBGP as a route sender to podbgp: ExaBGP (namespace "peer") connects to podbgp (namespace
// "pod", passive) without the 4-octet AS capability and announces static routes with MED and a
// community. Checked: the session is negotiated with 2-octet AS, and the routes arrive as decoded
// UPDATE messages with their attributes.
import { expect } from 'chai';
import { formatPrefixes } from '../bgp/wire/prefix-text.ts';
import { ExaBgp } from './lab/index.ts';
import { SessionLab } from './lab/session-lab.ts';

describe('e2e session: ExaBGP as a route sender', function () {
  this.timeout(120_000);
  const fixture = SessionLab.perTest();

  it('its routes arrive at podbgp as decoded UPDATEs over a 2-octet-AS session', async () => {
    const { lab } = await fixture.podAndPeer('sess-exa', { v4: ['10.0.5.1/24', '10.0.5.2/24'] });
    const pod = await fixture.startPodbgp({ asn: 65001, routerId: '10.0.5.1' });
    pod.addPeer({
      address: '10.0.5.2',
      asn: 65002,
      passive: true,
      families: ['ipv4-unicast'],
      timers: { holdTime: 9, connectRetryTime: 1 },
    });
    await ExaBgp.start(lab, 'peer', {
      neighbors: [
        {
          address: '10.0.5.1',
          localAddress: '10.0.5.2',
          localAs: 65002,
          remoteAs: 65001,
          routerId: '10.0.5.2',
          asn4: false,
          routes: ['192.168.50.0/24 next-hop 10.0.5.2 med 10 community [65002:7]'],
        },
      ],
    });
    await pod.waitEstablished('10.0.5.2');
    expect(pod.ofKind('peer-up')[0]!.negotiated.context.fourOctetAs).to.equal(false);
    const upd = await pod.waitMessage('update', (m) =>
      formatPrefixes(m.msg.nlri).includes('192.168.50.0/24'),
    );
    expect(upd.msg.attrs.med).to.equal(10);
    expect(upd.msg.attrs.communities).to.deep.equal([65002 * 65536 + 7]);
    expect(upd.msg.attrs.asPath).to.deep.equal([{ type: 2, asns: [65002] }]);
  });
});
