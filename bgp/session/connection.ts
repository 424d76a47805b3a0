// One TCP connection to a peer and the FSM instance that runs on it (RFC 4271 §8.2.1.2: "There
// is one FSM per BGP connection"). A Session has one, or two during a connection collision
// (RFC 4271 §6.8). This is state only: the Session drives it. In: a net.Socket once connected or
// accepted. Out: the data the Session reads (framer, output queue, OPENs, negotiation result).
import type net from 'node:net';
import type { FsmState } from '../fsm/index.ts';
import type { NegotiatedSession } from '../negotiate.ts';
import { Framer } from '../wire/header.ts';
import { MessageType } from '../wire/iana/message-types.ts';
import type { OpenMessage } from '../wire/types.ts';
import type { NotificationSummary, SessionMessage } from './messages.ts';
import { OutputQueue } from './output-queue.ts';
import type { OutputQueueOptions } from './output-queue.ts';

export class Connection {
  /** Owner key in the shared TimerFacility, e.g. "10.0.0.2#3". */
  readonly id: string;
  direction: 'outgoing' | 'incoming' = 'outgoing';
  fsm: FsmState;
  socket: net.Socket | null = null;
  queue: OutputQueue | null = null;
  framer = new Framer();
  /** The OPEN we sent on this connection, and the peer's (once received and accepted). */
  localOpen: OpenMessage | null = null;
  remoteOpen: OpenMessage | null = null;
  negotiated: NegotiatedSession | null = null;
  /** Bumped by every connect and every drop, so a late connect result for an old attempt is discarded. */
  attempt = 0;
  connectPending = false;
  /** The NOTIFICATION this connection sent or received last, reset on each new TCP connection. */
  notification: NotificationSummary | null = null;
  /** A decoded message waiting for the FSM's process-update / process-route-refresh action. */
  pending: SessionMessage | null = null;

  constructor(id: string, fsm: FsmState) {
    this.id = id;
    this.fsm = fsm;
  }

  /** An UPDATE was handed to the socket; the Session turns it into the FSM's UpdateSent. */
  onUpdateWritten: (() => void) | null = null;
  /** An UpdateSent event is already scheduled for this tick's UPDATEs. */
  updateSentPending = false;

  /** Takes over a connected socket: fresh framer, fresh output queue. */
  attach(socket: net.Socket, direction: 'outgoing' | 'incoming', queueOptions?: OutputQueueOptions): void {
    this.socket = socket;
    this.direction = direction;
    this.framer = new Framer();
    this.queue = new OutputQueue(
      {
        write: (buf) => socket.write(buf),
        // The message type octet follows the 16-octet marker and the 2-octet length (RFC 4271 §4.1).
        wroteBulk: (buf) => {
          if (buf[18] === MessageType.UPDATE) this.onUpdateWritten?.();
        },
      },
      queueOptions,
    );
    this.localOpen = null;
    this.remoteOpen = null;
    this.negotiated = null;
    this.notification = null;
    this.pending = null;
    this.connectPending = false;
  }

  /**
   * Closes the TCP connection after what was written (a NOTIFICATION) is flushed; a connection
   * that does not finish closing within 2 s is destroyed. Also cancels a connect in progress.
   */
  close(abrupt = false): void {
    this.attempt++;
    this.connectPending = false;
    const s = this.socket;
    this.socket = null;
    this.queue?.close();
    if (s === null) return;
    if (abrupt) {
      s.resetAndDestroy();
      return;
    }
    const timer = setTimeout(() => s.destroy(), 2000);
    timer.unref();
    s.once('close', () => clearTimeout(timer));
    s.end();
  }
}
