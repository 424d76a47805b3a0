// The daemon's logging: a winston logger that writes JSON lines (stdout not a TTY, or format
// json) or readable text (a TTY, coloured; or format text), with levels error/warn/info/debug.
// Every line about a peer goes through that peer's child logger, so it carries `peer`.
// Secrets never reach the output: the redaction format runs before any other, removes fields
// named password/key/secret/token/md5 at any depth, and masks every value registered with
// registerSecret() wherever it appears in a string.
// In: configuration (config/schema.ts `logging`), the typed messages of observe-types.ts.
// Out: one line per call on the chosen stream.
import winston from 'winston';
import type { Writable } from 'node:stream';
import { familyName } from '../../bgp/wire/iana/afi-safi.ts';
import { notificationName } from '../../bgp/wire/iana/error-codes.ts';
import { describeNotification } from '../../bgp/wire/notification.ts';
import { formatAddressBytes, formatPrefix as formatRibPrefix } from '../../rib/prefix.ts';
import type { ObservedMessage, PeerName } from './observe-types.ts';

export const LOG_LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
export type LogLevel = keyof typeof LOG_LEVELS;
export type LogFormat = 'auto' | 'json' | 'text';
export type Logger = winston.Logger;

const LEVEL = Symbol.for('level');
const MASK = '[REDACTED]';

// ---- secrets ----------------------------------------------------------------------------------

/** The words that make a field secret: the whole name, or its last camelCase/snake_case word. */
const SECRET_WORDS = new Set(['password', 'key', 'secret', 'token', 'md5']);
const secrets = new Set<string>();

/** Is a field with this name removed from log lines? (`password`, `md5Key`, `api_token`, `Secret`) */
export function isSecretFieldName(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_WORDS.has(lower)) return true;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_\-.]+/);
  return SECRET_WORDS.has(words[words.length - 1]!);
}

/** A value (an MD5 password, an API token) that must never appear in a log line. */
export function registerSecret(value: string): void {
  // A one-character "secret" would mask every occurrence of that character; refuse to be useless.
  if (value.length >= 2) secrets.add(value);
}

export function forgetSecret(value: string): void {
  secrets.delete(value);
}

function maskSecrets(s: string): string {
  if (secrets.size === 0) return s;
  let out = s;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return out;
}

/**
 * A copy of `value` with secret fields removed and registered secrets masked in strings. Objects
 * that need no change are returned as they are; cycles and depth beyond 16 become "[...]".
 */
export function redactValue(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  if (ArrayBuffer.isView(value)) return value;
  if (seen.has(value) || depth > 16) return '[...]';
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      let changed = false;
      const out = value.map((v) => {
        const r = redactValue(v, depth + 1, seen);
        if (r !== v) changed = true;
        return r;
      });
      return changed ? out : value;
    }
    if (value instanceof Error) {
      const out: Record<string, unknown> = { name: value.name, message: maskSecrets(value.message) };
      if (value.stack !== undefined) out.stack = maskSecrets(value.stack);
      for (const [k, v] of Object.entries(value)) {
        if (!isSecretFieldName(k)) out[k] = redactValue(v, depth + 1, seen);
      }
      return out;
    }
    if (value instanceof Map || value instanceof Set) return redactValue([...value], depth + 1, seen);
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (isSecretFieldName(k)) {
        changed = true;
        continue;
      }
      const r = redactValue(v, depth + 1, seen);
      if (r !== v) changed = true;
      out[k] = r;
    }
    return changed ? out : value;
  } finally {
    seen.delete(value);
  }
}

/** The winston format that must run first: redacts the info object's own fields in place. */
export const redactFormat = winston.format((info) => {
  for (const k of Object.keys(info)) {
    if (k === 'level') continue;
    if (isSecretFieldName(k)) {
      delete info[k];
      continue;
    }
    info[k] = redactValue(info[k]);
  }
  return info;
});

// ---- output formats ---------------------------------------------------------------------------

const COLOURS: Readonly<Record<string, string>> = {
  error: '\x1b[31m',
  warn: '\x1b[33m',
  info: '\x1b[32m',
  debug: '\x1b[90m',
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const BOLD = '\x1b[1m';

function textValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? String(v);
}

/** `2026-01-02T03:04:05.678Z WARN  [10.0.0.1] session down: ... key=value ...` */
export function textFormat(colour: boolean): winston.Logform.Format {
  return winston.format.printf((info) => {
    const level = String(info[LEVEL] ?? info.level);
    const { timestamp, peer, message, stack, level: _l, ...rest } = info;
    const parts: string[] = [];
    const ts = typeof timestamp === 'string' ? timestamp : new Date().toISOString();
    const tag = level.toUpperCase().padEnd(5);
    parts.push(colour ? `${DIM}${ts}${RESET}` : ts);
    parts.push(colour ? `${COLOURS[level] ?? ''}${tag}${RESET}` : tag);
    if (peer !== undefined) parts.push(colour ? `${BOLD}[${String(peer)}]${RESET}` : `[${String(peer)}]`);
    parts.push(typeof message === 'string' ? message : textValue(message));
    for (const [k, v] of Object.entries(rest)) {
      if (v === undefined) continue;
      parts.push(colour ? `${DIM}${k}=${RESET}${textValue(v)}` : `${k}=${textValue(v)}`);
    }
    // A stack trace reads best on its own lines, as Node prints it.
    return typeof stack === 'string' ? `${parts.join(' ')}\n${stack}` : parts.join(' ');
  });
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly format?: LogFormat;
  /** Where lines go; process.stdout when absent. */
  readonly stream?: Writable;
  /** Whether the stream is a terminal (format auto: text when true); read from the stream when absent. */
  readonly isTty?: boolean;
}

/** Which output a format setting resolves to, and whether the text is coloured. */
export function resolveFormat(format: LogFormat, isTty: boolean): { json: boolean; colour: boolean } {
  if (format === 'json') return { json: true, colour: false };
  if (format === 'text') return { json: false, colour: isTty };
  return { json: !isTty, colour: isTty };
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const stream = opts.stream ?? process.stdout;
  const isTty = opts.isTty ?? (stream as Writable & { isTTY?: boolean }).isTTY === true;
  const { json, colour } = resolveFormat(opts.format ?? 'auto', isTty);
  return winston.createLogger({
    levels: LOG_LEVELS,
    level: opts.level ?? 'info',
    format: winston.format.combine(
      winston.format.errors({ stack: true }),
      redactFormat(),
      winston.format.timestamp(),
      json ? winston.format.json() : textFormat(colour),
    ),
    transports: [new winston.transports.Stream({ stream })],
  });
}

// ---- typed messages to log lines --------------------------------------------------------------

interface Line {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

function family(afi: number | undefined, safi: number | undefined): string | undefined {
  return afi === undefined ? undefined : familyName(afi, safi ?? 1);
}

/** The one line a typed message becomes: level, text and fields. */
export function describeEvent(m: ObservedMessage): Line {
  switch (m.kind) {
    case 'session-state': {
      const down = m.from === 'Established';
      return {
        level: down ? 'warn' : 'info',
        message: `session ${m.from} -> ${m.to}: ${m.reason}`,
        fields: { event: m.kind, from: m.from, to: m.to, reason: m.reason },
      };
    }
    case 'peer-up': {
      const families = m.negotiated.families.map((f) => familyName(f.afi, f.safi));
      return {
        level: 'info',
        message: `session Established with AS ${m.negotiated.remoteAs}, hold time ${m.negotiated.holdTime} s, families ${families.join(', ')}`,
        fields: { event: m.kind, remoteAs: m.negotiated.remoteAs, holdTime: m.negotiated.holdTime, families },
      };
    }
    case 'peer-down': {
      const n = m.notification;
      const text = n === undefined ? undefined : describeNotification(n);
      return {
        level: 'warn',
        message: `session down: ${m.reason}${text === undefined ? '' : ` (${text})`}${m.gracefulRestart ? '; routes kept stale for graceful restart' : ''}`,
        fields: {
          event: m.kind,
          reason: m.reason,
          notification: text,
          code: n?.code,
          subcode: n?.subcode,
          gracefulRestart: m.gracefulRestart,
        },
      };
    }
    case 'notification': {
      // A Cease we send is an operator's or our own decision; everything else is a fault.
      const routine = m.direction === 'sent' && m.code === 6;
      const name = notificationName(m.code, m.subcode);
      return {
        level: routine ? 'info' : 'warn',
        message: `NOTIFICATION ${m.direction}: ${m.text}`,
        fields: { event: m.kind, direction: m.direction, code: m.code, subcode: m.subcode, name },
      };
    }
    case 'update': {
      const announced = m.msg.nlri.count + (m.msg.attrs.mpReach?.nlri.count ?? 0);
      const withdrawn = m.msg.withdrawn.count + (m.msg.attrs.mpUnreach?.withdrawn.count ?? 0);
      const errors = (m.msg.errors ?? []).map((e) => ({ action: e.action, error: e.message }));
      const faulty = errors.length > 0;
      return {
        level: faulty ? 'warn' : 'debug',
        message: faulty
          ? `UPDATE with errors handled per RFC 7606: ${errors.map((e) => `${e.error} (${e.action})`).join('; ')}`
          : `UPDATE: ${announced} announced, ${withdrawn} withdrawn`,
        fields: {
          event: m.kind,
          announced,
          withdrawn,
          ...(m.msg.treatAsWithdraw ? { treatAsWithdraw: true } : {}),
          ...(faulty ? { errors } : {}),
        },
      };
    }
    case 'end-of-rib': {
      const dir = m.direction ?? 'received';
      const fam = familyName(m.afi, m.safi);
      return {
        level: 'info',
        message: `End-of-RIB ${dir} (${fam})`,
        fields: { event: m.kind, direction: dir, family: fam },
      };
    }
    case 'max-prefix': {
      const fam = family(m.afi, m.safi);
      const what = m.warningOnly
        ? 'warning only'
        : 'session shut down with Cease / Maximum Number of Prefixes Reached';
      return {
        level: m.warningOnly ? 'warn' : 'error',
        message: `maximum prefixes exceeded${fam ? ` for ${fam}` : ''}: ${m.count ?? '?'} > ${m.limit ?? '?'}; ${what}`,
        fields: {
          event: m.kind,
          family: fam,
          limit: m.limit,
          count: m.count,
          warningOnly: m.warningOnly === true,
        },
      };
    }
    case 'message-counters':
      return {
        level: 'debug',
        message: 'message counters',
        fields: { event: m.kind, received: m.received, sent: m.sent },
      };
    case 'prefix-counts': {
      const fam = familyName(m.afi, m.safi);
      return {
        level: 'debug',
        message: `prefixes ${fam}: ${m.received} received, ${m.accepted} accepted, ${m.advertised} advertised`,
        fields: {
          event: m.kind,
          family: fam,
          received: m.received,
          accepted: m.accepted,
          advertised: m.advertised,
        },
      };
    }
    case 'update-processed':
      return {
        level: 'debug',
        message: `UPDATE processed in ${(m.seconds * 1000).toFixed(3)} ms`,
        fields: { event: m.kind, seconds: m.seconds, prefixes: m.prefixes },
      };
    case 'fib-change': {
      const prefix = formatRibPrefix(m.prefix);
      const via = m.nextHops?.map(formatAddressBytes);
      return {
        level: 'debug',
        message: via
          ? `kernel route wanted: ${prefix} via ${via.join(', ')}`
          : `kernel route not wanted: ${prefix}`,
        fields: { event: m.kind, prefix, nextHops: via ?? null },
      };
    }
    case 'fib-installed':
      return {
        level: 'debug',
        message: `kernel route installed: ${m.prefix}`,
        fields: { event: m.kind, prefix: m.prefix },
      };
    case 'fib-removed':
      return {
        level: 'debug',
        message: `kernel route removed: ${m.prefix}`,
        fields: { event: m.kind, prefix: m.prefix },
      };
    case 'fib-batch':
      return {
        level: 'debug',
        message: `kernel routes changed in one batch: ${m.installed} installed, ${m.removed} removed`,
        fields: { event: m.kind, installed: m.installed, removed: m.removed, recovered: m.recovered.length },
      };
    case 'fib-failed':
      return {
        level: 'warn',
        message: `kernel route ${m.op} failed for ${m.prefix}: ${m.message} (errno ${m.errno})`,
        fields: { event: m.kind, prefix: m.prefix, op: m.op, errno: m.errno, error: m.message },
      };
    case 'fib-reconciled':
      return {
        level: m.full ? 'info' : 'debug',
        message: `kernel ${m.full ? 'full' : 'incremental'} reconcile: ${m.installed} installed, ${m.removed} removed, ${m.failed} failed, ${m.unchanged} unchanged in ${m.durationMs.toFixed(1)} ms`,
        fields: {
          event: m.kind,
          full: m.full,
          installed: m.installed,
          removed: m.removed,
          failed: m.failed,
          unchanged: m.unchanged,
          durationMs: m.durationMs,
        },
      };
  }
}

const ALWAYS_DEBUG: ReadonlySet<ObservedMessage['kind']> = new Set([
  'fib-change',
  'fib-installed',
  'fib-removed',
  'fib-batch',
  'message-counters',
  'prefix-counts',
  'update-processed',
] as const);

/** Turns typed messages into log lines, through one child logger per peer. */
export class EventLog {
  readonly logger: Logger;
  private readonly peers = new Map<PeerName, Logger>();

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** The child logger for one peer: every line it writes carries `peer`. */
  forPeer(peer: PeerName): Logger {
    let child = this.peers.get(peer);
    if (child === undefined) {
      child = this.logger.child({ peer });
      this.peers.set(peer, child);
    }
    return child;
  }

  /** Forget a peer removed from the configuration. */
  removePeer(peer: PeerName): void {
    this.peers.delete(peer);
  }

  logEvent(m: ObservedMessage): void {
    // Per-route and per-UPDATE messages come by the million; skip building lines nobody reads.
    if (ALWAYS_DEBUG.has(m.kind) || (m.kind === 'update' && !m.msg.errors?.length)) {
      if (!this.logger.isLevelEnabled('debug')) return;
    }
    const line = describeEvent(m);
    if (!this.logger.isLevelEnabled(line.level)) return;
    const target = 'peer' in m && typeof m.peer === 'string' ? this.forPeer(m.peer) : this.logger;
    target.log(line.level, line.message, line.fields);
  }
}
