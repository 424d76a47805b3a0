// e2e: RtnlClient.applyBatch against a namespace's kernel, checked with iproute2: a batch larger
// than one send installs completely; deletes sent in scattered order remove exactly the routes
// asked for; a refused operation inside a scattered delete run is reported with its index in the
// caller's array (not its position on the wire); the event loop keeps running during big sends.
import { expect } from 'chai';
import { FibLab, ipv4Bytes } from './fib-lab.ts';
import type { KernelRoute } from '../rib/fib/route-message.ts';
import type { RouteOp } from '../rib/fib/rtnl-client.ts';
import { RtnlClient } from '../rib/fib/rtnl-client.ts';
import { AddressFamily, Rtn } from '../rib/fib/rtnetlink-constants.ts';

describe('fib: batched route writer in a namespace', function () {
  const lab = new FibLab();
  let ns = '';
  let client: RtnlClient;
  let route: (i: number) => KernelRoute;

  before(function () {
    ns = lab.namespace('batch');
    const { a: ifindex } = lab.veth(ns, 'va', 'vb');
    lab.ip(ns, 'addr add 10.0.0.1/24 dev va');
    const nextHops = [{ gateway: ipv4Bytes('10.0.0.2'), ifindex, weight: 1, onlink: false }];
    route = (i) => ({
      family: AddressFamily.INET,
      dst: [(0x1e000000 + i * 256) >>> 0],
      dstLength: 24,
      table: 254,
      protocol: 201,
      priority: 20,
      type: Rtn.UNICAST,
      nextHops,
    });
    client = new RtnlClient(lab.socket(ns, { sndbuf: 8 << 20, rcvbuf: 32 << 20 }));
  });
  after(() => lab.cleanup());

  it('installs 50k routes across many sends while a 5 ms timer keeps firing', async () => {
    const n = 50_000;
    const ops: RouteOp[] = [];
    for (let i = 0; i < n; i++) ops.push({ op: 'replace', route: route(i) });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const t0 = performance.now();
    const r = await client.applyBatch(ops);
    const ms = performance.now() - t0;
    clearInterval(timer);
    expect(r.failures).to.deep.equal([]);
    expect(lab.ipCount(ns, 'route show proto 201')).to.equal(n);
    // The timer ran during the batch (a batch done in one blocking call would give 0 or 1 ticks).
    expect(ticks).to.be.at.least(Math.min(5, Math.floor(ms / 20)));
  });

  it('deletes in scattered order and maps a refused delete back to its index', async () => {
    const ops: RouteOp[] = [];
    for (let i = 0; i < 50_000; i++) ops.push({ op: 'delete', route: route(i) });
    // Index 777: a route that was never installed (ESRCH); index 31000: the same.
    ops[777] = { op: 'delete', route: route(900_000) };
    ops[31000] = { op: 'delete', route: route(900_001) };
    const r = await client.applyBatch(ops);
    expect(r.failures.map((f) => f.index)).to.deep.equal([777, 31000]);
    expect(r.failures[0].errno).to.equal(3);
    // Everything but the two routes the bad deletes replaced is gone.
    const left = lab
      .ip(ns, 'route show proto 201')
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]);
    expect(left).to.deep.equal(['30.3.9.0/24', '30.121.24.0/24']);
  });
});
