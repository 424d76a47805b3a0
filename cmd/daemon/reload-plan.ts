// What a SIGHUP reload must do, worked out from the running and the new configuration alone (no
// sockets, no owners): which peers are added, removed, hard-reset (session settings changed),
// soft-reset (only the policies they get changed: RFC 2918 route refresh in, re-export out), and
// which originated prefixes come and go. The core applies the plan; nothing here has effects.
//
// Values are compared canonically (object keys sorted), so a peer written with its keys in
// another order, or with an optional field added at its default place, is the same peer.
// In: two PodbgpConfigs. Out: ReloadPlan.
import type { PeerConfig, PodbgpConfig } from '../../config/schema.ts';
import { normalizeAddress } from '../../bgp/transport/peer-address.ts';

export interface PeerStep {
  /** Normalized address or range: the peer's identity across reloads. */
  readonly key: string;
  readonly peer: PeerConfig;
  /** Index in the new config's peers (for error paths), or in the old one for removals. */
  readonly index: number;
}

export interface ReloadPlan {
  readonly added: readonly PeerStep[];
  readonly removed: readonly PeerStep[];
  /** Session settings changed: the session is reconfigured (a reset where the change needs one). */
  readonly changed: readonly PeerStep[];
  /** Only the peer's effective import/export policy changed: soft reset, the session stays up. */
  readonly soft: readonly PeerStep[];
  readonly originateAdded: readonly string[];
  readonly originateRemoved: readonly string[];
  /** Top-level settings that a reload cannot apply to a running daemon (they need a restart). */
  readonly needsRestart: readonly string[];
}

/** Settings read only at start-up (by SessionManager, Routing or the servers). */
const START_ONLY = [
  'asn',
  'routerId',
  'clusterId',
  'listen',
  'gracefulRestart',
  'bestPath',
  'kernel',
  'api',
  'metrics',
  'logging',
] as const;

/** JSON with object keys sorted and undefined members dropped: equal values give equal text. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function peerKey(p: PeerConfig): string {
  return normalizeAddress(p.address ?? p.range ?? '');
}

/** The peer's session settings: no policies, no description, the address in normalized form. */
function sessionPart(p: PeerConfig): Record<string, unknown> {
  // The description is for people; it is not sent to the peer and needs no reset either.
  const { importPolicy: _i, exportPolicy: _e, description: _d, address, range, ...rest } = p;
  return { ...rest, key: peerKey(p), isRange: address === undefined && range !== undefined };
}

/**
 * Did the policy the peer gets in `dir` change? A named policy: its name or its statements. The
 * defaults (config/policies.ts peerPolicies): import depends on `accept` and the originated
 * prefixes (never import our own Pod CIDRs), export on the originated prefixes.
 */
function policyChanged(
  dir: 'importPolicy' | 'exportPolicy',
  prev: PeerConfig,
  next: PeerConfig,
  before: PodbgpConfig,
  after: PodbgpConfig,
): boolean {
  const a = prev[dir];
  const b = next[dir];
  if (a !== b) return true;
  if (b !== undefined) return canonical(before.policies[b]) !== canonical(after.policies[b]);
  const originate = canonical(before.originate) !== canonical(after.originate);
  if (dir === 'exportPolicy') return originate;
  return originate || canonical(before.accept) !== canonical(after.accept);
}

export function planReload(before: PodbgpConfig, after: PodbgpConfig): ReloadPlan {
  const old = new Map(
    before.peers.map((peer, index) => [peerKey(peer), { key: peerKey(peer), peer, index }]),
  );
  const now = new Map(after.peers.map((peer, index) => [peerKey(peer), { key: peerKey(peer), peer, index }]));
  const added: PeerStep[] = [];
  const removed: PeerStep[] = [];
  const changed: PeerStep[] = [];
  const soft: PeerStep[] = [];
  for (const [k, step] of old) if (!now.has(k)) removed.push(step);
  for (const [k, step] of now) {
    const prev = old.get(k);
    if (prev === undefined) {
      added.push(step);
    } else if (canonical(sessionPart(prev.peer)) !== canonical(sessionPart(step.peer))) {
      changed.push(step);
    } else if (
      policyChanged('importPolicy', prev.peer, step.peer, before, after) ||
      policyChanged('exportPolicy', prev.peer, step.peer, before, after)
    ) {
      soft.push(step);
    }
  }
  const oldOrig = new Set(before.originate);
  const newOrig = new Set(after.originate);
  return {
    added,
    removed,
    changed,
    soft,
    originateAdded: after.originate.filter((c) => !oldOrig.has(c)),
    originateRemoved: before.originate.filter((c) => !newOrig.has(c)),
    needsRestart: START_ONLY.filter((k) => canonical(before[k]) !== canonical(after[k])),
  };
}
