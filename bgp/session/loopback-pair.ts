// Test support: two podbgp SessionManagers talking over real loopback sockets, A on 127.0.0.1
// (AS 65001, BGP id 1.1.1.1) and B on 127.0.0.2 (AS 65002, BGP id 2.2.2.2), each listening on a
// free port. In: per-side peer config overrides. Out: the managers, their Sessions and every
// SessionMessage each side emitted, plus waitFor helpers. Used by the session *.test.ts files.
import { checkConfig } from '../../config/schema.ts';
import type { PeerConfig } from '../../config/schema.ts';
import type { SessionMessage } from './messages.ts';
import { SessionManager } from './manager.ts';
import type { Session } from './session.ts';
import type { LocalSettings } from './settings.ts';

export interface Side {
  readonly name: 'A' | 'B';
  readonly address: string;
  readonly manager: SessionManager;
  readonly messages: SessionMessage[];
  /** This side's Session for the other side (after connect()). */
  session: Session;
  port: number;
}

export interface PairOptions {
  /** Extra fields of the peer config on each side (merged into the defaults). */
  readonly a?: Record<string, unknown>;
  readonly b?: Record<string, unknown>;
  readonly localA?: Partial<LocalSettings>;
  readonly localB?: Partial<LocalSettings>;
}

function peerConfig(fields: Record<string, unknown>): PeerConfig {
  const cfg = checkConfig({ asn: 1, routerId: '9.9.9.9', peers: [fields] }, '');
  return cfg.peers[0]!;
}

export class LoopbackPair {
  readonly a: Side;
  readonly b: Side;
  private readonly options: PairOptions;

  private constructor(a: Side, b: Side, options: PairOptions) {
    this.a = a;
    this.b = b;
    this.options = options;
  }

  /** Starts both managers' listeners (no peers yet). */
  static async create(options: PairOptions = {}): Promise<LoopbackPair> {
    const make = async (name: 'A' | 'B', address: string, local: LocalSettings): Promise<Side> => {
      const manager = new SessionManager({ local, listen: { addresses: [address], port: 0 } });
      const messages: SessionMessage[] = [];
      manager.subscribe((m) => messages.push(m));
      await manager.start();
      const port = manager.listening()[0]!.port;
      return { name, address, manager, messages, session: undefined as unknown as Session, port };
    };
    const a = await make('A', '127.0.0.1', { asn: 65001, routerId: '1.1.1.1', ...options.localA });
    const b = await make('B', '127.0.0.2', { asn: 65002, routerId: '2.2.2.2', ...options.localB });
    return new LoopbackPair(a, b, options);
  }

  /** Adds each side as the other's peer (short timers unless overridden); both start at once. */
  connect(): void {
    const base = (other: Side, asn: number): Record<string, unknown> => ({
      address: other.address,
      asn,
      port: other.port,
      timers: { holdTime: 9, connectRetryTime: 1 },
    });
    const cfgA = peerConfig({ ...base(this.b, 65002), sourceAddress: this.a.address, ...this.options.a });
    const cfgB = peerConfig({ ...base(this.a, 65001), sourceAddress: this.b.address, ...this.options.b });
    this.a.session = this.a.manager.addPeer(cfgA)!;
    this.b.session = this.b.manager.addPeer(cfgB)!;
  }

  destroy(): void {
    this.a.manager.destroy();
    this.b.manager.destroy();
  }
}

/** Polls every 20 ms until `check` returns a value that is not undefined/false, or fails after ms. */
export async function until<T>(what: string, check: () => T | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The messages of one kind a side emitted. */
export function ofKind<K extends SessionMessage['kind']>(
  side: Side,
  kind: K,
): Extract<SessionMessage, { kind: K }>[] {
  return side.messages.filter((m): m is Extract<SessionMessage, { kind: K }> => m.kind === kind);
}
