// Loading: a config file (YAML or JSON), then PODBGP_* environment variables, then command-line
// flags, each overriding the one before; then validation. Any fault is a ConfigError with the
// path and the reason, and the CLI exits 2 on it.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, describe } from './checks.ts';
import { checkConfig, checkCrossFields, type PodbgpConfig } from './schema.ts';

/** The common case without a file: what `podbgp run` flags (and PODBGP_* variables) can say. */
export interface Overrides {
  asn?: string;
  routerId?: string;
  listen?: string[];
  peer?: string[];
  originate?: string[];
  accept?: string[];
  installRoutes?: boolean;
  kernelProtocol?: string;
  logLevel?: string;
  apiSocket?: string;
  metricsAddress?: string;
}

export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, 'a readable config file', (e as NodeJS.ErrnoException).code ?? String(e));
  }
  try {
    // YAML is a superset of JSON, so one parser serves both; errors carry line and column.
    return parseYaml(text, { uniqueKeys: true }) ?? {};
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const pos = e.linePos?.[0];
      throw new ConfigError(
        pos ? `${file}:${pos.line}:${pos.col}` : file,
        'valid YAML or JSON',
        e.message.split('\n')[0]!,
      );
    }
    throw e;
  }
}

/** PODBGP_ASN, PODBGP_ROUTER_ID, PODBGP_PEERS ("a:asn,opts;b:asn"), PODBGP_ORIGINATE ("cidr,cidr"), ... */
export function overridesFromEnv(env: NodeJS.ProcessEnv): Overrides {
  const list = (v: string | undefined, sep = /[\s,]+/) => (v ? v.split(sep).filter(Boolean) : undefined);
  const o: Overrides = {};
  if (env.PODBGP_ASN) o.asn = env.PODBGP_ASN;
  if (env.PODBGP_ROUTER_ID) o.routerId = env.PODBGP_ROUTER_ID;
  const listen = list(env.PODBGP_LISTEN);
  if (listen) o.listen = listen;
  const peers = list(env.PODBGP_PEERS, /\s*;\s*/);
  if (peers) o.peer = peers;
  const orig = list(env.PODBGP_ORIGINATE);
  if (orig) o.originate = orig;
  const acc = list(env.PODBGP_ACCEPT);
  if (acc) o.accept = acc;
  if (env.PODBGP_INSTALL_ROUTES) o.installRoutes = !/^(0|false|no)$/i.test(env.PODBGP_INSTALL_ROUTES);
  if (env.PODBGP_KERNEL_PROTOCOL) o.kernelProtocol = env.PODBGP_KERNEL_PROTOCOL;
  if (env.PODBGP_LOG_LEVEL) o.logLevel = env.PODBGP_LOG_LEVEL;
  if (env.PODBGP_API_SOCKET) o.apiSocket = env.PODBGP_API_SOCKET;
  if (env.PODBGP_METRICS_ADDRESS) o.metricsAddress = env.PODBGP_METRICS_ADDRESS;
  return o;
}

/**
 * `--peer ADDRESS:ASN[,passive][,password-file=F][,multihop=N][,ttl-security]`; IPv6 as
 * `[2001:db8::1]:65000`. ASN may be "internal" or "external".
 */
export function parsePeerFlag(spec: string, path: string): Record<string, unknown> {
  const [head, ...opts] = spec.split(',');
  const m = /^\[([^\]]+)\]:(\S+)$/.exec(head!) ?? /^([^:\s]+):(\S+)$/.exec(head!);
  if (!m || isIP(m[1]!) === 0) {
    throw new ConfigError(path, 'ADDRESS:ASN (IPv6 as [ADDRESS]:ASN), then ,options', describe(spec));
  }
  const asn = /^\d+$/.test(m[2]!) ? Number(m[2]) : m[2];
  const peer: Record<string, unknown> = { address: m[1], asn };
  for (const opt of opts) {
    const [k, v] = opt.split('=', 2) as [string, string | undefined];
    switch (k) {
      case 'passive':
        peer.passive = true;
        break;
      case 'ttl-security':
        peer.ttlSecurity = v === undefined ? true : Number(v);
        break;
      case 'multihop':
        peer.multihop = v === undefined ? 255 : Number(v);
        break;
      case 'password-file':
        peer.password = { file: v };
        break;
      case 'rr-client':
        peer.routeReflectorClient = true;
        break;
      default:
        throw new ConfigError(
          path,
          'options passive, password-file=F, multihop=N, ttl-security, rr-client',
          describe(opt),
        );
    }
  }
  return peer;
}

/** Applies overrides onto raw (unvalidated) config input. */
export function applyOverrides(
  raw: Record<string, unknown>,
  o: Overrides,
  source: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  if (o.asn !== undefined) out.asn = /^\d+$/.test(o.asn) ? Number(o.asn) : o.asn;
  if (o.routerId !== undefined) out.routerId = o.routerId;
  if (o.listen !== undefined) {
    out.listen = { ...((raw.listen as object) ?? {}), ...listenOverride(o.listen, `${source} listen`) };
  }
  if (o.peer !== undefined) {
    const fromFlags = o.peer.map((s, i) => parsePeerFlag(s, `${source} peer[${i}]`));
    // A flag peer replaces a file peer with the same address; others are kept.
    const keep = ((raw.peers as Record<string, unknown>[] | undefined) ?? []).filter(
      (p) => !fromFlags.some((f) => f.address === p.address),
    );
    out.peers = [...keep, ...fromFlags];
  }
  if (o.originate !== undefined) out.originate = o.originate;
  if (o.accept !== undefined) out.accept = o.accept;
  const kernel = { ...((raw.kernel as object) ?? {}) } as Record<string, unknown>;
  if (o.installRoutes !== undefined) kernel.installRoutes = o.installRoutes;
  if (o.kernelProtocol !== undefined) kernel.protocol = Number(o.kernelProtocol);
  if (Object.keys(kernel).length) out.kernel = kernel;
  if (o.logLevel !== undefined) out.logging = { ...((raw.logging as object) ?? {}), level: o.logLevel };
  if (o.apiSocket !== undefined) out.api = { ...((raw.api as object) ?? {}), socket: o.apiSocket };
  if (o.metricsAddress !== undefined)
    out.metrics = { ...((raw.metrics as object) ?? {}), address: o.metricsAddress };
  return out;
}

function listenOverride(values: string[], path: string): { addresses: string[]; port?: number } {
  const addresses: string[] = [];
  let port: number | undefined;
  for (const v of values) {
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(v) ?? /^([^:]*):(\d+)$/.exec(v) ?? [v, v, undefined];
    const addr = m[1]!;
    if (m[2] !== undefined) port = Number(m[2]);
    if (addr !== '') {
      if (isIP(addr) === 0) throw new ConfigError(path, 'ADDR, ADDR:PORT, [V6]:PORT or :PORT', describe(v));
      addresses.push(addr);
    }
  }
  return port === undefined
    ? { addresses }
    : addresses.length
      ? { addresses, port }
      : { addresses: ['0.0.0.0', '::'], port };
}

/** File (optional) + env + flags -> a validated config. */
export function loadConfig(opts: {
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: Overrides;
}): PodbgpConfig {
  let raw: unknown = {};
  if (opts.file !== undefined) raw = readConfigFile(opts.file);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(opts.file ?? '(root)', 'a mapping at the top level', describe(raw));
  }
  let merged = raw as Record<string, unknown>;
  if (opts.env) merged = applyOverrides(merged, overridesFromEnv(opts.env), 'PODBGP_*');
  if (opts.flags) merged = applyOverrides(merged, opts.flags, '--flags');
  const cfg = checkConfig(merged, '');
  checkCrossFields(cfg);
  return cfg;
}
