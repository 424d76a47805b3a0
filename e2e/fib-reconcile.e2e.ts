// e2e: the Fib programs a namespace's kernel table and iproute2 (`ip -j route`) checks it:
// IPv4/IPv6 install, replace, delete; ECMP; blackhole; protocol, table and metric; startup
// reconciliation that leaves a correct route untouched (no `ip monitor` event for it) and removes
// only stale routes of our protocol; restore after `ip route del`; restore after link down/up;
// per-route errors mapped back to the route while the rest of the batch installs.
import { formatIpv4 } from '../bgp/wire/prefix-text.ts';
import { expect } from 'chai';
import { FibLab, ipv4, ipv4Bytes } from './fib-lab.ts';
import type { FibMessage } from '../rib/fib/fib.ts';
import { Fib } from '../rib/fib/fib.ts';
import { fibKey } from '../rib/fib/route-identity.ts';
import { RtnlClient } from '../rib/fib/rtnl-client.ts';
import { AddressFamily, Rtn } from '../rib/fib/rtnetlink-constants.ts';
import type { KernelNextHop } from '../rib/fib/route-message.ts';

interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  metric?: number;
  type?: string;
  nexthops?: { gateway: string; dev: string; weight: number }[];
}

const v4 = (cidr: string): { family: number; dst: number[]; dstLength: number } => {
  const [a, l] = cidr.split('/');
  return { family: AddressFamily.INET, dst: [ipv4(a)], dstLength: Number(l) };
};
const v6words = (hex: string): number[] => [0x20010db8, parseInt(hex, 16) << 16, 0, 0];

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('fib: kernel reconciliation in a namespace', function () {
  const lab = new FibLab();
  let ns = '';
  let ifA = 0;
  let fib: Fib;
  const events: FibMessage[] = [];
  const gw = (a: string): KernelNextHop => ({ gateway: ipv4Bytes(a), ifindex: 0, weight: 1, onlink: false });
  const routes = (args = ''): IpRoute[] => lab.ipJson<IpRoute[]>(ns, `route show proto 201 ${args}`);

  before(function () {
    ns = lab.namespace('fib');
    ({ a: ifA } = lab.veth(ns, 'va', 'vb'));
    lab.ip(ns, 'addr add 10.0.0.1/24 dev va');
    lab.ip(ns, 'addr add 2001:db8::1/64 dev va nodad');
  });
  after(() => {
    fib?.stop();
    lab.cleanup();
  });

  it('startup reconcile: leaves a correct route untouched, removes stale ones of protocol 201 only', async () => {
    // State as left by a previous podbgp run and by other daemons.
    lab.ip(ns, 'route add 10.10.0.0/16 via 10.0.0.2 proto 201 metric 20'); // correct: keep, untouched
    lab.ip(ns, 'route add 10.11.0.0/16 via 10.0.0.2 proto 201 metric 20'); // stale: remove
    lab.ip(ns, 'route add 10.12.0.0/16 via 10.0.0.2 proto 186 metric 20'); // FRR/BIRD: leave alone
    lab.ip(ns, 'route add 10.13.0.0/16 via 10.0.0.2 proto static'); // static: leave alone
    const mon = lab.monitor(ns, ['monitor', 'route']);
    await new Promise((r) => setTimeout(r, 300));
    const rtnl = new RtnlClient(lab.socket(ns, { rcvbuf: 8 << 20, sndbuf: 4 << 20 }));
    fib = new Fib(rtnl, { reconcileIntervalMs: 3_600_000 }, (m) => events.push(m));
    fib.setDesired(fibKey(2, [ipv4('10.10.0.0')], 16), { ...v4('10.10.0.0/16'), nextHops: [gw('10.0.0.2')] });
    fib.setDesired(fibKey(2, [ipv4('10.20.0.0')], 16), { ...v4('10.20.0.0/16'), nextHops: [gw('10.0.0.3')] });
    await fib.start(lab.socket(ns, { groups: Fib.EVENT_GROUPS, rcvbuf: 8 << 20 }));
    await fib.settled();
    await new Promise((r) => setTimeout(r, 300));
    const seen = mon.output();
    expect(seen).to.contain('10.11.0.0/16'); // the stale delete was seen
    expect(seen).to.contain('10.20.0.0/16');
    expect(seen).not.to.contain('10.10.0.0/16'); // the correct route got no event at all
    expect(routes().map((r) => r.dst)).to.have.members(['10.10.0.0/16', '10.20.0.0/16']);
    const all = lab.ipJson<IpRoute[]>(ns, 'route show').map((r) => r.dst);
    expect(all).to.include.members(['10.12.0.0/16', '10.13.0.0/16']);
  });

  it('installs IPv4 with metric and table, replaces a changed next hop, deletes a withdrawn route', async () => {
    const key = fibKey(2, [ipv4('10.30.0.0')], 16);
    fib.setDesired(key, { ...v4('10.30.0.0/16'), nextHops: [gw('10.0.0.2')] });
    await fib.settled();
    let [r] = routes('10.30.0.0/16');
    expect(r).to.include({ dst: '10.30.0.0/16', gateway: '10.0.0.2', dev: 'va', metric: 20 });
    fib.setDesired(key, { ...v4('10.30.0.0/16'), nextHops: [gw('10.0.0.4')] });
    await fib.settled();
    [r] = routes('10.30.0.0/16');
    expect(r.gateway).to.equal('10.0.0.4');
    fib.setDesired(key, null);
    await fib.settled();
    expect(routes('10.30.0.0/16')).to.have.length(0);
  });

  it('installs an ECMP route as RTA_MULTIPATH with weights, and a blackhole', async () => {
    fib.setDesired(fibKey(2, [ipv4('10.40.0.0')], 16), {
      ...v4('10.40.0.0/16'),
      nextHops: [gw('10.0.0.2'), { ...gw('10.0.0.3'), weight: 3 }],
    });
    fib.setDesired(fibKey(2, [ipv4('10.41.0.0')], 16), {
      ...v4('10.41.0.0/16'),
      type: Rtn.BLACKHOLE,
      nextHops: [],
    });
    await fib.settled();
    const [ecmp] = routes('10.40.0.0/16');
    expect(ecmp.nexthops?.map((h) => [h.gateway, h.weight])).to.have.deep.members([
      ['10.0.0.2', 1],
      ['10.0.0.3', 3],
    ]);
    const [bh] = routes('10.41.0.0/16');
    expect(bh.type).to.equal('blackhole');
  });

  it('installs IPv6 routes (single and ECMP) and an IPv4 route with an IPv6 next hop (RTA_VIA)', async () => {
    const g6 = (last: number): KernelNextHop => {
      const b = new Uint8Array(16);
      b.set([0x20, 0x01, 0x0d, 0xb8]);
      b[15] = last;
      return { gateway: b, ifindex: ifA, weight: 1, onlink: false };
    };
    fib.setDesired(fibKey(10, v6words('1'), 48), {
      family: AddressFamily.INET6,
      dst: v6words('1'),
      dstLength: 48,
      nextHops: [g6(2)],
    });
    fib.setDesired(fibKey(10, v6words('2'), 48), {
      family: AddressFamily.INET6,
      dst: v6words('2'),
      dstLength: 48,
      nextHops: [g6(2), g6(3)],
    });
    fib.setDesired(fibKey(2, [ipv4('10.50.0.0')], 16), { ...v4('10.50.0.0/16'), nextHops: [g6(2)] });
    await fib.settled();
    const six = lab.ipJson<IpRoute[]>(ns, '-6 route show proto 201');
    const one = six.find((r) => r.dst === '2001:db8:1::/48');
    expect(one).to.include({ gateway: '2001:db8::2', metric: 20 });
    const two = six.find((r) => r.dst === '2001:db8:2::/48');
    expect(two?.nexthops?.map((h) => h.gateway)).to.have.members(['2001:db8::2', '2001:db8::3']);
    expect(events.filter((e) => e.kind === 'fib-failed')).to.deep.equal([]);
    const via = lab.ip(ns, 'route show 10.50.0.0/16');
    expect(via).to.match(/via inet6 2001:db8::2 dev va proto 201 metric 20/);
  });

  it('maps a per-route kernel error back to its route while the rest of the batch installs', async () => {
    const before = events.length;
    fib.setDesired(fibKey(2, [ipv4('10.60.0.0')], 16), { ...v4('10.60.0.0/16'), nextHops: [gw('10.0.0.2')] });
    fib.setDesired(fibKey(2, [ipv4('10.61.0.0')], 16), {
      ...v4('10.61.0.0/16'),
      nextHops: [gw('192.0.2.1')],
    });
    fib.setDesired(fibKey(2, [ipv4('10.62.0.0')], 16), { ...v4('10.62.0.0/16'), nextHops: [gw('10.0.0.2')] });
    await fib.settled();
    const failed = events.slice(before).filter((e) => e.kind === 'fib-failed');
    expect(failed).to.have.length(1);
    expect(failed[0]).to.include({ prefix: '10.61.0.0/16', op: 'replace', errno: 101 });
    expect(failed[0].kind === 'fib-failed' && failed[0].message).to.match(/gateway|unreachable/i);
    expect(routes().map((r) => r.dst)).to.include.members(['10.60.0.0/16', '10.62.0.0/16']);
    expect(routes().map((r) => r.dst)).not.to.include('10.61.0.0/16');
    // What `podbgp fib` shows: the refused route is wanted but missing, with the kernel's reason.
    const views = [...fib.routeViews()].map((v) => ({
      prefix: `${formatIpv4(v.route.dst[0]!)}/${v.route.dstLength}`,
      match: v.match,
    }));
    expect(views).to.deep.include({ prefix: '10.61.0.0/16', match: 'missing' });
    expect(views).to.deep.include({ prefix: '10.60.0.0/16', match: 'yes' });
    expect(fib.failureOf(fibKey(2, [ipv4('10.61.0.0')], 16))?.errno).to.equal(101);
    fib.setDesired(fibKey(2, [ipv4('10.61.0.0')], 16), null);
    await fib.settled();
  });

  it('a full reconcile of a correct table changes nothing (IPv4, IPv6, ECMP, RTA_VIA, blackhole)', async () => {
    const before = events.length;
    await fib.reconcile();
    const done = events.slice(before).filter((e) => e.kind === 'fib-reconciled');
    expect(done).to.have.length(1);
    expect(done[0]).to.include({ full: true, installed: 0, removed: 0, failed: 0 });
    expect(done[0].kind === 'fib-reconciled' && done[0].unchanged).to.be.greaterThan(6);
  });

  it('restores a route deleted by hand with ip route del', async () => {
    lab.ip(ns, 'route del 10.10.0.0/16 proto 201');
    await until(() => routes('10.10.0.0/16').length === 1);
  });

  it('restores IPv4 routes after the link goes down and comes back up', async () => {
    lab.ip(ns, 'link set va down');
    await until(() => routes('10.20.0.0/16').length === 0);
    lab.ip(ns, 'link set va up');
    await until(() => routes('10.20.0.0/16').length === 1 && routes('10.10.0.0/16').length === 1, 8000);
  });
});
