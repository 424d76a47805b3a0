// Proves the e2e lab library itself against real daemons: BIRD <-> FRR eBGP over IPv4 and over
// IPv6 transport reach Established and each learns the other's route (asserted with birdc and
// vtysh); GoBGP <-> BIRD and ExaBGP -> BIRD exchange routes; a tcpdump capture decodes with tshark
// into whole messages; and destroy() leaves no
// namespace or process behind. Each test builds and destroys its own lab.
import { expect } from 'chai';
import { Lab, Bird, Frr, GoBgp, ExaBgp, execArgv, waitFor, startCapture, tsharkDecode } from './lab/index.ts';

async function namespaces(): Promise<string[]> {
  const { stdout } = await execArgv(['ip', 'netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n !== '');
}

describe('e2e lab', function () {
  let lab: Lab | undefined;

  afterEach(async function () {
    await lab?.destroy();
    lab = undefined;
  });

  it('BIRD <-> FRR eBGP over IPv4 transport: Established, routes learned both ways', async function () {
    lab = await Lab.create('bf4');
    await lab.addNode('bird');
    await lab.addNode('frr');
    await lab.link('bird', 'frr', { v4: ['10.0.0.1/30', '10.0.0.2/30'] });
    const frr = await Frr.start(lab, 'frr', {
      asn: 65002,
      routerId: '10.0.0.2',
      networks: ['192.0.2.0/24'],
      neighbors: [{ address: '10.0.0.1', remoteAs: 65001 }],
    });
    const bird = await Bird.start(lab, 'bird', {
      routerId: '10.0.0.1',
      staticRoutes: [{ prefix: '198.51.100.0/24' }],
      neighbors: [{ name: 'frr', address: '10.0.0.2', remoteAs: 65002, localAs: 65001 }],
    });
    await bird.waitEstablished('frr');
    await frr.waitEstablished('10.0.0.1');
    const learned = await waitFor(
      'BIRD to learn 192.0.2.0/24 from FRR',
      () => bird.showRoutes({ protocol: 'frr' }),
      (routes) => routes.some((r) => r.prefix === '192.0.2.0/24'),
    );
    const route = learned.find((r) => r.prefix === '192.0.2.0/24');
    expect(route?.attributes['BGP.as_path']).to.equal('65002');
    expect(route?.via[0]).to.match(/^via 10\.0\.0\.2 on /);
    const frrRoutes = await waitFor(
      'FRR to learn 198.51.100.0/24 from BIRD',
      () => frr.routes('ipv4'),
      (routes) => (routes['198.51.100.0/24'] ?? []).some((p) => p.valid === true),
    );
    expect(frrRoutes['198.51.100.0/24']?.[0]?.path).to.equal('65001');
    expect(frrRoutes['198.51.100.0/24']?.[0]?.nexthops?.[0]?.ip).to.equal('10.0.0.1');
  });

  it('BIRD <-> FRR eBGP over IPv6 transport: Established, IPv6 routes learned both ways', async function () {
    lab = await Lab.create('bf6');
    await lab.addNode('bird');
    await lab.addNode('frr');
    await lab.link('bird', 'frr', { v6: ['fd00:1::1/64', 'fd00:1::2/64'] });
    const frr = await Frr.start(lab, 'frr', {
      asn: 4200000002,
      routerId: '192.0.2.2',
      networks: ['2001:db8:2::/48'],
      neighbors: [{ address: 'fd00:1::1', remoteAs: 4200000001 }],
    });
    const bird = await Bird.start(lab, 'bird', {
      routerId: '192.0.2.1',
      staticRoutes: [{ prefix: '2001:db8:1::/48' }],
      neighbors: [{ name: 'frr', address: 'fd00:1::2', remoteAs: 4200000002, localAs: 4200000001 }],
    });
    await bird.waitEstablished('frr');
    await frr.waitEstablished('fd00:1::1');
    const birdRoutes = await waitFor(
      'BIRD to learn 2001:db8:2::/48 from FRR',
      () => bird.showRoutes({ protocol: 'frr' }),
      (routes) => routes.some((r) => r.prefix === '2001:db8:2::/48'),
    );
    expect(birdRoutes.find((r) => r.prefix === '2001:db8:2::/48')?.attributes['BGP.as_path']).to.equal(
      '4200000002',
    );
    const frrRoutes = await waitFor(
      'FRR to learn 2001:db8:1::/48 from BIRD',
      () => frr.routes('ipv6'),
      (routes) => (routes['2001:db8:1::/48'] ?? []).some((p) => p.valid === true),
    );
    expect(frrRoutes['2001:db8:1::/48']?.[0]?.path).to.equal('4200000001');
  });

  it('GoBGP <-> BIRD: Established and a GoBGP route reaches BIRD', async function () {
    lab = await Lab.create('gb');
    await lab.addNode('gobgp');
    await lab.addNode('bird');
    await lab.link('gobgp', 'bird', { v4: ['10.0.1.1/30', '10.0.1.2/30'] });
    const gobgp = await GoBgp.start(lab, 'gobgp', {
      asn: 65003,
      routerId: '10.0.1.1',
      neighbors: [{ address: '10.0.1.2', remoteAs: 65001 }],
    });
    const bird = await Bird.start(lab, 'bird', {
      routerId: '10.0.1.2',
      neighbors: [{ name: 'gobgp', address: '10.0.1.1', remoteAs: 65003, localAs: 65001 }],
    });
    await bird.waitEstablished('10.0.1.1');
    await gobgp.waitEstablished('10.0.1.2');
    await gobgp.addRoute({ prefix: '203.0.113.0/24', nextHop: '10.0.1.1', attributes: ['med', '7'] });
    const routes = await waitFor(
      'BIRD to learn 203.0.113.0/24 from GoBGP',
      () => bird.showRoutes({ protocol: 'gobgp' }),
      (r) => r.some((x) => x.prefix === '203.0.113.0/24'),
    );
    expect(routes.find((r) => r.prefix === '203.0.113.0/24')?.attributes['BGP.med']).to.equal('7');
  });

  it('ExaBGP -> BIRD: Established and ExaBGP static and API routes reach BIRD', async function () {
    lab = await Lab.create('eb');
    await lab.addNode('exa');
    await lab.addNode('bird');
    await lab.link('exa', 'bird', { v4: ['10.0.2.1/30', '10.0.2.2/30'] });
    const bird = await Bird.start(lab, 'bird', {
      routerId: '10.0.2.2',
      neighbors: [{ name: 'exa', address: '10.0.2.1', remoteAs: 65004, localAs: 65001 }],
    });
    const exa = await ExaBgp.start(lab, 'exa', {
      neighbors: [
        {
          address: '10.0.2.2',
          localAddress: '10.0.2.1',
          localAs: 65004,
          remoteAs: 65001,
          routerId: '10.0.2.1',
          routes: ['10.77.0.0/16 next-hop 10.0.2.1 community [65004:1]'],
        },
      ],
    });
    await exa.waitEstablished('10.0.2.2');
    await bird.waitEstablished('exa');
    exa.command('announce route 10.78.0.0/16 next-hop 10.0.2.1');
    const routes = await waitFor(
      'BIRD to learn 10.77.0.0/16 and 10.78.0.0/16 from ExaBGP',
      () => bird.showRoutes({ protocol: 'exa' }),
      (r) => r.some((x) => x.prefix === '10.77.0.0/16') && r.some((x) => x.prefix === '10.78.0.0/16'),
    );
    expect(routes.find((r) => r.prefix === '10.77.0.0/16')?.attributes['BGP.community']).to.equal(
      '(65004,1)',
    );
  });

  it('capture + tsharkDecode: whole BGP messages from both sides of a FRR <-> BIRD session', async function () {
    lab = await Lab.create('cap');
    await lab.addNode('bird');
    await lab.addNode('frr');
    await lab.link('bird', 'frr', { v4: ['10.0.8.1/30', '10.0.8.2/30'] });
    const capture = await startCapture(lab, 'frr', 'bird', `${lab.dir('captures')}/frr-bird.pcap`);
    const frr = await Frr.start(lab, 'frr', {
      asn: 65002,
      routerId: '10.0.8.2',
      networks: ['192.0.2.0/24'],
      neighbors: [{ address: '10.0.8.1', remoteAs: 65001 }],
    });
    const bird = await Bird.start(lab, 'bird', {
      routerId: '10.0.8.1',
      neighbors: [{ name: 'frr', address: '10.0.8.2', remoteAs: 65002, localAs: 65001 }],
    });
    await bird.waitEstablished('frr');
    await waitFor(
      'BIRD to learn 192.0.2.0/24',
      () => bird.showRoutes({ protocol: 'frr' }),
      (r) => r.some((x) => x.prefix === '192.0.2.0/24'),
    );
    await frr.configureBgp(['neighbor 10.0.8.1 shutdown message "lab capture test"']);
    await waitFor(
      'BIRD to leave Established',
      () => bird.showProtocol('frr'),
      (p) => p.bgpState !== 'Established',
    );
    const messages = await tsharkDecode(await capture.stop());
    const opens = messages.filter((m) => m.type === 1);
    expect(opens.map((m) => m.src).sort()).to.deep.equal(['10.0.8.1', '10.0.8.2']);
    expect(opens.find((m) => m.src === '10.0.8.2')?.fields['bgp.open.myas']).to.deep.equal(['65002']);
    const update = messages.find(
      (m) => m.type === 2 && m.src === '10.0.8.2' && m.fields['bgp.nlri_prefix'] !== undefined,
    );
    expect(update?.fields['bgp.nlri_prefix']).to.deep.equal(['192.0.2.0']);
    // The shutdown is a Cease (6); every message's hex passed the marker/length check in tsharkDecode.
    expect(
      messages.some(
        (m) => m.type === 3 && m.src === '10.0.8.2' && m.fields['bgp.notify.major_error']?.[0] === '6',
      ),
    ).to.equal(true);
  });

  it('destroy() removes every namespace and stops every daemon, and is idempotent', async function () {
    const own = await Lab.create('gone');
    lab = own;
    await own.addNode('x');
    await own.addNode('y');
    await own.link('x', 'y', { v4: ['10.0.3.1/30', '10.0.3.2/30'] });
    const sleeper = own.spawn('x', ['sleep', '60'], { logFile: `${own.dir('x')}/sleep.log` });
    expect((await namespaces()).filter((n) => n.startsWith(own.prefix))).to.have.length(2);
    const ping = await own.exec('x', ['ping', '-c', '1', '-W', '2', '10.0.3.2']);
    expect(ping.code).to.equal(0);
    await own.destroy();
    await own.destroy();
    expect(sleeper.running).to.equal(false);
    expect((await namespaces()).filter((n) => n.startsWith(own.prefix))).to.deep.equal([]);
  });
});
