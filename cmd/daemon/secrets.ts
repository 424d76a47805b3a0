// Resolving configured secrets (TCP MD5 passwords) from where the config says they are: a file
// (a mounted Kubernetes Secret, usually), an environment variable, or a Kubernetes Secret read
// through the API (kube/secrets.ts). The value is registered with the logger so it is masked
// wherever it might appear, and never stored in the config object.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../config/checks.ts';
import type { PeerConfig, PodbgpConfig } from '../../config/schema.ts';
import { ownNamespace, type SecretReader } from '../../kube/secrets.ts';

/** Passwords from Kubernetes Secrets, by the peer's config path ("peers[2]"), read ahead of use. */
export type SecretPasswords = ReadonlyMap<string, string>;

/**
 * Reads every `password: {secret: ...}` of the config through the Kubernetes API (the reader is
 * only made when one is used). A Secret that cannot be read stops start-up (or a reload) with
 * the path and the reason.
 */
export async function readSecretPasswords(
  cfg: PodbgpConfig,
  env: NodeJS.ProcessEnv,
  makeReader: () => SecretReader,
): Promise<SecretPasswords> {
  const out = new Map<string, string>();
  let reader: SecretReader | null = null;
  for (const [i, peer] of cfg.peers.entries()) {
    const s = peer.password?.secret;
    if (s === undefined) continue;
    reader ??= makeReader();
    const namespace = s.namespace ?? ownNamespace(env);
    try {
      out.set(
        `peers[${i}]`,
        checkedKey(await reader.read(namespace, s.name, s.key), `peers[${i}].password.secret`),
      );
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(`peers[${i}].password.secret`, 'a readable Secret key', (e as Error).message);
    }
  }
  return out;
}

function checkedKey(key: string, path: string): string {
  if (key.length === 0 || key.length > 80) {
    throw new ConfigError(path, 'a password of 1 to 80 bytes (TCP_MD5SIG_MAXKEYLEN)', `${key.length} bytes`);
  }
  return key;
}

export function resolvePassword(
  peer: PeerConfig,
  path: string,
  env: NodeJS.ProcessEnv,
  secrets: SecretPasswords = new Map(),
): string | undefined {
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
    return checkedKey(text.replace(/\r?\n$/, ''), `${path}.password.file`);
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
  const fromSecret = secrets.get(path);
  if (fromSecret === undefined) {
    throw new ConfigError(
      `${path}.password.secret`,
      'the Secret to have been read at start-up or reload',
      'nothing read',
    );
  }
  return fromSecret;
}
