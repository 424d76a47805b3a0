// Test support (not a test file): runs the real `podbgp` CLI entry (cmd/podbgp.ts main) in this
// process against a real API server on a unix socket in a temp directory, backed by TestDaemon
// (a real Rib), and captures stdout, stderr and the exit code.
//
// In: argv. Out: { code, out, err }.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ApiServer } from '../api/server.ts';
import { startApiServer } from '../api/server.ts';
import { TestDaemon } from '../api/test-daemon.ts';
import { main } from './podbgp.ts';

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  let out = '';
  let err = '';
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(argv, { stdout, stderr, stdin: new PassThrough(), env });
  return { code, out, err };
}

export class CliFixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'podbgp-cli-'));
  readonly socket = join(this.dir, 'run', 'podbgp.sock');
  daemon!: TestDaemon;
  private server: ApiServer | null = null;

  async start(daemon: TestDaemon = new TestDaemon()): Promise<void> {
    this.daemon = daemon;
    this.server = await startApiServer({ api: daemon, socketPath: this.socket });
  }

  /** The CLI with --socket pointing at this fixture's server. */
  run(...argv: string[]): Promise<CliResult> {
    return runCli([...argv, '--socket', this.socket]);
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = null;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
