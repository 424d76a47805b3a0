// The podbgp configuration schema: what a config file (YAML or JSON), flags and PODBGP_*
// environment variables may say, with defaults. `checkConfig` turns parsed input into a typed
// PodbgpConfig or throws a ConfigError with the path, what was expected and what was got.
import {
  bool,
  cidr,
  ConfigError,
  describe,
  int,
  ipAddress,
  ipv4Address,
  listOf,
  mapOf,
  object,
  oneOf,
  optional,
  str,
  type Check,
} from './checks.ts';

const asn = int(1, 4294967295);
const family = oneOf('ipv4-unicast', 'ipv6-unicast');

/** A peer's AS: a number, or "internal"/"external" (for dynamic neighbours and cluster meshes). */
const remoteAs: Check<number | 'internal' | 'external'> = (v, p) => {
  if (v === 'internal' || v === 'external') return v;
  try {
    return asn(v, p);
  } catch {
    throw new ConfigError(p, 'an AS number from 1 to 4294967295, "internal" or "external"', describe(v));
  }
};

/**
 * Where a TCP MD5 password comes from. It is never written inline in the config and never
 * logged: a file (e.g. a mounted Secret), an environment variable, or a Kubernetes Secret.
 */
const passwordSource = object({
  file: optional(str),
  env: optional(str),
  secret: optional(object({ namespace: optional(str), name: str, key: str })),
});
const password: Check<ReturnType<typeof passwordSource>> = (v, p) => {
  const src = passwordSource(v, p);
  const n = [src.file, src.env, src.secret].filter((x) => x !== undefined).length;
  if (n !== 1) throw new ConfigError(p, 'exactly one of file, env or secret', `${n} of them`);
  return src;
};

/** RFC 4271 §4.2: hold time 0, or at least 3 seconds. */
const holdTime: Check<number> = (v, p) => {
  const n = int(0, 65535)(v, p);
  if (n === 1 || n === 2)
    throw new ConfigError(p, 'a hold time of 0 or from 3 to 65535 seconds (RFC 4271 §4.2)', describe(v));
  return n;
};

const timers = object({
  holdTime: optional(holdTime, 90),
  keepaliveTime: optional(int(0, 21845)),
  connectRetryTime: optional(int(1, 65535), 30),
  /** RFC 4271 §9.2.1.1 MinRouteAdvertisementIntervalTimer; default per peer type when absent. */
  minRouteAdvertisementInterval: optional(int(0, 600)),
  delayOpenTime: optional(int(0, 240)),
});

const gracefulRestart = object({
  enabled: optional(bool, true),
  /** RFC 4724 §3: Restart Time, 12 bits. */
  restartTime: optional(int(1, 4095), 120),
  /** How long a restarting peer's routes are kept stale after it re-establishes, until End-of-RIB. */
  staleRoutesTime: optional(int(1, 3600), 360),
  /** RFC 8538 N bit. */
  notification: optional(bool, true),
});

const maxPrefix = object({
  limit: int(1, 100_000_000),
  /** Seconds before reconnecting after the limit shut the session down; 0 means stay down. */
  restartAfter: optional(int(0, 86400), 0),
  warningOnly: optional(bool, false),
});

const policyRef = str;

const peer = object({
  /** A single peer address, or (with `range`) a dynamic range of addresses that may connect. */
  address: optional(ipAddress),
  range: optional(cidr),
  asn: remoteAs,
  description: optional(str),
  passive: optional(bool, false),
  port: optional(int(1, 65535), 179),
  sourceAddress: optional(ipAddress),
  /** eBGP multihop TTL (1 = directly connected). */
  multihop: optional(int(1, 255)),
  /** GTSM (RFC 5082): true for directly connected, or the number of hops allowed. */
  ttlSecurity: optional((v, p) => (typeof v === 'boolean' ? (v ? 1 : 0) : int(1, 254)(v, p))),
  password: optional(password),
  timers: optional(timers, timers({}, '')),
  families: optional(listOf(family)),
  gracefulRestart: optional(gracefulRestart),
  maxPrefix: optional(mapOf(maxPrefix)),
  routeReflectorClient: optional(bool, false),
  nextHopSelf: optional(bool),
  allowAsIn: optional(int(0, 10), 0),
  addPath: optional(object({ send: optional(bool, false), receive: optional(bool, false) })),
  importPolicy: optional(policyRef),
  exportPolicy: optional(policyRef),
  shutdown: optional(bool, false),
});

/** A prefix-list entry: "CIDR", "CIDR le N", "CIDR ge N le M". */
const prefixMatch: Check<string> = (v, p) => {
  const s = str(v, p);
  const m = /^(\S+)(?:\s+ge\s+(\d+))?(?:\s+le\s+(\d+))?$/.exec(s.trim());
  if (!m) throw new ConfigError(p, 'a prefix match "CIDR [ge N] [le N]"', describe(v));
  cidr(m[1], p);
  const len = Number(m[1]!.split('/')[1]);
  const max = m[1]!.includes(':') ? 128 : 32;
  const ge = m[2] === undefined ? len : Number(m[2]);
  const le = m[3] === undefined ? (m[2] === undefined ? len : max) : Number(m[3]);
  if (!(len <= ge && ge <= le && le <= max)) {
    throw new ConfigError(p, `prefix length <= ge <= le <= ${max}`, describe(v));
  }
  return s;
};

/** RFC 1997 community text: "ASN:VALUE" or a well-known name (no-export, no-advertise, ...). */
export const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, number>> = {
  'graceful-shutdown': 0xffff0000,
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
  'no-peer': 0xffffff04,
};

const community: Check<string> = (v, p) => {
  const s = str(v, p);
  const m = /^(\d+):(\d+)$/.exec(s);
  if (s in WELL_KNOWN_COMMUNITIES || (m && Number(m[1]) <= 0xffff && Number(m[2]) <= 0xffff)) return s;
  throw new ConfigError(
    p,
    `a community "ASN:VALUE" (each 0-65535) or one of ${Object.keys(WELL_KNOWN_COMMUNITIES).join(', ')}`,
    describe(v),
  );
};

const largeCommunity: Check<string> = (v, p) => {
  const s = str(v, p);
  const m = /^(\d+):(\d+):(\d+)$/.exec(s);
  if (m && [m[1], m[2], m[3]].every((x) => Number(x) <= 4294967295)) return s;
  throw new ConfigError(p, 'a large community "GLOBAL:LOCAL1:LOCAL2" (each 0-4294967295)', describe(v));
};

const asPathRegex: Check<string> = (v, p) => {
  const s = str(v, p);
  try {
    new RegExp(s);
  } catch (e) {
    throw new ConfigError(
      p,
      `a regular expression over the AS path text ("65001 65002") (${(e as Error).message})`,
      describe(v),
    );
  }
  return s;
};

const listEdit = <T>(item: Check<T>) =>
  object({ add: optional(listOf(item)), remove: optional(listOf(item)), replace: optional(listOf(item)) });

/** One policy statement: all `match` conditions must hold; then `set` applies and `action` decides. */
const policyStatement = object({
  name: optional(str),
  match: optional(
    object({
      prefix: optional(listOf(prefixMatch)),
      asPath: optional(asPathRegex),
      asPathContains: optional(asn),
      originAs: optional(asn),
      neighborAs: optional(asn),
      community: optional(listOf(community)),
      largeCommunity: optional(listOf(largeCommunity)),
    }),
  ),
  set: optional(
    object({
      localPref: optional(int(0, 4294967295)),
      med: optional(int(0, 4294967295)),
      communities: optional(listEdit(community)),
      largeCommunities: optional(listEdit(largeCommunity)),
      prepend: optional(object({ asn: optional(asn), count: optional(int(1, 16), 1) })),
      nextHop: optional(ipAddress),
    }),
  ),
  action: oneOf('accept', 'reject'),
});

const kernel = object({
  installRoutes: optional(bool, true),
  /**
   * rtnetlink protocol number for our routes: 201 by default (rib/fib/fib.ts says why). Not 186
   * ("bgp", used by FRR and BIRD) nor FRR's 186-198, so podbgp never touches their routes.
   */
  protocol: optional(int(1, 255), 201),
  table: optional(int(1, 4294967295), 254),
  metric: optional(int(0, 4294967295), 20),
  ecmpMaxPaths: optional(int(1, 64), 8),
  blackholeOwnPodCidrs: optional(bool, false),
  reconcileIntervalSeconds: optional(int(1, 3600), 60),
});

export const checkConfig = object({
  asn,
  routerId: ipv4Address,
  clusterId: optional(ipv4Address),
  listen: optional(
    object({ addresses: optional(listOf(ipAddress), ['0.0.0.0', '::']), port: optional(int(0, 65535), 179) }),
    { addresses: ['0.0.0.0', '::'], port: 179 },
  ),
  /** The node's own Pod CIDRs (and anything else to originate). */
  originate: optional(listOf(cidr), []),
  /** Import routes for prefixes inside these CIDRs (the cluster Pod CIDRs). */
  accept: optional(listOf(cidr), []),
  peers: optional(listOf(peer), []),
  policies: optional(mapOf(listOf(policyStatement)), {}),
  gracefulRestart: optional(gracefulRestart, gracefulRestart({}, '')),
  bestPath: optional(
    object({
      alwaysCompareMed: optional(bool, false),
      missingMedAsWorst: optional(bool, false),
      multipathRelax: optional(bool, false),
    }),
    { alwaysCompareMed: false, missingMedAsWorst: false, multipathRelax: false },
  ),
  kernel: optional(kernel, kernel({}, '')),
  logging: optional(
    object({
      level: optional(oneOf('error', 'warn', 'info', 'debug'), 'info'),
      format: optional(oneOf('auto', 'json', 'text'), 'auto'),
    }),
    { level: 'info', format: 'auto' } as const,
  ),
  api: optional(object({ socket: optional(str, '/run/podbgp/podbgp.sock') }), {
    socket: '/run/podbgp/podbgp.sock',
  }),
  metrics: optional(object({ address: optional(str, ':9179') }), { address: ':9179' }),
  readiness: optional(object({ timeoutSeconds: optional(int(1, 3600), 120) }), { timeoutSeconds: 120 }),
});

export type PodbgpConfig = ReturnType<typeof checkConfig>;
export type PeerConfig = PodbgpConfig['peers'][number];
export type PolicyStatement = PodbgpConfig['policies'][string][number];

/** Rules across fields that a per-field check cannot see. */
export function checkCrossFields(cfg: PodbgpConfig): void {
  const seen = new Map<string, number>();
  cfg.peers.forEach((peer, i) => {
    const path = `peers[${i}]`;
    if ((peer.address === undefined) === (peer.range === undefined)) {
      throw new ConfigError(path, 'exactly one of address or range', peer.address ? 'both' : 'neither');
    }
    if (peer.range !== undefined && !peer.passive) {
      throw new ConfigError(
        `${path}.passive`,
        'true for a dynamic range (podbgp cannot connect to a range)',
        'false',
      );
    }
    const key = peer.address ?? peer.range!;
    const before = seen.get(key);
    if (before !== undefined)
      throw new ConfigError(
        `${path}.address`,
        `an address not already used by peers[${before}]`,
        describe(key),
      );
    seen.set(key, i);
    if (peer.multihop !== undefined && peer.ttlSecurity) {
      throw new ConfigError(path, 'either multihop or ttlSecurity, not both', 'both');
    }
    for (const ref of [peer.importPolicy, peer.exportPolicy]) {
      if (ref !== undefined && !(ref in cfg.policies)) {
        throw new ConfigError(
          `${path}.${ref === peer.importPolicy ? 'importPolicy' : 'exportPolicy'}`,
          `one of the policies (${Object.keys(cfg.policies).join(', ') || 'none defined'})`,
          describe(ref),
        );
      }
    }
    for (const fam of Object.keys(peer.maxPrefix ?? {})) {
      family(fam, `${path}.maxPrefix.${fam}`);
    }
  });
}
