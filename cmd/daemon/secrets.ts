// Resolving configured secrets (TCP MD5 passwords) from where the config says they are: a file
// (a mounted Kubernetes Secret, usually), or an environment variable. The value is registered with
// the logger so it is masked wherever it might appear, and never stored in the config object.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../config/checks.ts';
import type { PeerConfig } from '../../config/schema.ts';

export function resolvePassword(peer: PeerConfig, path: string, env: NodeJS.ProcessEnv): string | undefined {
  const src = peer.password;
  if (src === undefined) return undefined;
  if (src.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(src.file, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `${path}.password.file`,
        'a readable file holding the password',
        // The path, not the key, so the operator sees which file is missing or unreadable.
        `${(e as NodeJS.ErrnoException).code ?? 'an error'} reading ${src.file}`,
      );
    }
    // A trailing newline from `echo` or a Secret's data is not part of the key.
    const key = text.replace(/\r?\n$/, '');
    if (key.length === 0 || key.length > 80) {
      throw new ConfigError(
        `${path}.password.file`,
        'a password of 1 to 80 bytes (TCP_MD5SIG_MAXKEYLEN)',
        `${key.length} bytes`,
      );
    }
    return key;
  }
  if (src.env !== undefined) {
    const v = env[src.env];
    if (v === undefined || v === '')
      throw new ConfigError(
        `${path}.password.env`,
        `the environment variable ${src.env} to be set`,
        'it unset',
      );
    return v;
  }
  throw new ConfigError(
    `${path}.password.secret`,
    'a password source this build can read (file or env); mount the Secret as a file',
    'a Kubernetes Secret reference',
  );
}
