// e2e: the Fib at table scale, in a namespace with iproute2 as the oracle and the kernel event
// socket on (as the daemon runs it): 100k IPv4 routes install and withdraw completely; a pass that
// big reports one fib-batch message (counts), not 100k per-route ones; kernelRouteCount and
// kernelRoutes() agree with `ip route`; a route the kernel refused inside a big batch is reported
// once with its prefix and, once fixed, comes back in the batch's `recovered` keys; our own
// changes echoed by the kernel trigger no full reconcile.
import { expect } from 'chai';
import { FibLab, ipv4, ipv4Bytes } from './fib-lab.ts';
import type { FibMessage } from '../rib/fib/fib.ts';
import { Fib, PER_ROUTE_MESSAGES } from '../rib/fib/fib.ts';
import { fibKey } from '../rib/fib/route-identity.ts';
import { RtnlClient } from '../rib/fib/rtnl-client.ts';
import { AddressFamily } from '../rib/fib/rtnetlink-constants.ts';

const N = 100_000;
/** Route i is the /24 at 30.0.0.0 + i*256. */
const dstOf = (i: number): number => (0x1e000000 + i * 256) >>> 0;

describe('fib: the Fib owner at 100k routes in a namespace', function () {
  const lab = new FibLab();
  let ns = '';
  let ifindex = 0;
  let fib: Fib;
  const events: FibMessage[] = [];
  const count = (): number => lab.ipCount(ns, 'route show proto 201');
  const kinds = (from: number, kind: FibMessage['kind']): FibMessage[] =>
    events.slice(from).filter((e) => e.kind === kind);
  const want = (i: number, gateway: string): void => {
    const dst = dstOf(i);
    fib.setDesired(fibKey(AddressFamily.INET, [dst], 24), {
      family: AddressFamily.INET,
      dst: [dst],
      dstLength: 24,
      nextHops: [{ gateway: ipv4Bytes(gateway), ifindex, weight: 1, onlink: false }],
    });
  };

  before(async function () {
    ns = lab.namespace('scale');
    ({ a: ifindex } = lab.veth(ns, 'va', 'vb'));
    lab.ip(ns, 'addr add 10.0.0.1/24 dev va');
    const rtnl = new RtnlClient(lab.socket(ns, { sndbuf: 4 << 20, rcvbuf: 64 << 20 }));
    fib = new Fib(rtnl, { reconcileIntervalMs: 3_600_000 }, (m) => events.push(m));
    await fib.start(lab.socket(ns, { groups: Fib.EVENT_GROUPS, rcvbuf: 16 << 20 }));
  });
  after(() => {
    fib?.stop();
    lab.cleanup();
  });

  it('installs 100k routes with one fib-batch message and counts them like ip route does', async () => {
    const from = events.length;
    for (let i = 0; i < N; i++) want(i, '10.0.0.2');
    await fib.settled();
    expect(count()).to.equal(N);
    expect(fib.kernelRouteCount).to.equal(N);
    expect(kinds(from, 'fib-installed')).to.have.length(0);
    const batches = kinds(from, 'fib-batch');
    expect(batches.reduce((n, b) => n + (b.kind === 'fib-batch' ? b.installed : 0), 0)).to.equal(N);
    let matching = 0;
    for (const { matchesRib } of fib.kernelRoutes()) if (matchesRib) matching++;
    expect(matching).to.equal(N);
  });

  it('reports a refused route inside a big batch once, and lists it as recovered when fixed', async () => {
    let from = events.length;
    // 2000 changed next hops, one of them unreachable (ENETUNREACH).
    for (let i = 0; i < 2000; i++) want(i, i === 1234 ? '192.0.2.1' : '10.0.0.3');
    await fib.settled();
    const failed = kinds(from, 'fib-failed');
    expect(failed).to.have.length(1);
    expect(failed[0]).to.include({ prefix: '30.4.210.0/24', op: 'replace', errno: 101 });
    expect(fib.failureOf(fibKey(AddressFamily.INET, [ipv4('30.4.210.0')], 24))?.errno).to.equal(101);
    expect(kinds(from, 'fib-batch')).to.have.length(1);
    from = events.length;
    for (let i = 0; i < 2000; i++) want(i, '10.0.0.2');
    await fib.settled();
    const [batch] = kinds(from, 'fib-batch');
    // 1234 still had its old route via 10.0.0.2 (the replace was refused): unchanged, yet recovered.
    expect(1999).to.be.above(PER_ROUTE_MESSAGES);
    expect(batch).to.deep.include({ installed: 1999, removed: 0 });
    expect(batch.kind === 'fib-batch' && batch.recovered).to.deep.equal([
      fibKey(AddressFamily.INET, [ipv4('30.4.210.0')], 24),
    ]);
    expect(fib.failureOf(fibKey(AddressFamily.INET, [ipv4('30.4.210.0')], 24))).to.equal(undefined);
    expect(lab.ip(ns, 'route show 30.4.210.0/24')).to.contain('via 10.0.0.2');
  });

  it('withdraws all 100k; the kernel echoes of our own changes never forced a full reconcile', async () => {
    const from = events.length;
    for (let i = 0; i < N; i++) fib.setDesired(fibKey(AddressFamily.INET, [dstOf(i)], 24), null);
    await fib.settled();
    expect(count()).to.equal(0);
    expect(fib.kernelRouteCount).to.equal(0);
    expect([...fib.kernelRoutes()]).to.have.length(0);
    const batches = kinds(from, 'fib-batch');
    expect(batches.reduce((n, b) => n + (b.kind === 'fib-batch' ? b.removed : 0), 0)).to.equal(N);
    // Only the start-up reconcile was a full one.
    expect(events.filter((e) => e.kind === 'fib-reconciled' && e.full)).to.have.length(1);
  });
});
