// The demo's address plan: addresses per node written out by hand from the plan in topology.ts's
// header, node-count bounds, and the ping ring (each node once source, once destination).
import { expect } from 'chai';
import { buildTopology, pingPairs } from './topology.ts';

describe('demo topology', () => {
  it('plans node 2 of 3 with the addresses the README shows', () => {
    const t = buildTopology(3, 'bird');
    expect(t.tor).to.deep.equal({ name: 'tor', kind: 'bird', asn: 65000, routerId: '10.0.0.254' });
    expect(t.nodes.map((n) => n.name)).to.deep.equal(['node1', 'node2', 'node3']);
    const n = t.nodes[1]!;
    expect(n.asn).to.equal(64514);
    expect(n.routerId).to.equal('10.0.2.2');
    expect(n.uplink).to.deep.equal({ ifName: 'tor', v4: '10.0.2.2', v6: 'fd00:0:2::2' });
    expect(n.torSide).to.deep.equal({ ifName: 'node2', v4: '10.0.2.1', v6: 'fd00:0:2::1' });
    expect([n.podCidrV4, n.podCidrV6]).to.deep.equal(['10.244.2.0/24', 'fd00:10:244:2::/64']);
    expect(n.pod).to.deep.equal({ name: 'pod2', ifName: 'eth0', v4: '10.244.2.10', v6: 'fd00:10:244:2::10' });
    expect(n.podGateway).to.deep.equal({ ifName: 'pod', v4: '10.244.2.1', v6: 'fd00:10:244:2::1' });
  });

  it('accepts 2 to 8 nodes only', () => {
    expect(buildTopology(2, 'frr').nodes).to.have.length(2);
    expect(buildTopology(8, 'podbgp').nodes).to.have.length(8);
    for (const bad of [1, 9, 2.5, 0]) expect(() => buildTopology(bad, 'bird')).to.throw(RangeError);
  });

  it('pings in a ring: every node once as source and once as destination', () => {
    const pairs = pingPairs(buildTopology(3, 'bird')).map((p) => `${p.from.name}>${p.to.name}`);
    expect(pairs).to.deep.equal(['node1>node2', 'node2>node3', 'node3>node1']);
    const two = pingPairs(buildTopology(2, 'bird')).map((p) => `${p.from.name}>${p.to.name}`);
    expect(two).to.deep.equal(['node1>node2', 'node2>node1']);
  });
});
