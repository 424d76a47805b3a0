// How the CLI reaches the daemon, and the messages when it cannot: no daemon (exit 1), the socket
// from $PODBGP_API_SOCKET, and permission denied on a real 0600 root socket for a real non-root
// user (the CLI runs as 'nobody' through runuser when the test runs as root; otherwise the socket
// is made mode 000 for the current user).
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { CliFixture, runCli } from './test-harness.ts';

const ENTRY = fileURLToPath(new URL('./podbgp.ts', import.meta.url));

function runAs(user: string | null, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const [cmd, argv] =
    user === null
      ? [process.execPath, [ENTRY, ...args]]
      : ['runuser', ['-u', user, '--', process.execPath, ENTRY, ...args]];
  return new Promise((resolve) =>
    execFile(cmd, argv, { encoding: 'utf8', timeout: 30_000 }, (e, out, err) =>
      resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : -1, out, err }),
    ),
  );
}

describe('cmd: reaching the daemon', () => {
  let f: CliFixture;
  beforeEach(() => (f = new CliFixture()));
  afterEach(() => f.stop());

  it('no daemon: exit 1 with how to start it', async () => {
    const sock = join(f.dir, 'nothing.sock');
    for (const argv of [['peers'], ['rib'], ['peer', '10.0.0.1', 'reset'], ['explain', '10.0.0.0/8']]) {
      const r = await runCli([...argv, '--socket', sock]);
      expect([r.code, r.out, r.err]).to.deep.equal([
        1,
        '',
        `podbgp is not running: no socket at ${sock} (start it with podbgp run)\n`,
      ]);
    }
  });

  it('takes the socket from PODBGP_API_SOCKET when --socket is not given', async () => {
    await f.start();
    const r = await runCli(['peers', '-o', 'json'], { PODBGP_API_SOCKET: f.socket });
    expect(r.code).to.equal(0);
    expect((JSON.parse(r.out) as unknown[]).length).to.equal(5);
  });

  it('permission denied on the socket: exit 1 with what to do', async () => {
    await f.start();
    // The fixture's temp directory is 0700; let other users reach the 0600 socket inside.
    chmodSync(f.dir, 0o755);
    chmodSync(join(f.dir, 'run'), 0o755);
    const root = process.getuid?.() === 0;
    if (!root) chmodSync(f.socket, 0o000);
    const r = await runAs(root ? 'nobody' : null, ['peers', '--socket', f.socket]);
    expect([r.code, r.out, r.err]).to.deep.equal([
      1,
      '',
      `permission denied on ${f.socket}: run as root or as the user that runs podbgp (or pass --socket)\n`,
    ]);
  });
});
