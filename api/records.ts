// Builders for the API records that come from the session layer, so the daemon core does not
// format them itself: what two OPENs negotiated (bgp/negotiate.ts NegotiatedSession) and a
// NOTIFICATION sent or received (bgp/wire/notification.ts describeNotification).
//
// In: NegotiatedSession, NotificationMessage, Capability lists. Out: NegotiatedRecord,
// NotificationRecord, capability text lines.
import type { NegotiatedRecord, NotificationRecord } from './daemon-api.ts';
import type { NegotiatedSession } from '../bgp/negotiate.ts';
import type { Capability, NotificationMessage } from '../bgp/wire/types.ts';
import { describeNotification } from '../bgp/wire/notification.ts';
import { formatCapability } from '../bgp/wire/capabilities.ts';
import { Afi, familyName } from '../bgp/wire/iana/afi-safi.ts';

function keyName(key: number): string {
  // familyKey(afi, safi) is afi << 8 | safi (bgp/wire/iana/afi-safi.ts).
  return familyName(key >>> 8, key & 0xff);
}

export function negotiatedRecord(n: NegotiatedSession): NegotiatedRecord {
  const gr = n.gracefulRestart;
  const addPath = new Map<number, string[]>();
  for (const k of n.context.addPathReceive) addPath.set(k, ['receive']);
  for (const k of n.context.addPathSend) addPath.set(k, [...(addPath.get(k) ?? []), 'send']);
  return {
    families: n.families.map((f) => familyName(f.afi, f.safi)),
    fourOctetAs: n.context.fourOctetAs,
    routeRefresh: n.routeRefresh,
    enhancedRouteRefresh: n.enhancedRouteRefresh,
    extendedMessage: n.context.extendedMessage,
    gracefulRestart:
      gr.both && gr.peer !== null
        ? `peer restart time ${gr.peer.restartTime}s` +
          (gr.peer.restarting ? ', peer restarting' : '') +
          (gr.notification ? ', notification (RFC 8538)' : '') +
          (gr.peer.families.length > 0
            ? `, forwarding preserved: ${
                gr.peer.families
                  .filter((f) => f.forwardingPreserved)
                  .map((f) => familyName(f.afi, f.safi))
                  .join(' ') || 'none'
              }`
            : '')
        : null,
    addPath: [...addPath].map(([k, dirs]) => `${keyName(k)} ${dirs.join('+')}`),
    extendedNextHop: n.extendedNextHop.map(
      (e) => `${familyName(e.afi, e.safi)} over ${e.nextHopAfi === Afi.IPV6 ? 'ipv6' : 'ipv4'}`,
    ),
    remoteHostname:
      n.remoteHostname === null
        ? null
        : n.remoteHostname.domain === ''
          ? n.remoteHostname.hostname
          : `${n.remoteHostname.hostname}.${n.remoteHostname.domain}`,
  };
}

export function notificationRecord(
  n: NotificationMessage,
  direction: 'sent' | 'received',
  time: number,
): NotificationRecord {
  return { direction, code: n.code, subcode: n.subcode, text: describeNotification(n), time };
}

export function capabilityLines(caps: readonly Capability[]): string[] {
  return caps.map(formatCapability);
}
