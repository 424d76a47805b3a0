// What one Session needs to know about its peer, derived once from config/schema.ts PeerConfig and
// the daemon-wide settings. In: a PeerConfig (the password already resolved to a string by the
// core; it never appears in logs or messages), the local AS / router id and GR options. Out:
// PeerSettings, plus the FsmConfig, our OPEN and the NegotiateConfig built from them.
import type { PeerConfig } from '../../config/schema.ts';
import type { FsmConfig } from '../fsm/index.ts';
import { buildOpen } from '../negotiate.ts';
import type { NegotiateConfig } from '../negotiate.ts';
import { Afi, familyKey, familyName, Safi } from '../wire/iana/afi-safi.ts';
import type { FamilyRef, OpenMessage } from '../wire/types.ts';
import { parseIpv4 } from '../wire/prefix-text.ts';
import { normalizeAddress } from '../transport/peer-address.ts';

/** Daemon-wide settings every session shares. */
export interface LocalSettings {
  readonly asn: number;
  /** BGP Identifier, dotted quad. */
  readonly routerId: string;
  /** Graceful restart defaults for peers that do not say (config gracefulRestart). */
  readonly gracefulRestart?: GracefulRestartSettings;
  /**
   * RFC 4724 §3 Restart State (R bit): set when the daemon has restarted with routes preserved
   * (an option on start). Sent in each session's OPEN until that session first reaches Established.
   */
  readonly restarting?: boolean;
  /** RFC 4724 F bit per family: the kernel kept forwarding through the restart. */
  readonly forwardingPreserved?: boolean;
  /** Advertise RFC 8654 Extended Message (default true). */
  readonly extendedMessage?: boolean;
  /** Advertise RFC 7313 enhanced route refresh (default true). */
  readonly enhancedRouteRefresh?: boolean;
  /** Our own connect timeout in ms (MD5 peers drop our SYN silently); default 5000. */
  readonly connectTimeoutMs?: number;
}

export interface GracefulRestartSettings {
  readonly enabled: boolean;
  readonly restartTime: number;
  readonly notification: boolean;
}

export interface MaxPrefixSettings {
  readonly limit: number;
  /** Seconds before reconnecting after the limit shut the session down; 0: stay down until enable(). */
  readonly restartAfter: number;
  readonly warningOnly: boolean;
}

export interface PeerSettings {
  /** The peer's address, normalized (also the peer's name in every message). */
  readonly address: string;
  readonly port: number;
  readonly passive: boolean;
  readonly localAs: number;
  readonly routerId: number;
  readonly remoteAs: number | 'internal' | 'external';
  readonly sourceAddress: string | undefined;
  readonly multihop: number | undefined;
  readonly ttlSecurity: number | undefined;
  readonly password: string | undefined;
  readonly holdTime: number;
  readonly keepaliveTime: number | undefined;
  readonly connectRetryTime: number;
  readonly delayOpenTime: number | undefined;
  readonly families: readonly FamilyRef[];
  readonly gracefulRestart: GracefulRestartSettings | null;
  readonly forwardingPreserved: boolean;
  /** By familyKey. */
  readonly maxPrefix: ReadonlyMap<number, MaxPrefixSettings>;
  readonly addPath: { readonly send: boolean; readonly receive: boolean };
  readonly extendedMessage: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly connectTimeoutMs: number;
  /** Configured administratively down (config `shutdown: true`). */
  readonly shutdown: boolean;
  /** Created for an address inside a dynamic range. */
  readonly dynamic: boolean;
}

const FAMILY_BY_NAME: Readonly<Record<string, FamilyRef>> = {
  'ipv4-unicast': { afi: Afi.IPV4, safi: Safi.UNICAST },
  'ipv6-unicast': { afi: Afi.IPV6, safi: Safi.UNICAST },
};

/**
 * PeerSettings for a configured peer, or for `address` inside a dynamic range (`peer.range`).
 * `password` is the resolved secret (or undefined).
 */
export function peerSettings(
  peer: PeerConfig,
  local: LocalSettings,
  password?: string,
  address?: string,
): PeerSettings {
  const addr = address ?? peer.address;
  if (addr === undefined) throw new TypeError('peerSettings: a range peer needs the connecting address');
  const families = (peer.families ?? ['ipv4-unicast', 'ipv6-unicast']).map((f) => FAMILY_BY_NAME[f]!);
  const maxPrefix = new Map<number, MaxPrefixSettings>();
  for (const [name, m] of Object.entries(peer.maxPrefix ?? {})) {
    const f = FAMILY_BY_NAME[name];
    if (f !== undefined) maxPrefix.set(familyKey(f.afi, f.safi), m);
  }
  const gr = peer.gracefulRestart ?? local.gracefulRestart;
  const t = peer.timers;
  return {
    address: normalizeAddress(addr),
    port: peer.port,
    passive: peer.passive || address !== undefined,
    localAs: local.asn,
    routerId: parseIpv4(local.routerId),
    remoteAs: peer.asn,
    sourceAddress: peer.sourceAddress,
    multihop: peer.multihop,
    ttlSecurity: peer.ttlSecurity === 0 ? undefined : peer.ttlSecurity,
    password: password === '' ? undefined : password,
    holdTime: t.holdTime,
    keepaliveTime: t.keepaliveTime === 0 ? undefined : t.keepaliveTime,
    connectRetryTime: t.connectRetryTime,
    delayOpenTime: t.delayOpenTime === 0 ? undefined : t.delayOpenTime,
    families,
    gracefulRestart: gr !== undefined && gr.enabled ? gr : null,
    forwardingPreserved: local.forwardingPreserved === true,
    maxPrefix,
    addPath: { send: peer.addPath?.send === true, receive: peer.addPath?.receive === true },
    extendedMessage: local.extendedMessage !== false,
    enhancedRouteRefresh: local.enhancedRouteRefresh !== false,
    connectTimeoutMs: local.connectTimeoutMs ?? 5000,
    shutdown: peer.shutdown,
    dynamic: address !== undefined,
  };
}

/** The FSM's configuration for this peer. The IdleHold backoff follows ConnectRetryTime. */
export function fsmConfigOf(s: PeerSettings): Partial<FsmConfig> {
  return {
    connectRetryTimeSeconds: s.connectRetryTime,
    connectRetryMaxSeconds: Math.max(120, s.connectRetryTime),
    holdTimeSeconds: s.holdTime,
    keepaliveTimeSeconds: s.keepaliveTime ?? null,
    delayOpen: s.delayOpenTime !== undefined,
    delayOpenTimeSeconds: s.delayOpenTime ?? 5,
    passiveTcpEstablishment: s.passive,
    idleHoldTimeSeconds: s.connectRetryTime,
    idleHoldMaxSeconds: Math.max(600, s.connectRetryTime),
    // Long enough that a flapping peer keeps its backoff; short timers in tests shorten it too.
    stableTimeSeconds: Math.min(60, Math.max(3 * s.holdTime, 3 * s.connectRetryTime)),
  };
}

/** Our OPEN to this peer. `restarting` sets the RFC 4724 R bit. */
export function localOpen(s: PeerSettings, restarting: boolean): OpenMessage {
  const gr = s.gracefulRestart;
  const addPathBits = (s.addPath.receive ? 1 : 0) | (s.addPath.send ? 2 : 0);
  return buildOpen({
    asn: s.localAs,
    holdTime: s.holdTime,
    bgpId: s.routerId,
    families: s.families,
    routeRefresh: true,
    enhancedRouteRefresh: s.enhancedRouteRefresh,
    extendedMessage: s.extendedMessage,
    ...(addPathBits === 0 ? {} : { addPath: s.families.map((f) => ({ ...f, sendReceive: addPathBits })) }),
    ...(gr === null
      ? {}
      : {
          gracefulRestart: {
            restartTime: gr.restartTime,
            restarting,
            notification: gr.notification,
            families: s.families.map((f) => ({ ...f, forwardingPreserved: s.forwardingPreserved })),
          },
        }),
  });
}

/** What negotiate() checks the peer's OPEN against. 'external' is checked after negotiate(). */
export function negotiateConfigOf(s: PeerSettings): NegotiateConfig {
  const expected = s.remoteAs === 'internal' ? s.localAs : s.remoteAs === 'external' ? undefined : s.remoteAs;
  return {
    ...(expected === undefined ? {} : { expectedPeerAs: expected }),
    localAs: s.localAs,
    localBgpId: s.routerId,
  };
}

/** 'ipv4-unicast' for a family key (the config's and the CLI's spelling). */
export function familyText(key: number): string {
  return familyName(key >>> 8, key & 0xff);
}

/**
 * Fields a running session takes over without a reset: max-prefix limits (checked on the next
 * UPDATE and at once against the current count) and the administrative shutdown flag (applied as
 * disable / enable). Everything else is negotiated in the OPEN or shapes the transport, so a
 * change needs a new session. Fields the session never sees (description, the RIB's
 * MinRouteAdvertisementInterval, policies) do not appear in PeerSettings at all.
 */
const LIVE_FIELDS = ['maxPrefix', 'shutdown'] as const;

function plain(s: PeerSettings, without: readonly string[] = []): string {
  const o: Record<string, unknown> = { ...s, maxPrefix: [...s.maxPrefix.entries()] };
  for (const k of without) delete o[k];
  return JSON.stringify(o);
}

/** Whether two settings are equal. */
export function sameSettings(a: PeerSettings, b: PeerSettings): boolean {
  return plain(a) === plain(b);
}

/** 'same': nothing changed; 'live': only fields a running session applies without a reset; 'reset'. */
export function settingsChange(a: PeerSettings, b: PeerSettings): 'same' | 'live' | 'reset' {
  if (sameSettings(a, b)) return 'same';
  return plain(a, LIVE_FIELDS) === plain(b, LIVE_FIELDS) ? 'live' : 'reset';
}
