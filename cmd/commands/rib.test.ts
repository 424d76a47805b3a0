// `podbgp rib` and `podbgp explain` against the real API server backed by a real Rib
// (api/test-daemon.ts): markers, filters, Adj-RIB-In/Out, golden tables and JSON, the explain
// report from rib/explain.ts, and bad prefixes (exit 2). Expected text written by hand from the
// fixture's UPDATEs and the RFC 4271 §9.1.2.2 decision.
import { expect } from 'chai';
import { CliFixture } from '../test-harness.ts';

describe('cmd: podbgp rib / explain', () => {
  let f: CliFixture;
  before(async () => {
    f = new CliFixture();
    await f.start();
  });
  after(() => f.stop());

  it('rib: golden table with best (*>), multipath (*=), valid (*) and ineligible (blank) paths', async () => {
    const r = await f.run('rib');
    expect(r.code).to.equal(0);
    expect(r.out).to.equal(
      [
        '     PREFIX           NEXT HOP     PEER      AS PATH    ORIGIN      LOCPRF  MED  COMMUNITIES                    AGE',
        ' *>  10.9.0.0/16      10.0.0.1     10.0.0.1  65001 9    IGP         -       -    -                              -',
        ' *=  10.9.0.0/16      10.0.0.2     10.0.0.2  65001 9    IGP         -       -    -                              -',
        ' *   10.9.0.0/16      10.0.0.3     10.0.0.3  65003 9 9  IGP         -       -    -                              -',
        ' *>  10.9.1.0/24      10.0.0.2     10.0.0.2  65001 9    IGP         -       -    -                              -',
        ' *>  10.244.1.0/24    self         local     -          IGP         -       -    -                              -',
        '     172.16.0.0/12    10.0.0.9     10.0.0.9  65009      IGP         -       -    -                              -',
        ' *>  192.168.1.0/24   10.0.0.1     10.0.0.1  65001      IGP         -       10   65001:100 NO_EXPORT 65001:1:2  -',
        ' *   192.168.1.0/24   10.0.0.3     10.0.0.3  65003      INCOMPLETE  -       -    -                              -',
        ' *>  2001:db8:1::/48  2001:db8::1  10.0.0.1  65001      IGP         -       -    -                              -',
        '',
      ].join('\n'),
    );
  });

  it('rib -o wide says why a path is ineligible', async () => {
    const r = await f.run('rib', '172.16.0.0/12', '-o', 'wide');
    expect(r.out.split('\n')[1]).to.equal(
      '     172.16.0.0/12  10.0.0.9  10.0.0.9  65009    IGP     -       -    -            -    0        next hop unreachable',
    );
  });

  it('rib filters: --longer, longest match for an address, --family, --peer --in/--out', async () => {
    const prefixes = (out: string) =>
      out
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.slice(5).split(/\s+/).slice(0, 3).join(' '));
    expect(prefixes((await f.run('rib', '10.9.0.0/16', '--longer')).out)).to.deep.equal([
      '10.9.0.0/16 10.0.0.1 10.0.0.1',
      '10.9.0.0/16 10.0.0.2 10.0.0.2',
      '10.9.0.0/16 10.0.0.3 10.0.0.3',
      '10.9.1.0/24 10.0.0.2 10.0.0.2',
    ]);
    expect(prefixes((await f.run('rib', '10.9.1.7')).out)).to.deep.equal(['10.9.1.0/24 10.0.0.2 10.0.0.2']);
    expect(prefixes((await f.run('rib', '--family', 'ipv6')).out)).to.deep.equal([
      '2001:db8:1::/48 2001:db8::1 10.0.0.1',
    ]);
    expect(prefixes((await f.run('rib', '--peer', '10.0.0.3', '--in')).out)).to.deep.equal([
      '10.9.0.0/16 10.0.0.3 10.0.0.3',
      '192.168.1.0/24 10.0.0.3 10.0.0.3',
    ]);
    // The Adj-RIB-Out toward an eBGP peer: our AS prepended, next hop self (rib/export-rules.ts).
    const out = await f.run('rib', '--peer', '10.0.0.3', '--out', '--family', 'ipv4');
    expect(out.out.split('\n')[3]).to.equal(
      ' *>  10.244.1.0/24  self      10.0.0.3  65000          IGP     -       -    -            -',
    );
  });

  it('rib -o json: one record per path', async () => {
    const r = await f.run('rib', '192.168.1.0/24', '-o', 'json');
    expect(JSON.parse(r.out)).to.deep.equal([
      {
        prefix: '192.168.1.0/24',
        family: 'ipv4',
        peer: '10.0.0.1',
        peerAs: 65001,
        pathId: 0,
        nextHop: '10.0.0.1',
        asPath: '65001',
        origin: 'IGP',
        localPref: null,
        med: 10,
        communities: ['65001:100', 'NO_EXPORT'],
        largeCommunities: ['65001:1:2'],
        originatorId: null,
        clusterList: [],
        best: true,
        multipath: false,
        ineligible: [],
        stale: false,
        since: null,
      },
      {
        prefix: '192.168.1.0/24',
        family: 'ipv4',
        peer: '10.0.0.3',
        peerAs: 65003,
        pathId: 0,
        nextHop: '10.0.0.3',
        asPath: '65003',
        origin: 'INCOMPLETE',
        localPref: null,
        med: null,
        communities: [],
        largeCommunities: [],
        originatorId: null,
        clusterList: [],
        best: false,
        multipath: false,
        ineligible: [],
        stale: false,
        since: null,
      },
    ]);
  });

  it('rib: usage errors exit 2, unknown peer exits 1', async () => {
    const bad = await f.run('rib', '10.9.0.1/16');
    expect([bad.code, bad.err]).to.deep.equal([
      2,
      'bad prefix "10.9.0.1/16": host bits set in 10.9.0.1/16\n',
    ]);
    expect((await f.run('rib', '--in')).err).to.equal('--in and --out need --peer ADDR\n');
    expect((await f.run('rib', '--family', 'ipv5')).code).to.equal(2);
    const unknown = await f.run('rib', '--peer', '10.0.0.77', '--in');
    expect([unknown.code, unknown.err]).to.deep.equal([1, 'no such peer: 10.0.0.77\n']);
  });

  it('explain: golden report for a multipath prefix, a lost path and an ineligible one', async () => {
    const r = await f.run('explain', '10.9.0.0/16');
    expect(r.code).to.equal(0);
    expect(r.out).to
      .equal(`10.9.0.0/16: 3 candidate path(s), 3 eligible; best from 10.0.0.1; 2 in the multipath set
Kernel next hops: 10.0.0.1, 10.0.0.2

*> from 10.0.0.1 (AS 65001), next hop 10.0.0.1
     AS path 65001 9, origin IGP
     best path
*= from 10.0.0.2 (AS 65001), next hop 10.0.0.2
     AS path 65001 9, origin IGP
     multipath: equal to the best up to the router-id step, installed with it
*  from 10.0.0.3 (AS 65003), next hop 10.0.0.3
     AS path 65003 9 9, origin IGP
     lost at step as-path-length: shorter AS_PATH 2 over 3

Decision steps, in order: local-pref, as-path-length, origin, med, ebgp-over-ibgp, router-id, cluster-list-length, peer-address, path-id
`);
    const lost = await f.run('explain', '192.168.1.0/24');
    expect(lost.out.split('\n').slice(3, 9)).to.deep.equal([
      '*> from 10.0.0.1 (AS 65001), next hop 10.0.0.1',
      '     AS path 65001, origin IGP, MED 10',
      '     best path',
      '*  from 10.0.0.3 (AS 65003), next hop 10.0.0.3',
      '     AS path 65003, origin INCOMPLETE',
      '     lost at step origin: lower ORIGIN IGP over INCOMPLETE',
    ]);
    const inel = await f.run('explain', '172.16.0.0/12');
    expect(inel.out.split('\n').slice(0, 6)).to.deep.equal([
      '172.16.0.0/12: 1 candidate path(s), 0 eligible; no best path',
      'Kernel next hops: none',
      '',
      'x  from 10.0.0.9 (AS 65009), next hop 10.0.0.9',
      '     AS path 65009, origin IGP',
      '     ineligible: next hop unreachable',
    ]);
  });

  it('explain -o json mirrors rib/explain.ts; unknown prefix exits 1; bad prefix exits 2', async () => {
    const r = await f.run('explain', '192.168.1.0/24', '-o', 'json');
    const e = JSON.parse(r.out) as { nextHops: string[]; paths: Record<string, unknown>[] };
    expect(e.nextHops).to.deep.equal(['10.0.0.1']);
    expect(e.paths[1]).to.deep.equal({
      peer: '10.0.0.3',
      peerAs: 65003,
      pathId: 0,
      nextHop: '10.0.0.3',
      localPref: null,
      asPath: '65003',
      origin: 2,
      med: null,
      best: false,
      multipath: false,
      stale: false,
      ineligible: [],
      lostAt: 'origin',
      reason: 'lower ORIGIN IGP over INCOMPLETE',
    });
    const none = await f.run('explain', '10.77.0.0/16');
    expect([none.code, none.out]).to.deep.equal([1, '10.77.0.0/16: no paths in the RIB\n']);
    const bad = await f.run('explain', '10.9.0.0/33');
    expect([bad.code, bad.err]).to.deep.equal([
      2,
      'bad prefix "10.9.0.0/33": bad prefix length in 10.9.0.0/33\n',
    ]);
  });
});
