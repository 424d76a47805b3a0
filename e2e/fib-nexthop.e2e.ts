// e2e: next-hop resolution against a namespace's real kernel table. A connected next hop resolves
// to itself on its interface; one behind a static route resolves recursively to that route's
// connected gateway; an unknown one is unreachable; a link going down makes a next hop
// unreachable and a reachability message is emitted.
import { expect } from 'chai';
import { FibLab, ipv4Bytes } from './fib-lab.ts';
import type { NextHopReachability } from '../rib/fib/nexthop-resolver.ts';
import { NextHopResolver } from '../rib/fib/nexthop-resolver.ts';
import { RtnlClient } from '../rib/fib/rtnl-client.ts';

describe('fib: next-hop resolution in a namespace', function () {
  const lab = new FibLab();
  after(() => lab.cleanup());

  it('resolves connected, recursive and unreachable next hops and reports reachability changes', async () => {
    const ns = lab.namespace('nh');
    const { a: ifA } = lab.veth(ns, 'va', 'vb');
    lab.ip(ns, 'addr add 10.0.0.1/24 dev va');
    lab.ip(ns, 'route add 172.16.0.0/16 via 10.0.0.2 proto static');
    lab.ip(ns, 'route add 172.17.0.0/16 via 10.0.0.9 proto 201'); // our own: never used to resolve
    const changes: NextHopReachability[] = [];
    const resolver = new NextHopResolver(new RtnlClient(lab.socket(ns)), { ownProtocol: 201 }, (m) =>
      changes.push(m),
    );
    await resolver.refresh();

    const connected = resolver.resolve(ipv4Bytes('10.0.0.7'));
    expect(connected && [connected.gateway?.join('.'), connected.ifindex]).to.deep.equal(['10.0.0.7', ifA]);
    const recursive = resolver.resolve(ipv4Bytes('172.16.5.5'));
    expect(recursive && [recursive.gateway?.join('.'), recursive.ifindex]).to.deep.equal(['10.0.0.2', ifA]);
    const onlink = resolver.resolve(ipv4Bytes('172.16.5.5'), { onlink: true });
    expect(onlink).to.deep.include({ ifindex: ifA, onlink: true });
    expect(resolver.isReachable(ipv4Bytes('192.0.2.1'))).to.equal(false);
    expect(resolver.isReachable(ipv4Bytes('172.17.1.1'))).to.equal(false);

    expect(resolver.watch(ipv4Bytes('172.16.5.5'))).to.equal(true);
    lab.ip(ns, 'link set va down');
    await resolver.refresh();
    expect(changes).to.deep.equal([
      { kind: 'nexthop-reachability', address: '172.16.5.5', reachable: false },
    ]);
    lab.ip(ns, 'link set va up');
    lab.ip(ns, 'route replace 172.16.0.0/16 via 10.0.0.2 proto static');
    await resolver.refresh();
    expect(changes.at(-1)).to.deep.equal({
      kind: 'nexthop-reachability',
      address: '172.16.5.5',
      reachable: true,
    });
  });
});
