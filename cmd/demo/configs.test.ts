// The demo's generated configs, checked by the programs that will read them: podbgp's own
// config loader (schema + cross-field checks), `bird -p` (parse only) and `bgpd -C` (FRR's dry
// run, which prints "[EC ...]" lines for every line it cannot take).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load.ts';
import { birdTorConfig, frrTorConfig, nodeConfig, podbgpTorConfig } from './configs.ts';
import { buildTopology } from './topology.ts';

describe('demo configs', () => {
  const topology = buildTopology(3, 'bird');
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'podbgp-demo-configs-'));
    // bgpd drops privileges to user frr before it reads its config.
    chmodSync(dir, 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (config: Record<string, unknown>) => {
    const file = join(dir, 'podbgp.yaml');
    writeFileSync(file, stringify(config));
    return loadConfig({ file });
  };

  it('a node: two ToR sessions, one per family, its own CIDRs out, the cluster CIDRs in', () => {
    const cfg = load(nodeConfig(topology.nodes[0]!, topology, '/tmp/x.sock'));
    expect(cfg.asn).to.equal(64513);
    expect(cfg.peers.map((p) => [p.address, p.asn, p.families])).to.deep.equal([
      ['10.0.1.1', 65000, ['ipv4-unicast']],
      ['fd00:0:1::1', 65000, ['ipv6-unicast']],
    ]);
    expect(cfg.originate).to.deep.equal(['10.244.1.0/24', 'fd00:10:244:1::/64']);
    expect(cfg.accept).to.deep.equal(['10.244.0.0/16', 'fd00:10:244::/48']);
    expect(cfg.peers[0]!.timers.minRouteAdvertisementInterval).to.equal(0);
    expect(cfg.kernel.installRoutes).to.equal(true);
  });

  it('the podbgp ToR: both sessions per node under the cluster policy, routes installed', () => {
    const cfg = load(podbgpTorConfig(topology, '/tmp/x.sock'));
    expect(cfg.peers).to.have.length(6);
    expect(cfg.peers.every((p) => p.importPolicy === 'cluster' && p.exportPolicy === 'cluster')).to.equal(
      true,
    );
    expect(cfg.policies.cluster![0]!.match?.prefix).to.deep.equal([
      '10.244.0.0/16 le 32',
      'fd00:10:244::/48 le 128',
    ]);
  });

  it('BIRD parses the ToR config (bird -p)', () => {
    const file = join(dir, 'bird.conf');
    writeFileSync(file, birdTorConfig(topology));
    const r = spawnSync('bird', ['-p', '-c', file], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
  });

  it('FRR bgpd takes every line of the ToR config (bgpd -C)', () => {
    const file = join(dir, 'bgpd.conf');
    writeFileSync(file, frrTorConfig(topology));
    const r = spawnSync(
      '/usr/lib/frr/bgpd',
      ['-C', '-f', file, '-z', join(dir, 'zserv.api'), '--vty_socket', dir, '-i', join(dir, 'bgpd.pid')],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).to.equal(0);
    expect(`${r.stdout}${r.stderr}`).to.not.match(/\[EC \d+\]|No such command|Unknown command/);
  });
});
