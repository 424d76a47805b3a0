import { expect } from 'chai';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parsePeerFlag } from './load.ts';
import { ConfigError } from './checks.ts';

describe('config/load', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'podbgp-config-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const errorOf = (f: () => unknown): ConfigError => {
    try {
      f();
    } catch (e) {
      if (e instanceof ConfigError) return e;
      throw e;
    }
    throw new Error('no ConfigError');
  };

  it('loads a complete YAML file with defaults filled in', () => {
    const cfg = loadConfig({
      file: file(
        'good.yaml',
        `asn: 4200000001
routerId: 10.0.0.1
originate: [10.244.1.0/24, "fd00:244:1::/64"]
accept: [10.244.0.0/16]
peers:
  - address: 10.0.0.254
    asn: 65000
    password: { file: /etc/podbgp/tor.key }
    ttlSecurity: true
  - range: 10.0.1.0/24
    asn: internal
    passive: true
`,
      ),
    });
    expect(cfg.asn).to.equal(4200000001);
    expect(cfg.peers).to.have.length(2);
    expect(cfg.peers[0]!.timers.holdTime).to.equal(90);
    expect(cfg.peers[0]!.ttlSecurity).to.equal(1);
    expect(cfg.peers[1]!.asn).to.equal('internal');
    expect(cfg.kernel.protocol).to.equal(201);
    expect(cfg.listen).to.deep.equal({ addresses: ['0.0.0.0', '::'], port: 179 });
  });

  it('loads JSON too', () => {
    const cfg = loadConfig({ file: file('good.json', '{"asn": 65001, "routerId": "10.0.0.2"}') });
    expect(cfg.routerId).to.equal('10.0.0.2');
  });

  const bad: [string, string, string, string][] = [
    ['asn: 0\nrouterId: 1.2.3.4\n', 'asn', 'an integer from 1 to 4294967295', 'number 0'],
    ['asn: 1\nrouterId: 1.2.3\n', 'routerId', 'an IPv4 address (A.B.C.D)', '"1.2.3"'],
    [
      'asn: 1\nrouterId: 1.2.3.4\noriginate: [10.244.1.1/24]\n',
      'originate[0]',
      'a prefix with no host bits set (did you mean 10.244.1.0/24?)',
      '"10.244.1.1/24"',
    ],
    [
      'asn: 1\nrouterId: 1.2.3.4\npeers: [{address: 10.0.0.1, asn: 2, timers: {holdTime: 2}}]\n',
      'peers[0].timers.holdTime',
      'a hold time of 0 or from 3 to 65535 seconds (RFC 4271 §4.2)',
      'number 2',
    ],
    [
      'asn: 1\nrouterId: 1.2.3.4\npeers: [{address: 10.0.0.1, asn: 2, pasive: true}]\n',
      'peers[0].pasive',
      'a known field (did you mean passive?)',
      'an unknown field',
    ],
    [
      'asn: 1\nrouterId: 1.2.3.4\npeers: [{address: 10.0.0.1, asn: 2}, {address: 10.0.0.1, asn: 3}]\n',
      'peers[1].address',
      'an address not already used by peers[0]',
      '"10.0.0.1"',
    ],
    [
      'asn: 1\nrouterId: 1.2.3.4\npeers: [{range: 10.0.0.0/24, asn: 2}]\n',
      'peers[0].passive',
      'true for a dynamic range (podbgp cannot connect to a range)',
      'false',
    ],
    [
      'asn: 1\nrouterId: 1.2.3.4\npeers: [{address: 10.0.0.1, asn: 2, importPolicy: nope}]\n',
      'peers[0].importPolicy',
      'one of the policies (none defined)',
      '"nope"',
    ],
    [
      'asn: 1\nrouterId: 1.2.3.4\npeers: [{address: 10.0.0.1, asn: 2, password: {file: a, env: B}}]\n',
      'peers[0].password',
      'exactly one of file, env or secret',
      '2 of them',
    ],
    [
      'asn: 1\nrouterId: 1.2.3.4\npolicies: {p: [{match: {prefix: ["10.0.0.0/8 ge 4"]}, action: accept}]}\n',
      'policies.p[0].match.prefix[0]',
      'prefix length <= ge <= le <= 32',
      '"10.0.0.0/8 ge 4"',
    ],
  ];
  for (const [text, path, expected, got] of bad) {
    it(`rejects ${path}: expected ${expected}`, () => {
      const e = errorOf(() => loadConfig({ file: file('bad.yaml', text) }));
      expect({ path: e.path, expected: e.expected, got: e.got }).to.deep.equal({ path, expected, got });
    });
  }

  it('reports YAML syntax errors with file, line and column', () => {
    const p = file('syntax.yaml', 'asn: 1\nrouterId: [\n');
    const e = errorOf(() => loadConfig({ file: p }));
    expect(e.path).to.match(new RegExp(`^${p}:\\d+:\\d+$`));
    expect(e.expected).to.equal('valid YAML or JSON');
  });

  it('reports a missing file by path', () => {
    const e = errorOf(() => loadConfig({ file: join(dir, 'missing.yaml') }));
    expect(e.got).to.equal('ENOENT');
  });

  it('lets env override the file and flags override env', () => {
    const p = file('base.yaml', 'asn: 65001\nrouterId: 10.0.0.1\npeers: [{address: 10.0.0.9, asn: 65009}]\n');
    const cfg = loadConfig({
      file: p,
      env: { PODBGP_ASN: '65002', PODBGP_ROUTER_ID: '10.0.0.2', PODBGP_PEERS: '10.0.0.9:65100,passive' },
      flags: { routerId: '10.0.0.3', listen: ['[::1]:1179'], installRoutes: false },
    });
    expect(cfg.asn).to.equal(65002);
    expect(cfg.routerId).to.equal('10.0.0.3');
    expect(cfg.peers).to.have.length(1);
    expect(cfg.peers[0]).to.include({ address: '10.0.0.9', asn: 65100, passive: true });
    expect(cfg.listen).to.deep.equal({ addresses: ['::1'], port: 1179 });
    expect(cfg.kernel.installRoutes).to.equal(false);
  });

  it('parses --peer specs including IPv6 and options', () => {
    expect(parsePeerFlag('[2001:db8::1]:internal,passive,password-file=/k,ttl-security', 'p')).to.deep.equal({
      address: '2001:db8::1',
      asn: 'internal',
      passive: true,
      password: { file: '/k' },
      ttlSecurity: true,
    });
    expect(() => parsePeerFlag('10.0.0.1', 'p')).to.throw(ConfigError, 'ADDRESS:ASN');
    expect(() => parsePeerFlag('10.0.0.1:65000,bogus', 'p')).to.throw(ConfigError, 'options');
  });
});

describe('docs/config-example.yaml', () => {
  it('is a valid configuration, so the documented settings stay true', () => {
    const cfg = loadConfig({ file: new URL('../docs/config-example.yaml', import.meta.url).pathname });
    expect(cfg.peers).to.have.length(2);
    expect(cfg.policies['from-tor']).to.have.length(2);
  });
});
