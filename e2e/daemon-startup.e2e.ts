// Start-up of the real `podbgp run`: a bad config file stops it with exit 2 and the path, what was
// expected and what was got on stderr (and `podbgp config check` says the same; a good file
// passes); a missing MD5 password file is exit 2 naming the file; `--peer` flags without a file
// run a working node against BIRD; and with an MD5 session to BIRD Established, the key appears
// nowhere in the daemon's (debug-level) log. Bad-config runs happen inside a lab node, so even a
// validation bug could not bind or route anything on the host.
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { Bird, Lab, execArgv, waitFor } from './lab/index.ts';
import { PODBGP_BIN, PodbgpDaemon, type PeerJson } from './lab/podbgp-daemon.ts';

const KEY = 'md5-key-never-logged-7f3a';

describe('e2e daemon: start-up validation, flags without a file, secrets kept out of logs', function () {
  this.timeout(120_000);
  let lab: Lab;
  let bird: Bird;
  let dir: string;

  before(async () => {
    lab = await Lab.create('d-start');
    await lab.addNode('tor');
    await lab.addNode('node');
    await lab.addNode('md5');
    await lab.link('tor', 'node', { v4: ['10.0.1.1/30', '10.0.1.2/30'] });
    await lab.link('tor', 'md5', { v4: ['10.0.2.1/30', '10.0.2.2/30'] });
    bird = await Bird.start(lab, 'tor', {
      routerId: '10.0.1.1',
      neighbors: [
        { name: 'node', address: '10.0.1.2', localAddress: '10.0.1.1', localAs: 65000, remoteAs: 65010 },
        {
          name: 'secured',
          address: '10.0.2.2',
          localAddress: '10.0.2.1',
          localAs: 65000,
          remoteAs: 65020,
          password: KEY,
        },
      ],
      staticRoutes: [{ prefix: '10.244.10.0/24' }],
    });
    dir = lab.dir('files');
  });

  after(async () => {
    await lab?.destroy();
  });

  const run = (args: readonly string[]) =>
    lab.exec(
      'node',
      [PODBGP_BIN, 'run', ...args, '--api-socket', `${dir}/x.sock`, '--metrics-address', 'off'],
      {
        timeoutMs: 20_000,
      },
    );

  it('a bad config file: exit 2 with path, expected and got; config check agrees; a good file passes', async () => {
    const bad = `${dir}/bad.yaml`;
    writeFileSync(
      bad,
      stringify({
        asn: 65010,
        routerId: '10.0.1.2',
        peers: [{ address: '10.0.1.1', asn: 65000, timers: { holdTime: 2 } }],
      }),
    );
    const r = await run(['--config', bad]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('peers[0].timers.holdTime');
    expect(r.stderr).to.contain('expected a hold time of 0 or from 3 to 65535 seconds');
    expect(r.stderr).to.contain('got number 2');
    const check = await execArgv([PODBGP_BIN, 'config', 'check', bad]);
    expect(check.code).to.equal(2);
    expect(check.stderr).to.contain('peers[0].timers.holdTime: expected a hold time');

    const typo = `${dir}/typo.yaml`;
    writeFileSync(typo, 'asn: 65010\nrouterId: 10.0.1.256\n');
    const t = await run(['--config', typo]);
    expect(t.code).to.equal(2);
    expect(t.stderr).to.match(/routerId: expected .*IPv4.*got "?10\.0\.1\.256/);

    const good = `${dir}/good.yaml`;
    writeFileSync(
      good,
      stringify({ asn: 65010, routerId: '10.0.1.2', peers: [{ address: '10.0.1.1', asn: 65000 }] }),
    );
    const ok = await execArgv([PODBGP_BIN, 'config', 'check', good]);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.contain('valid (AS 65010, router id 10.0.1.2, 1 peer(s)');
  });

  it('a missing password file: exit 2 naming the file', async () => {
    const cfg = `${dir}/nopw.yaml`;
    const missing = `${dir}/no-such-password`;
    writeFileSync(
      cfg,
      stringify({
        asn: 65010,
        routerId: '10.0.1.2',
        kernel: { installRoutes: false },
        peers: [{ address: '10.0.1.1', asn: 65000, password: { file: missing } }],
      }),
    );
    const r = await run(['--config', cfg]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('peers[0].password.file');
    expect(r.stderr).to.contain(`got ENOENT reading ${missing}`);
  });

  it('--peer, --originate and --accept flags without a file run a working node', async () => {
    const socket = `${dir}/flags.sock`;
    const p = lab.spawn(
      'node',
      [
        PODBGP_BIN,
        'run',
        '--asn',
        '65010',
        '--router-id',
        '10.0.1.2',
        '--peer',
        '10.0.1.1:65000',
        '--originate',
        '10.244.1.0/24',
        '--accept',
        '10.244.0.0/16',
        '--api-socket',
        socket,
        '--metrics-address',
        'off',
      ],
      { logFile: `${dir}/flags.log` },
    );
    const peers = await waitFor(
      'the flag-configured peer Established',
      async () =>
        JSON.parse(
          (await execArgv([PODBGP_BIN, 'peers', '-o', 'json', '--socket', socket])).stdout || '[]',
        ) as PeerJson[],
      (ps) => ps.some((x) => x.state === 'Established'),
    );
    expect(peers.map((x) => [x.address, x.asn])).to.deep.equal([['10.0.1.1', 65000]]);
    await waitFor(
      'BIRD to learn 10.244.1.0/24 from the node',
      () => bird.showRoutes({ protocol: 'node' }),
      (rs) => rs.some((x) => x.prefix === '10.244.1.0/24'),
    );
    await waitFor(
      'the node to install 10.244.10.0/24',
      async () => (await lab.execOk('node', ['ip', '-j', 'route', 'show', 'proto', '201'])).stdout,
      (out) => out.includes('10.244.10.0'),
    );
    expect(await p.stop()).to.equal(0);
  });

  it('an MD5 session with BIRD establishes and the key is in no log line', async () => {
    const pw = `${dir}/md5.key`;
    writeFileSync(pw, `${KEY}\n`, { mode: 0o600 });
    const d = await PodbgpDaemon.start(lab, 'md5', {
      asn: 65020,
      routerId: '10.0.2.2',
      kernel: { installRoutes: false },
      peers: [
        {
          address: '10.0.2.1',
          asn: 65000,
          password: { file: pw },
          timers: { holdTime: 9, connectRetryTime: 1 },
        },
      ],
    });
    await d.waitEstablished('10.0.2.1');
    await bird.waitEstablished('secured');
    const detail = await d.cliJson<Record<string, unknown>>(['peer', '10.0.2.1']);
    expect(JSON.stringify(detail)).to.not.contain(KEY);
    await d.stop();
    const log = readFileSync(`${d.dir}/podbgp.log`, 'utf8');
    expect(log).to.contain('Established');
    expect(log.length).to.be.above(1000);
    expect(log).to.not.contain(KEY);
    expect(readFileSync(d.configFile, 'utf8')).to.not.contain(KEY);
  });
});
