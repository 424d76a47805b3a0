// `podbgp peers` and `podbgp peer ADDR [ACTION]` against the real API server on a unix socket
// (TestDaemon over a real Rib): golden table, wide, JSON and YAML output, actions, unknown peer.
// Expected text is written by hand from the fixture's records (api/test-daemon.ts).
import { expect } from 'chai';
import { CliFixture } from '../test-harness.ts';
import { TestDaemon } from '../../api/test-daemon.ts';
import { humanDuration } from '../output.ts';

const T0 = 1_700_000_000_000;

describe('cmd: podbgp peers / peer', () => {
  let f: CliFixture;
  beforeEach(() => (f = new CliFixture()));
  afterEach(() => f.stop());

  it('peers: golden table', async () => {
    await f.start();
    const r = await f.run('peers');
    expect(r.err).to.equal('');
    expect(r.code).to.equal(0);
    expect(r.out).to.equal(
      [
        'PEER         AS     STATE        UP/DOWN  RCVD/ACCPT/ADV         LAST ERROR',
        '10.0.0.1     65001  Established  3d4h     ipv4 2/2/3 ipv6 1/1/1  -',
        '10.0.0.2     65001  Established  5m10s    ipv4 2/2/3 ipv6 0/0/1  Cease / Administrative Reset: "upgrade"',
        '10.0.0.3     65003  Established  2h       ipv4 2/2/3 ipv6 0/0/1  -',
        '10.0.0.9     65009  Established  42s      ipv4 1/1/3 ipv6 0/0/1  -',
        '2001:db8::5  65005  Active       7m       ipv4 0/0/0             Hold Timer Expired',
        '',
      ].join('\n'),
    );
  });

  it('peers -o wide adds router id, hold/keepalive and local address', async () => {
    await f.start();
    const r = await f.run('peers', '-o', 'wide');
    const lines = r.out.split('\n');
    expect(lines[0]).to.equal(
      'PEER         AS     STATE        UP/DOWN  RCVD/ACCPT/ADV         ROUTER ID  HOLD/KA  LOCAL ADDRESS  LAST ERROR',
    );
    expect(lines[1]).to.equal(
      '10.0.0.1     65001  Established  3d4h     ipv4 2/2/3 ipv6 1/1/1  10.0.0.1   90s/30s  10.0.0.254     -',
    );
    expect(lines[5]).to.equal(
      '2001:db8::5  65005  Active       7m       ipv4 0/0/0             -          -        -              Hold Timer Expired',
    );
  });

  it('peers -o json: the records with the daemon clock', async () => {
    await f.start(new TestDaemon({ now: () => T0 }));
    const r = await f.run('peers', '-o', 'json');
    const peers = JSON.parse(r.out) as Record<string, unknown>[];
    expect(peers).to.have.length(5);
    expect(peers[1]).to.deep.equal({
      address: '10.0.0.2',
      asn: 65001,
      localAsn: 65000,
      state: 'Established',
      stateSince: T0 - 310_000,
      adminDown: false,
      families: [
        { family: 'ipv4', received: 2, accepted: 2, advertised: 3 },
        { family: 'ipv6', received: 0, accepted: 0, advertised: 1 },
      ],
      lastError: 'Cease / Administrative Reset: "upgrade"',
      routerId: '10.0.0.2',
      holdTime: 90,
      keepaliveTime: 30,
      localAddress: '10.0.0.254',
    });
    expect(r.out.startsWith('[\n  {\n    "address": "10.0.0.1",\n    "asn": 65001,\n')).to.equal(true);
  });

  it('peer ADDR: golden report', async () => {
    await f.start();
    const r = await f.run('peer', '10.0.0.1');
    expect(r.code).to.equal(0);
    expect(r.out).to.equal(`Peer 10.0.0.1, AS 65001 (eBGP), local AS 65000
  Description:        tor-1
  State:              Established, up for 3d4h
  Last transition:    OPEN and KEEPALIVE exchanged
  Router ID:          10.0.0.1
  Local address:      10.0.0.254 port 40179, remote port 179
  Mode:               active
  Hold time:          90s (configured 90s), keepalive 30s
  Established:        2 time(s)
  Last error:         -

Negotiated:
  Families:           ipv4-unicast
  4-octet AS:         yes
  Route refresh:      yes
  Extended message:   no
  Graceful restart:   no
  ADD-PATH:           no
  Extended next hop:  no

Capabilities:
  Sent:               multiprotocol ipv4-unicast, multiprotocol ipv6-unicast, four-octet-as 65000
  Received:           multiprotocol ipv4-unicast, route-refresh, four-octet-as 65001

Messages:
  TYPE           SENT  RCVD
  OPEN           2     2
  UPDATE         5     12
  NOTIFICATION   0     1
  KEEPALIVE      8000  7999
  ROUTE-REFRESH  0     0

Prefixes:
  FAMILY  RCVD  ACCPT  ADV
  ipv4    2     2      3
  ipv6    1     1      1

Last NOTIFICATION (received, 2h ago):
  Cease / Administrative Reset: "upgrade" (code 6, subcode 4)
`);
  });

  it('peer ADDR -o yaml: nulls for what a down peer does not know', async () => {
    await f.start(new TestDaemon({ now: () => T0 }));
    const r = await f.run('peer', '2001:db8::5', '-o', 'yaml');
    expect(r.out).to.equal(`address: 2001:db8::5
asn: 65005
localAsn: 65000
state: Active
stateSince: 1699999580000
adminDown: false
families:
  - family: ipv4
    received: 0
    accepted: 0
    advertised: 0
lastError: Hold Timer Expired
routerId: null
holdTime: null
keepaliveTime: null
localAddress: null
description: null
localPort: null
remotePort: null
passive: false
configuredHoldTime: 90
establishedTransitions: 0
lastStateReason: "connect failed: ECONNREFUSED"
capabilitiesSent: []
capabilitiesReceived: []
negotiated: null
messages:
  - type: OPEN
    sent: 2
    received: 2
  - type: UPDATE
    sent: 5
    received: 12
  - type: NOTIFICATION
    sent: 0
    received: 1
  - type: KEEPALIVE
    sent: 8000
    received: 7999
  - type: ROUTE-REFRESH
    sent: 0
    received: 0
lastNotification:
  direction: received
  code: 6
  subcode: 4
  text: 'Cease / Administrative Reset: "upgrade"'
  time: 1699992800000
`);
  });

  it('peer ADDR ACTION reaches the daemon; bad input exits 2; unknown peer exits 1 with NOT_FOUND text', async () => {
    await f.start();
    const r = await f.run('peer', '10.0.0.2', 'disable', '--message', 'maintenance, ticket 4711');
    expect([r.code, r.out]).to.deep.equal([
      0,
      'peer 10.0.0.2 disabled: Cease/Administrative Shutdown sent, the session stays down until enabled\n',
    ]);
    expect((await f.run('peer', '10.0.0.2', 'soft-in')).code).to.equal(0);
    expect(f.daemon.calls).to.deep.equal(['disable 10.0.0.2 "maintenance, ticket 4711"', 'soft-in 10.0.0.2']);

    const unknown = await f.run('peer', '10.0.0.77');
    expect([unknown.code, unknown.out, unknown.err]).to.deep.equal([1, '', 'no such peer: 10.0.0.77\n']);
    const unknownAction = await f.run('peer', '10.0.0.77', 'reset');
    expect([unknownAction.code, unknownAction.err]).to.deep.equal([1, 'no such peer: 10.0.0.77\n']);
    const bad = await f.run('peer', '10.0.0.2', 'reboot');
    expect([bad.code, bad.err]).to.deep.equal([
      2,
      'unknown action "reboot": expected enable, disable, reset, soft-in, soft-out\n',
    ]);
    const badAddr = await f.run('peer', 'tor-1');
    expect([badAddr.code, badAddr.err]).to.deep.equal([
      2,
      'bad peer address "tor-1": expected an IPv4 or IPv6 address\n',
    ]);
    expect((await f.run('peers', '-o', 'xml')).code).to.equal(2);
  });

  it('humanDuration keeps the two largest units', () => {
    expect(
      [0, 999, 42_000, 310_000, 7_200_000, 7_230_000, 273_900_000, 90_061_000].map(humanDuration),
    ).to.deep.equal(['0s', '0s', '42s', '5m10s', '2h', '2h', '3d4h', '1d1h']);
  });
});
