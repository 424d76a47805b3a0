// Readiness for /readyz (issue 5): "at start, ready once every configured peer has been
// Established once and exchanged End-of-RIB (or a configured timeout passed); afterwards ready
// while at least one peer is Established."
// "Exchanged" means both directions, per negotiated family: the peer's End-of-RIB received
// (RFC 4724 §2) and ours sent after our initial table. When the start-up wait ends (all peers
// synced, or the timeout), readiness becomes "at least one peer Established" for good, so a node
// whose every session is down stops taking pods even if it was ready before.
// Liveness (/healthz) is the event loop's health: see event-loop.ts.
// In: the configured peers (setPeers), typed messages (observe), time. Out: check(): ready + why.
import type { StateName } from '../../bgp/fsm/states.ts';
import { familyKey, familyName } from '../../bgp/wire/iana/afi-safi.ts';
import type { FamilyRef } from '../../bgp/wire/types.ts';
import type { ObservedMessage, PeerName } from './observe-types.ts';

export interface ReadinessOptions {
  /** config readiness.timeoutSeconds: the longest the start-up wait lasts. */
  readonly timeoutSeconds: number;
  /** The configured (static) peers to wait for. */
  readonly peers?: Iterable<PeerName>;
  /** Milliseconds, monotonic; performance.now() when absent. */
  readonly now?: () => number;
}

export interface ReadinessStatus {
  readonly ready: boolean;
  /** 'startup' while waiting for the first End-of-RIB exchange; 'running' after. */
  readonly phase: 'startup' | 'running';
  /** One line of plain text for the /readyz body. */
  readonly reason: string;
}

interface PeerSync {
  configured: boolean;
  state: StateName;
  everEstablished: boolean;
  /** Negotiated families of the current session; null until peer-up. */
  families: readonly FamilyRef[] | null;
  eorReceived: Set<number>;
  eorSent: Set<number>;
  /** Established once and End-of-RIB exchanged for every family, both ways, in one session. */
  synced: boolean;
}

const MAX_LISTED = 5;

function newSync(configured: boolean): PeerSync {
  return {
    configured,
    state: 'Idle',
    everEstablished: false,
    families: null,
    eorReceived: new Set(),
    eorSent: new Set(),
    synced: false,
  };
}

function listed(items: readonly string[], sep: string): string {
  if (items.length <= MAX_LISTED) return items.join(sep);
  return `${items.slice(0, MAX_LISTED).join(sep)}${sep}and ${items.length - MAX_LISTED} more`;
}

export class Readiness {
  readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly peers = new Map<PeerName, PeerSync>();
  /** Why the start-up wait ended, once it has. */
  private startupEnded: string | null = null;

  constructor(opts: ReadinessOptions) {
    this.timeoutMs = opts.timeoutSeconds * 1000;
    this.now = opts.now ?? (() => performance.now());
    this.startedAt = this.now();
    this.setPeers(opts.peers ?? []);
  }

  /** The configured peers after start or a reload: new ones are added, removed ones forgotten. */
  setPeers(peers: Iterable<PeerName>): void {
    const want = new Set(peers);
    for (const [name, p] of this.peers) {
      if (!want.has(name)) this.peers.delete(name);
      else p.configured = true;
    }
    for (const name of want) if (!this.peers.has(name)) this.peers.set(name, newSync(true));
  }

  /** A peer that is gone (a dynamic peer whose session ended for good, or one deconfigured). */
  removePeer(peer: PeerName): void {
    this.peers.delete(peer);
  }

  private sync(peer: PeerName): PeerSync {
    let p = this.peers.get(peer);
    if (p === undefined) {
      // A dynamic peer (from a configured range): counts as Established, is never waited for.
      p = newSync(false);
      this.peers.set(peer, p);
    }
    return p;
  }

  private leaveEstablished(p: PeerSync): void {
    p.families = null;
    p.eorReceived.clear();
    p.eorSent.clear();
  }

  private updateSynced(p: PeerSync): void {
    if (p.synced || p.families === null || p.state !== 'Established') return;
    for (const f of p.families) {
      const k = familyKey(f.afi, f.safi);
      if (!p.eorReceived.has(k) || !p.eorSent.has(k)) return;
    }
    p.synced = true;
  }

  observe(m: ObservedMessage): void {
    switch (m.kind) {
      case 'session-state': {
        const p = this.sync(m.peer);
        if (m.to === 'Established') p.everEstablished = true;
        else if (p.state === 'Established') this.leaveEstablished(p);
        p.state = m.to;
        break;
      }
      case 'peer-up': {
        const p = this.sync(m.peer);
        p.state = 'Established';
        p.everEstablished = true;
        p.families = m.negotiated.families;
        this.updateSynced(p);
        break;
      }
      case 'peer-down': {
        const p = this.sync(m.peer);
        if (p.state === 'Established') this.leaveEstablished(p);
        p.state = 'Idle';
        break;
      }
      case 'end-of-rib': {
        const p = this.sync(m.peer);
        const k = familyKey(m.afi, m.safi);
        (m.direction === 'sent' ? p.eorSent : p.eorReceived).add(k);
        this.updateSynced(p);
        break;
      }
      default:
        return;
    }
  }

  /** What the start-up wait is still waiting for, one item per peer not yet synced. */
  private waitingFor(): string[] {
    const items: string[] = [];
    for (const [name, p] of this.peers) {
      if (!p.configured || p.synced) continue;
      if (p.state !== 'Established') {
        items.push(
          `waiting for ${name} to reach Established${p.everEstablished ? ' again' : ''} (now ${p.state})`,
        );
      } else if (p.families === null) {
        items.push(`waiting for ${name} to finish capability negotiation`);
      } else {
        const missingIn = p.families.filter((f) => !p.eorReceived.has(familyKey(f.afi, f.safi)));
        const missingOut = p.families.filter((f) => !p.eorSent.has(familyKey(f.afi, f.safi)));
        const names = (fs: readonly FamilyRef[]) => fs.map((f) => familyName(f.afi, f.safi)).join(', ');
        if (missingIn.length > 0) items.push(`waiting for End-of-RIB from ${name} (${names(missingIn)})`);
        if (missingOut.length > 0) items.push(`sending our End-of-RIB to ${name} (${names(missingOut)})`);
      }
    }
    return items;
  }

  check(): ReadinessStatus {
    let configured = 0;
    for (const p of this.peers.values()) if (p.configured) configured++;
    if (this.startupEnded === null) {
      const waiting = this.waitingFor();
      const elapsed = this.now() - this.startedAt;
      if (configured === 0) this.startupEnded = 'no peers configured';
      else if (waiting.length === 0) this.startupEnded = `End-of-RIB exchanged with all ${configured} peers`;
      else if (elapsed >= this.timeoutMs) {
        this.startupEnded = `start-up wait timed out after ${Math.round(this.timeoutMs / 1000)} s`;
      } else {
        const left = Math.ceil((this.timeoutMs - elapsed) / 1000);
        return {
          ready: false,
          phase: 'startup',
          reason: `not ready: ${listed(waiting, '; ')}; ${left} s left of ${Math.round(this.timeoutMs / 1000)} s`,
        };
      }
    }
    if (this.peers.size === 0) return { ready: true, phase: 'running', reason: 'ready: no peers configured' };
    const up: string[] = [];
    const down: string[] = [];
    for (const [name, p] of this.peers) {
      if (p.state === 'Established') up.push(name);
      else down.push(`${name} ${p.state}`);
    }
    if (up.length > 0) {
      return {
        ready: true,
        phase: 'running',
        reason: `ready: ${up.length} of ${this.peers.size} peers Established (${listed(up, ', ')}); ${this.startupEnded}`,
      };
    }
    return {
      ready: false,
      phase: 'running',
      reason: `not ready: no peer Established (${listed(down, ', ')}); ${this.startupEnded}`,
    };
  }
}
