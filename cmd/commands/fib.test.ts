// `podbgp fib` and `podbgp originate` against the real API server (api/test-daemon.ts): golden
// table, wide and JSON output of kernel routes with their MATCH state; originate add/del reaching
// the real Rib; usage errors exit 2.
import { expect } from 'chai';
import { CliFixture } from '../test-harness.ts';

describe('cmd: podbgp fib / originate', () => {
  let f: CliFixture;
  beforeEach(async () => {
    f = new CliFixture();
    await f.start();
  });
  afterEach(() => f.stop());

  it('fib: golden table with MATCH and WHY', async () => {
    const r = await f.run('fib');
    expect(r.code).to.equal(0);
    expect(r.out).to.equal(
      [
        'PREFIX           TYPE       NEXT HOPS                                     METRIC  MATCH    WHY',
        '10.9.0.0/16      unicast    via 10.0.0.1 dev eth0, via 10.0.0.2 dev eth0  20      yes      -',
        '10.9.1.0/24      unicast    -                                             20      missing  RTM_NEWROUTE failed: Network is unreachable (ENETUNREACH)',
        '10.244.1.0/24    blackhole  -                                             20      yes      -',
        '192.168.1.0/24   unicast    via 10.0.0.3 dev eth0                         20      no       RIB wants via 10.0.0.1',
        '198.51.100.0/24  unicast    via 10.0.0.7 dev eth0                         20      extra    not in the RIB (graceful restart holds the sweep)',
        '',
      ].join('\n'),
    );
  });

  it('fib -o wide adds PROTO and TABLE; -o json gives the records', async () => {
    const wide = await f.run('fib', '-o', 'wide');
    expect(wide.out.split('\n')[0]).to.equal(
      'PREFIX           TYPE       NEXT HOPS                                     METRIC  PROTO  TABLE  MATCH    WHY',
    );
    expect(wide.out.split('\n')[3]).to.equal(
      '10.244.1.0/24    blackhole  -                                             20      201    254    yes      -',
    );
    const json = JSON.parse((await f.run('fib', '-o', 'json')).out) as unknown[];
    expect(json[3]).to.deep.equal({
      prefix: '192.168.1.0/24',
      family: 'ipv4',
      type: 'unicast',
      nextHops: ['via 10.0.0.3 dev eth0'],
      protocol: 201,
      table: 254,
      metric: 20,
      match: 'no',
      reason: 'RIB wants via 10.0.0.1',
    });
  });

  it('originate add/del changes the real Loc-RIB; bad or unknown prefixes fail', async () => {
    const add = await f.run('originate', 'add', '10.244.7.0/24');
    expect([add.code, add.out]).to.deep.equal([0, 'originating 10.244.7.0/24\n']);
    expect((await f.run('rib', '10.244.7.0/24')).out.split('\n')[1]).to.match(
      /^ \*> {2}10\.244\.7\.0\/24 +self +local/,
    );
    const del = await f.run('originate', 'del', '10.244.7.0/24');
    expect([del.code, del.out]).to.deep.equal([0, 'no longer originating 10.244.7.0/24\n']);
    expect((await f.run('rib', '10.244.7.0/24')).out.split('\n')).to.have.length(2);
    const again = await f.run('originate', 'del', '10.244.7.0/24');
    expect([again.code, again.err]).to.deep.equal([1, '10.244.7.0/24 is not originated\n']);
    const bad = await f.run('originate', 'add', '10.244.7.1/24');
    expect([bad.code, bad.err]).to.deep.equal([
      2,
      'bad prefix "10.244.7.1/24": host bits set in 10.244.7.1/24\n',
    ]);
    expect((await f.run('originate', 'list')).code).to.equal(2);
    expect(f.daemon.calls).to.deep.equal(['add 10.244.7.0/24', 'del 10.244.7.0/24', 'del 10.244.7.0/24']);
  });
});
