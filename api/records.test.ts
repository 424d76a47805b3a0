// Records built from the session layer's values: a NegotiatedSession from two real OPENs
// (bgp/negotiate.ts buildOpen + negotiate) and a NOTIFICATION decoded from bytes written by hand
// from RFC 4271 §4.5 / RFC 9003 §2 (code 6 Cease, subcode 2 Administrative Shutdown, length 11,
// "maintenance").
import { expect } from 'chai';
import { buildOpen, negotiate } from '../bgp/negotiate.ts';
import { decodeNotification } from '../bgp/wire/notification.ts';
import { negotiatedRecord, notificationRecord } from './records.ts';

const V4 = { afi: 1, safi: 1 };
const V6 = { afi: 2, safi: 1 };

describe('api/records', () => {
  it('negotiatedRecord: families, route refresh, graceful restart, ADD-PATH, hostname', () => {
    const local = buildOpen({
      asn: 65000,
      holdTime: 90,
      bgpId: 0x0a000001,
      families: [V4, V6],
      addPath: [{ ...V4, sendReceive: 3 }],
      gracefulRestart: { restartTime: 120, families: [{ ...V4, forwardingPreserved: true }] },
      enhancedRouteRefresh: true,
    });
    const remote = buildOpen({
      asn: 65001,
      holdTime: 30,
      bgpId: 0x0a000002,
      families: [V4, V6],
      addPath: [{ ...V4, sendReceive: 3 }],
      gracefulRestart: {
        restartTime: 90,
        families: [
          { ...V4, forwardingPreserved: true },
          { ...V6, forwardingPreserved: false },
        ],
      },
      hostname: 'tor1',
      domain: 'example.net',
    });
    const n = negotiate(local, remote, { localAs: 65000, localBgpId: 0x0a000001 });
    expect(negotiatedRecord(n)).to.deep.equal({
      families: ['ipv4-unicast', 'ipv6-unicast'],
      fourOctetAs: true,
      routeRefresh: true,
      enhancedRouteRefresh: false,
      extendedMessage: false,
      gracefulRestart: 'peer restart time 90s, forwarding preserved: ipv4-unicast',
      addPath: ['ipv4-unicast receive+send'],
      extendedNextHop: [],
      remoteHostname: 'tor1.example.net',
    });
  });

  it('notificationRecord: the decoded Shutdown Communication', () => {
    const body = Buffer.from([6, 2, 11, ...Buffer.from('maintenance')]);
    expect(notificationRecord(decodeNotification(body), 'received', 5)).to.deep.equal({
      direction: 'received',
      code: 6,
      subcode: 2,
      text: 'Cease / Administrative Shutdown: "maintenance"',
      time: 5,
    });
  });
});
