// The receive path of a Session: bytes from one connection's socket are framed, each message is
// decoded with the connection's negotiated CodecContext and turned into the FSM event RFC 4271
// §8.1.5 names. A decode BgpError becomes its NOTIFICATION in one place (notificationFromError);
// RFC 7606 treat-as-withdraw / attribute-discard results pass on inside the UPDATE. Max-prefix
// (RFC 4486 Cease/1) is checked here, before an UPDATE reaches the RIB.
// In: (session, connection, socket, chunk). Out: session.run(...) calls and queued messages.
import type net from 'node:net';
import { State } from '../fsm/index.ts';
import type { FsmEvent } from '../fsm/index.ts';
import { negotiate } from '../negotiate.ts';
import { isBgpError } from '../wire/errors.ts';
import type { BgpError } from '../wire/errors.ts';
import type { Frame } from '../wire/header.ts';
import { familyKey } from '../wire/iana/afi-safi.ts';
import { CeaseSubcode } from '../wire/iana/error-codes.ts';
import { MESSAGE_TYPE_NAMES, MessageType } from '../wire/iana/message-types.ts';
import { decodeNotification, notificationFromError } from '../wire/notification.ts';
import { decodeOpen } from '../wire/open.ts';
import { decodeRouteRefresh } from '../wire/route-refresh.ts';
import { decodeUpdate, isEndOfRib } from '../wire/update.ts';
import type { UpdateMessage } from '../wire/types.ts';
import type { Connection } from './connection.ts';
import type { Session } from './session.ts';
import { familyText, localOpen, negotiateConfigOf } from './settings.ts';

type ErrorEventKind = 'BGPHeaderErr' | 'BGPOpenMsgErr' | 'UpdateMsgErr';

function errorEvent(kind: ErrorEventKind, e: BgpError): FsmEvent {
  const n = notificationFromError(e);
  return { kind, error: { code: n.code, subcode: n.subcode, data: n.data }, why: e.detail };
}

/** Feeds a chunk to the connection's framer and handles every complete message in it. */
export function receiveData(session: Session, conn: Connection, socket: net.Socket, chunk: Buffer): void {
  conn.framer.push(chunk);
  while (conn.socket === socket) {
    let frame: Frame | null;
    try {
      frame = conn.framer.next();
    } catch (e) {
      if (!isBgpError(e)) throw e;
      session.run(conn, errorEvent('BGPHeaderErr', e));
      return;
    }
    if (frame === null) return;
    const name = MESSAGE_TYPE_NAMES[frame.type] ?? String(frame.type);
    session.messagesIn[name] = (session.messagesIn[name] ?? 0) + 1;
    receiveMessage(session, conn, frame);
  }
}

function receiveMessage(session: Session, conn: Connection, frame: Frame): void {
  switch (frame.type) {
    case MessageType.OPEN:
      receiveOpen(session, conn, frame.body);
      return;
    case MessageType.UPDATE:
      receiveUpdate(session, conn, frame.body);
      return;
    case MessageType.NOTIFICATION: {
      let code = frame.body[0] ?? 0;
      let subcode = frame.body[1] ?? 0;
      let data: Uint8Array = frame.body.subarray(2);
      try {
        const n = decodeNotification(frame.body);
        ({ code, subcode, data } = n);
      } catch (e) {
        // A malformed NOTIFICATION is never answered with another (RFC 4271 §6.4): the
        // connection closes anyway; keep what could be read.
        if (!isBgpError(e)) throw e;
      }
      session.noteNotification(conn, 'received', code, subcode, data);
      session.run(conn, { kind: 'NotifMsg', notification: { code, subcode, data } });
      return;
    }
    case MessageType.KEEPALIVE:
      session.run(conn, { kind: 'KeepAliveMsg' });
      return;
    case MessageType.ROUTE_REFRESH:
      receiveRouteRefresh(session, conn, frame.body);
      return;
  }
}

function receiveOpen(session: Session, conn: Connection, body: Buffer): void {
  if (conn.fsm.state === State.OpenConfirm || conn.fsm.state === State.Established) {
    // A second OPEN on the same connection: the FSM answers with an RFC 6608 FSM Error.
    session.run(conn, { kind: 'BGPOpen', holdTimeSeconds: 0 });
    return;
  }
  try {
    const remote = decodeOpen(body);
    const local = conn.localOpen ?? localOpen(session.settings, false);
    const neg = negotiate(local, remote, negotiateConfigOf(session.settings));
    session.acceptOpen(conn, remote, neg);
  } catch (e) {
    if (!isBgpError(e)) throw e;
    session.run(conn, errorEvent('BGPOpenMsgErr', e));
  }
}

function receiveUpdate(session: Session, conn: Connection, body: Buffer): void {
  const neg = conn.negotiated;
  if (conn.fsm.state !== State.Established || neg === null) {
    session.run(conn, { kind: 'UpdateMsg' }); // RFC 6608 unexpected UPDATE
    return;
  }
  let msg: UpdateMessage;
  try {
    msg = decodeUpdate(body, neg.context);
  } catch (e) {
    if (!isBgpError(e)) throw e;
    session.run(conn, errorEvent('UpdateMsgErr', e));
    return;
  }
  session.updatesIn++;
  for (const err of msg.errors ?? []) {
    session.push({ kind: 'update-error', peer: session.peer, action: err.action, text: err.message });
  }
  const eor = isEndOfRib(msg);
  if (eor !== null) {
    conn.pending = { kind: 'end-of-rib', peer: session.peer, afi: eor.afi, safi: eor.safi };
    session.run(conn, { kind: 'UpdateMsg' });
    return;
  }
  for (const key of session.prefixes.apply(msg)) if (enforceMaxPrefix(session, conn, key)) return;
  conn.pending = { kind: 'update', peer: session.peer, msg };
  session.run(conn, { kind: 'UpdateMsg' });
}

/**
 * Checks one family's prefix count against its max-prefix limit (after an UPDATE, or when the
 * limit changed). Over the limit: a 'max-prefix' message, and unless warningOnly the session is
 * stopped with Cease / Maximum Number of Prefixes Reached. Returns true when it was stopped.
 */
export function enforceMaxPrefix(session: Session, conn: Connection, key: number): boolean {
  const limit = session.settings.maxPrefix.get(key);
  const count = session.prefixes.count(key);
  if (limit === undefined || count <= limit.limit) return false;
  const family = familyText(key);
  session.push({
    kind: 'max-prefix',
    peer: session.peer,
    family,
    count,
    limit: limit.limit,
    shutdown: !limit.warningOnly,
  });
  if (limit.warningOnly) {
    session.host.log('warn', `${family}: ${count} prefixes, over the limit ${limit.limit}`, session.peer);
    return false;
  }
  // RFC 4486 §4: "If a BGP speaker decides to terminate its peering because the number of
  // address prefixes received from the peer exceeds a locally configured upper bound ... the
  // speaker MUST send to the neighbor a NOTIFICATION message with the Error Code Cease and the
  // Error Subcode 'Maximum Number of Prefixes Reached'. The message MAY optionally include
  // the Address Family information [BGP-MP] and the upper bound in the 'Data' field" as AFI (2
  // octets), SAFI (1) and the upper bound (4).
  const data = new Uint8Array(7);
  const view = new DataView(data.buffer);
  view.setUint16(0, key >>> 8);
  data[2] = key & 0xff;
  view.setUint32(3, limit.limit);
  session.stopForMaxPrefix(conn, {
    kind: 'AutomaticStop',
    subcode: CeaseSubcode.MAXIMUM_PREFIXES_REACHED,
    data,
    why: `${family}: ${count} prefixes received, limit ${limit.limit}`,
    restartAfterSeconds: limit.restartAfter > 0 ? limit.restartAfter : null,
    // RFC 8538 §5 lists Maximum Number of Prefixes Reached among the Cease subcodes that call for
    // a Hard Reset: with the N bit exchanged the peer must not keep our routes as a GR helper.
    ...(conn.negotiated?.gracefulRestart.notification === true ? { hardReset: true } : {}),
  });
  return true;
}

function receiveRouteRefresh(session: Session, conn: Connection, body: Buffer): void {
  const neg = conn.negotiated;
  if (conn.fsm.state !== State.Established || neg === null) {
    session.run(conn, { kind: 'RouteRefreshMsg' }); // RFC 6608 unexpected ROUTE-REFRESH
    return;
  }
  let afi: number;
  let safi: number;
  let subtype: number;
  try {
    ({ afi, safi, subtype } = decodeRouteRefresh(body));
  } catch (e) {
    if (!isBgpError(e)) throw e;
    session.run(conn, errorEvent('UpdateMsgErr', e));
    return;
  }
  // RFC 2918 §4: "If a BGP speaker receives from its peer a ROUTE-REFRESH message with the
  // <AFI, SAFI> that the speaker didn't advertise to the peer at the session establishment time
  // via capability advertisement, the speaker shall ignore such a message."
  const known = neg.families.some((f) => familyKey(f.afi, f.safi) === familyKey(afi, safi));
  // RFC 7313 §5: a Message Subtype other than 0, 1 or 2 "MUST ignore the received ROUTE-REFRESH message".
  if (!known || subtype > 2) {
    session.host.log(
      'info',
      `ROUTE-REFRESH afi ${afi} safi ${safi} subtype ${subtype} ignored`,
      session.peer,
    );
    return;
  }
  conn.pending = { kind: 'route-refresh', peer: session.peer, afi, safi, subtype, origin: 'peer' };
  session.run(conn, { kind: 'RouteRefreshMsg' });
}
