// MD5 password resolution (secrets.ts) with real files in a temp dir and a plain env object: the
// key from a file (one trailing newline dropped), from an environment variable, and the ConfigError
// paths an operator sees for a missing file, an empty or too long key, an unset variable and a
// Kubernetes Secret reference this build cannot read. No error text ever carries the key.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../config/checks.ts';
import type { PeerConfig } from '../../config/schema.ts';
import { resolvePassword } from './secrets.ts';

const KEY = 's3cret-key';

type PasswordSource = { file?: string; env?: string; secret?: { name: string; key: string } };

function peer(password?: PasswordSource): PeerConfig {
  return { address: '10.0.0.1', asn: 65000, ...(password ? { password } : {}) } as PeerConfig;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    expect((e as Error).message).to.not.contain(KEY);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('daemon secrets: resolvePassword', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'podbgp-secrets-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('no password configured: undefined', () => {
    expect(resolvePassword(peer(), 'peers[0]', {})).to.equal(undefined);
  });

  it('from a file, without the one trailing newline a Secret or echo leaves', () => {
    const f = join(dir, 'key');
    writeFileSync(f, `${KEY}\n`);
    expect(resolvePassword(peer({ file: f }), 'peers[0]', {})).to.equal(KEY);
    writeFileSync(f, `${KEY}\r\n`);
    expect(resolvePassword(peer({ file: f }), 'peers[0]', {})).to.equal(KEY);
  });

  it('a missing file: the path in the config and the file path in the error', () => {
    const f = join(dir, 'missing');
    const e = configError(() => resolvePassword(peer({ file: f }), 'peers[3]', {}));
    expect(e.path).to.equal('peers[3].password.file');
    expect(e.got).to.equal(`ENOENT reading ${f}`);
  });

  it('an empty key or one over 80 bytes (TCP_MD5SIG_MAXKEYLEN) is refused', () => {
    const f = join(dir, 'bad');
    writeFileSync(f, '\n');
    expect(configError(() => resolvePassword(peer({ file: f }), 'peers[0]', {})).got).to.equal('0 bytes');
    writeFileSync(f, `${KEY}${'x'.repeat(80)}`);
    expect(configError(() => resolvePassword(peer({ file: f }), 'peers[0]', {})).got).to.equal('90 bytes');
  });

  it('from an environment variable; unset or empty is an error naming the variable', () => {
    expect(resolvePassword(peer({ env: 'BGP_KEY' }), 'peers[0]', { BGP_KEY: KEY })).to.equal(KEY);
    const e = configError(() => resolvePassword(peer({ env: 'BGP_KEY' }), 'peers[1]', { BGP_KEY: '' }));
    expect(e.path).to.equal('peers[1].password.env');
    expect(e.expected).to.contain('BGP_KEY');
  });

  it('a Kubernetes Secret reference that was not read ahead is a ConfigError at its path', () => {
    const e = configError(() =>
      resolvePassword(peer({ secret: { name: 'bgp', key: 'password' } }), 'peers[0]', {}),
    );
    expect(e.path).to.equal('peers[0].password.secret');
  });
});
