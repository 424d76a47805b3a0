// The RIB driven by recorded sequences of UPDATEs (built by hand as decoded PrefixList /
// PathAttributes values), checking the fib-change and best-change output, explain, ECMP,
// ineligibility and recovery, loop checks, graceful-restart stale handling and interning refcounts.
import { expect } from 'chai';
import type { PathAttributes, PrefixList } from '../bgp/wire/types.ts';
import type { FibChange, LocRibSink } from './messages.ts';
import type { RibPeer } from './peer.ts';
import { Rib } from './rib.ts';
import { makePeer, ribConfig } from './peer.ts';
import { formatAddressBytes, formatPrefix, parseAddressBytes, parseIpv4, parsePrefix } from './prefix.ts';
import { explain } from './explain.ts';
import { runJobNow } from './job.ts';
import { Policy } from './policy/policy.ts';

const LOCAL_AS = 65000;
const acceptAll = new Policy('accept-all', [], 'accept');

function v4list(...prefixes: string[]): PrefixList {
  const ps = prefixes.map(parsePrefix);
  return {
    afi: 1,
    count: ps.length,
    words: Uint32Array.from(ps.map((p) => p.words[0])),
    lengths: Uint8Array.from(ps.map((p) => p.length)),
    pathIds: null,
  };
}

function v6list(...prefixes: string[]): PrefixList {
  const ps = prefixes.map(parsePrefix);
  return {
    afi: 2,
    count: ps.length,
    words: Uint32Array.from(ps.flatMap((p) => p.words)),
    lengths: Uint8Array.from(ps.map((p) => p.length)),
    pathIds: null,
  };
}

class Recorder implements LocRibSink {
  fib: FibChange[] = [];
  best: number[] = [];
  fibChange(m: FibChange): void {
    this.fib.push(m);
  }
  bestChanged(_afi: number, slot: number): void {
    this.best.push(slot);
  }
  lastFib(): [string, string[] | null] {
    const m = this.fib[this.fib.length - 1];
    return [formatPrefix(m.prefix), m.nextHops === null ? null : m.nextHops.map(formatAddressBytes)];
  }
}

function setup(opts: { maxPaths?: number; relax?: boolean; unreachable?: Set<string> } = {}) {
  const sink = new Recorder();
  const unreachable = opts.unreachable ?? new Set<string>();
  const rib = new Rib({
    config: ribConfig({
      localAs: LOCAL_AS,
      routerId: parseIpv4('10.255.0.1'),
      decision: { maxPaths: opts.maxPaths ?? 1, multipathRelax: opts.relax ?? false },
    }),
    nextHopReachable: (a) => !unreachable.has(formatAddressBytes(a)),
    sink,
  });
  let next = 1;
  const peer = (addr: string, asn: number, extra: Partial<Parameters<typeof makePeer>[0]> = {}): RibPeer => {
    const p = makePeer({
      index: next++,
      address: parseAddressBytes(addr),
      asn,
      routerId: parseIpv4(addr),
      localAs: LOCAL_AS,
      importPolicy: asn === LOCAL_AS ? null : acceptAll,
      ...extra,
    });
    rib.addPeer(p);
    return p;
  };
  return { rib, sink, peer, unreachable };
}

const attrs = (nh: string, asPath: number[], extra: PathAttributes = {}): PathAttributes => ({
  origin: 0,
  asPath: [{ type: 2, asns: asPath }],
  nextHop: parseIpv4(nh),
  ...extra,
});

describe('rib/Rib', () => {
  it('installs a learned route, replaces it on a better path and removes it on withdraw', () => {
    const { rib, sink, peer } = setup();
    const a = peer('10.0.0.1', 65001);
    const b = peer('10.0.0.2', 65002);
    rib.applyUpdate(a, { attrs: attrs('10.0.0.1', [65001, 7]), nlri: v4list('192.168.1.0/24') });
    expect(sink.lastFib()).to.deep.equal(['192.168.1.0/24', ['10.0.0.1']]);
    rib.applyUpdate(b, { attrs: attrs('10.0.0.2', [65002]), nlri: v4list('192.168.1.0/24') });
    expect(sink.lastFib()).to.deep.equal(['192.168.1.0/24', ['10.0.0.2']]);
    const e = explain(rib, parsePrefix('192.168.1.0/24'));
    expect(e.paths.map((p) => [p.peer, p.best, p.lostAt, p.reason])).to.deep.equal([
      ['10.0.0.2', true, null, null],
      ['10.0.0.1', false, 'as-path-length', 'shorter AS_PATH 1 over 2'],
    ]);
    rib.applyUpdate(b, { attrs: {}, withdrawn: v4list('192.168.1.0/24') });
    expect(sink.lastFib()).to.deep.equal(['192.168.1.0/24', ['10.0.0.1']]);
    rib.applyUpdate(a, { attrs: {}, withdrawn: v4list('192.168.1.0/24') });
    expect(sink.lastFib()).to.deep.equal(['192.168.1.0/24', null]);
    expect(rib.locRib(1).prefixes.size).to.equal(0);
    expect(sink.fib).to.have.length(4);
  });

  it('does not re-emit when a re-announcement changes nothing', () => {
    const { rib, sink, peer } = setup();
    const a = peer('10.0.0.1', 65001);
    const u = { attrs: attrs('10.0.0.1', [65001]), nlri: v4list('10.1.0.0/16', '10.2.0.0/16') };
    rib.applyUpdate(a, u);
    rib.applyUpdate(a, u);
    expect(sink.fib).to.have.length(2);
    expect(sink.best).to.have.length(2);
  });

  it('carries IPv6 routes from MP_REACH_NLRI and removes them with MP_UNREACH_NLRI', () => {
    const { rib, sink, peer } = setup();
    const a = peer('10.0.0.1', 65001);
    const nh = parseAddressBytes('2001:db8::1');
    rib.applyUpdate(a, {
      attrs: {
        origin: 0,
        asPath: [{ type: 2, asns: [65001] }],
        mpReach: { afi: 2, safi: 1, nextHop: nh, linkLocal: null, nlri: v6list('2001:db8:1::/48') },
      },
    });
    expect(sink.lastFib()).to.deep.equal(['2001:db8:1::/48', ['2001:db8::1']]);
    rib.applyUpdate(a, { attrs: { mpUnreach: { afi: 2, safi: 1, withdrawn: v6list('2001:db8:1::/48') } } });
    expect(sink.lastFib()).to.deep.equal(['2001:db8:1::/48', null]);
  });

  it('RFC 8212: an eBGP peer without import policy gives nothing; an iBGP peer without one is accepted', () => {
    const { rib, sink, peer } = setup();
    const e = peer('10.0.0.1', 65001, { importPolicy: null });
    const i = peer('10.0.0.3', LOCAL_AS);
    rib.applyUpdate(e, { attrs: attrs('10.0.0.1', [65001]), nlri: v4list('10.9.0.0/16') });
    expect(sink.fib).to.have.length(0);
    expect(rib.interner.size).to.equal(0);
    rib.applyUpdate(i, { attrs: attrs('10.0.0.3', [], { localPref: 100 }), nlri: v4list('10.9.0.0/16') });
    expect(sink.fib).to.have.length(1);
  });

  it('ignores LOCAL_PREF received from an eBGP peer (RFC 4271 §5.1.5)', () => {
    const { rib, peer } = setup();
    const e = peer('10.0.0.1', 65001);
    rib.applyUpdate(e, {
      attrs: attrs('10.0.0.1', [65001], { localPref: 500 }),
      nlri: v4list('10.9.0.0/16'),
    });
    expect(explain(rib, parsePrefix('10.9.0.0/16')).paths[0].localPref).to.equal(null);
  });

  it('ECMP: equal eBGP paths from the same neighbour AS form one route; relax allows different ASes', () => {
    const { rib, sink, peer } = setup({ maxPaths: 4 });
    const a = peer('10.0.0.1', 65001);
    const b = peer('10.0.0.2', 65001);
    const c = peer('10.0.0.3', 65003);
    rib.applyUpdate(a, { attrs: attrs('10.0.0.1', [65001, 9]), nlri: v4list('10.9.0.0/16') });
    rib.applyUpdate(b, { attrs: attrs('10.0.0.2', [65001, 9]), nlri: v4list('10.9.0.0/16') });
    rib.applyUpdate(c, { attrs: attrs('10.0.0.3', [65003, 9]), nlri: v4list('10.9.0.0/16') });
    expect(sink.lastFib()).to.deep.equal(['10.9.0.0/16', ['10.0.0.1', '10.0.0.2']]);
    const e = explain(rib, parsePrefix('10.9.0.0/16'));
    expect(e.paths.filter((p) => p.multipath).map((p) => p.peer)).to.deep.equal(['10.0.0.1', '10.0.0.2']);
    // One ToR dies: its path leaves the route.
    runJobNow(rib.peerDown(a.index));
    expect(sink.lastFib()).to.deep.equal(['10.9.0.0/16', ['10.0.0.2']]);

    const r = setup({ maxPaths: 4, relax: true });
    const ra = r.peer('10.0.0.1', 65001);
    const rc = r.peer('10.0.0.3', 65003);
    r.rib.applyUpdate(ra, { attrs: attrs('10.0.0.1', [65001, 9]), nlri: v4list('10.9.0.0/16') });
    r.rib.applyUpdate(rc, { attrs: attrs('10.0.0.3', [65003, 9]), nlri: v4list('10.9.0.0/16') });
    expect(r.sink.lastFib()).to.deep.equal(['10.9.0.0/16', ['10.0.0.1', '10.0.0.3']]);
  });

  it('an unreachable next hop makes a path ineligible, and it comes back when reachable', () => {
    const unreachable = new Set(['10.0.0.1']);
    const { rib, sink, peer } = setup({ unreachable });
    const a = peer('10.0.0.1', 65001);
    const b = peer('10.0.0.2', 65002);
    rib.applyUpdate(a, { attrs: attrs('10.0.0.1', [65001]), nlri: v4list('10.9.0.0/16') });
    expect(sink.fib).to.have.length(0);
    rib.applyUpdate(b, { attrs: attrs('10.0.0.2', [65002, 5]), nlri: v4list('10.9.0.0/16') });
    expect(sink.lastFib()).to.deep.equal(['10.9.0.0/16', ['10.0.0.2']]);
    const e = explain(rib, parsePrefix('10.9.0.0/16'));
    expect(e.paths.find((p) => p.peer === '10.0.0.1')!.ineligible).to.deep.equal(['next hop unreachable']);
    unreachable.delete('10.0.0.1');
    runJobNow(rib.nextHopChanged(parseAddressBytes('10.0.0.1')));
    expect(sink.lastFib()).to.deep.equal(['10.9.0.0/16', ['10.0.0.1']]);
    unreachable.add('10.0.0.1');
    runJobNow(rib.nextHopChanged(parseAddressBytes('10.0.0.1')));
    expect(sink.lastFib()).to.deep.equal(['10.9.0.0/16', ['10.0.0.2']]);
  });

  it('AS_PATH loops are ineligible unless allowas-in permits the count', () => {
    const { rib, sink, peer } = setup();
    const a = peer('10.0.0.1', 65001);
    const b = peer('10.0.0.2', 65002, { allowAsIn: 1 });
    rib.applyUpdate(a, { attrs: attrs('10.0.0.1', [65001, LOCAL_AS]), nlri: v4list('10.9.0.0/16') });
    expect(sink.fib).to.have.length(0);
    expect(explain(rib, parsePrefix('10.9.0.0/16')).paths[0].ineligible[0]).to.match(/AS_PATH loop/);
    rib.applyUpdate(b, { attrs: attrs('10.0.0.2', [65002, LOCAL_AS]), nlri: v4list('10.9.0.0/16') });
    expect(sink.lastFib()).to.deep.equal(['10.9.0.0/16', ['10.0.0.2']]);
  });

  it('RFC 4456 loop checks: own ORIGINATOR_ID or own cluster id in CLUSTER_LIST', () => {
    const { rib, peer } = setup();
    const i = peer('10.0.0.3', LOCAL_AS);
    rib.applyUpdate(i, {
      attrs: attrs('10.0.0.3', [], { originatorId: parseIpv4('10.255.0.1') }),
      nlri: v4list('10.8.0.0/16'),
    });
    rib.applyUpdate(i, {
      attrs: attrs('10.0.0.3', [], { clusterList: [7, parseIpv4('10.255.0.1')] }),
      nlri: v4list('10.7.0.0/16'),
    });
    expect(explain(rib, parsePrefix('10.8.0.0/16')).paths[0].ineligible).to.deep.equal([
      'ORIGINATOR_ID is our router id',
    ]);
    expect(explain(rib, parsePrefix('10.7.0.0/16')).paths[0].ineligible).to.deep.equal([
      'CLUSTER_LIST contains our cluster id',
    ]);
  });

  it('graceful restart: stale paths survive until sweep; re-announced ones are kept', () => {
    const { rib, sink, peer } = setup();
    const a = peer('10.0.0.1', 65001);
    rib.applyUpdate(a, {
      attrs: attrs('10.0.0.1', [65001]),
      nlri: v4list('10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16'),
    });
    rib.markStale(a.index, 1);
    expect(explain(rib, parsePrefix('10.1.0.0/16')).paths[0].stale).to.equal(true);
    const before = sink.fib.length;
    rib.applyUpdate(a, { attrs: attrs('10.0.0.1', [65001]), nlri: v4list('10.1.0.0/16') });
    rib.applyUpdate(a, { attrs: attrs('10.0.0.9', [65001]), nlri: v4list('10.2.0.0/16') });
    expect(sink.fib.length).to.equal(before + 1); // only 10.2/16's next hop changed
    expect(explain(rib, parsePrefix('10.1.0.0/16')).paths[0].stale).to.equal(false);
    runJobNow(rib.sweepStale(a.index, 1));
    expect(sink.lastFib()).to.deep.equal(['10.3.0.0/16', null]);
    expect(rib.locRib(1).prefixes.size).to.equal(2);
  });

  it('peer-down in slices removes every path and frees the attribute sets', () => {
    const { rib, peer } = setup();
    const a = peer('10.0.0.1', 65001);
    for (let i = 0; i < 50; i++) {
      rib.applyUpdate(a, {
        attrs: attrs('10.0.0.1', [65001, i]),
        nlri: v4list(`10.${i}.0.0/16`, `10.${i}.1.0/24`),
      });
    }
    expect(rib.interner.size).to.equal(50);
    expect(rib.locRib(1).adjIn.countOf(a.index)).to.equal(100);
    const job = rib.peerDown(a.index);
    let slices = 0;
    while (!job.run(7)) slices++;
    expect(slices).to.be.greaterThan(10);
    expect(rib.locRib(1).adjIn.countOf(a.index)).to.equal(0);
    expect(rib.interner.size).to.equal(0);
    expect(rib.locRib(1).prefixes.size).to.equal(0);
  });

  it('soft reconfiguration keeps the pre-policy copy of rejected paths, ineligible', () => {
    const { rib, sink, peer } = setup();
    const reject = new Policy('reject', [], 'reject');
    const a = peer('10.0.0.1', 65001, { importPolicy: reject, softReconfigIn: true });
    rib.applyUpdate(a, { attrs: attrs('10.0.0.1', [65001]), nlri: v4list('10.9.0.0/16') });
    expect(sink.fib).to.have.length(0);
    expect(rib.locRib(1).adjIn.countOf(a.index)).to.equal(1);
    expect(explain(rib, parsePrefix('10.9.0.0/16')).paths[0].ineligible).to.deep.equal([
      'rejected by import policy',
    ]);
  });

  it('a locally originated route wins and removes the kernel route for the prefix', () => {
    const { rib, sink, peer } = setup();
    const i = peer('10.0.0.3', LOCAL_AS);
    rib.applyUpdate(i, { attrs: attrs('10.0.0.3', [], { localPref: 100 }), nlri: v4list('10.244.1.0/24') });
    expect(sink.lastFib()).to.deep.equal(['10.244.1.0/24', ['10.0.0.3']]);
    rib.originate(parsePrefix('10.244.1.0/24'));
    expect(sink.lastFib()).to.deep.equal(['10.244.1.0/24', null]);
    expect(explain(rib, parsePrefix('10.244.1.0/24')).paths[0]).to.include({ peer: 'local', best: true });
  });

  it('applies import policy per prefix within one UPDATE (prefix-list statements with actions)', () => {
    const { rib, sink, peer } = setup();
    const policy = new Policy(
      'imp',
      [
        {
          name: 'no-default',
          conditions: [{ kind: 'prefix-list', entries: [{ prefix: parsePrefix('0.0.0.0/0') }] }],
          actions: [],
          result: 'reject',
        },
        {
          name: 'prefer-pods',
          conditions: [
            { kind: 'prefix-list', entries: [{ prefix: parsePrefix('10.244.0.0/16'), ge: 24, le: 24 }] },
          ],
          actions: [{ kind: 'set-local-pref', value: 300 }],
          result: 'accept',
        },
      ],
      'accept',
    );
    const a = peer('10.0.0.1', 65001, { importPolicy: policy });
    rib.applyUpdate(a, {
      attrs: attrs('10.0.0.1', [65001]),
      nlri: v4list('0.0.0.0/0', '10.244.5.0/24', '10.9.0.0/16'),
    });
    expect(sink.fib.map((m) => formatPrefix(m.prefix)).sort()).to.deep.equal([
      '10.244.5.0/24',
      '10.9.0.0/16',
    ]);
    expect(explain(rib, parsePrefix('10.244.5.0/24')).paths[0].localPref).to.equal(300);
    expect(explain(rib, parsePrefix('10.9.0.0/16')).paths[0].localPref).to.equal(null);
    expect(rib.interner.size).to.equal(2);
  });
});
