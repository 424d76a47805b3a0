// The demo's verdict and its output: judge() fails exactly the check whose evidence is missing,
// the JSON drops the raw API records, and the text has colour only on a terminal. Inputs are
// written by hand in the shape the checks produce.
import { expect } from 'chai';
import {
  judge,
  summaryJson,
  type DemoSummary,
  type NodeReport,
  type PingResult,
  type TunnelReport,
} from './summary.ts';
import { diagram, makeStyle, pingsSection, resultSection, routeLine, wantsColour } from './render.ts';
import { buildTopology } from './topology.ts';

const node = (over: Partial<NodeReport> = {}): NodeReport => ({
  name: 'node1',
  asn: 64513,
  peers: [
    { address: '10.0.1.1', asn: 65000, state: 'Established', lastError: null },
    { address: 'fd00:0:1::1', asn: 65000, state: 'Established', lastError: null },
  ],
  torAddresses: ['10.0.1.1', 'fd00:0:1::1', 'fe80::1'],
  routes: [
    { family: 'ipv4', dst: '10.244.2.0/24', gateway: '10.0.1.1', dev: 'tor', protocol: '201', viaTor: true },
    {
      family: 'ipv6',
      dst: 'fd00:10:244:2::/64',
      gateway: 'fd00:0:1::1',
      dev: 'tor',
      protocol: '201',
      viaTor: true,
    },
  ],
  missingRoutes: [],
  ...over,
});
const pings: PingResult[] = [
  { from: 'pod1', to: 'pod2', family: 'ipv4', src: '10.244.1.10', dst: '10.244.2.10', ok: true, rttMs: 0.12 },
  {
    from: 'pod1',
    to: 'pod2',
    family: 'ipv6',
    src: 'fd00:10:244:1::10',
    dst: 'fd00:10:244:2::10',
    ok: true,
    rttMs: 0.3,
  },
];
const capture = { namespace: 'tor', interface: 'node1', filter: 'icmp', line: 'x', ok: true };
const tunnels: TunnelReport = {
  ok: true,
  namespaces: 5,
  kinds: ['loopback', 'veth'],
  devices: [{ namespace: 'tor', name: 'tunl0', kind: 'ipip', up: false, tunnel: true, fallback: true }],
};
const verdict = (checks: ReturnType<typeof judge>) => checks.map((c) => `${c.name}:${c.ok}`);

describe('demo summary and rendering', () => {
  it('passes every check on full evidence (a down fallback tunl0 does not count)', () => {
    expect(verdict(judge([node()], pings, capture, tunnels))).to.deep.equal([
      'sessions:true',
      'routes:true',
      'pings:true',
      'no-tunnel:true',
      'wire-capture:true',
    ]);
  });

  it('fails the one check whose evidence is missing, naming what is wrong', () => {
    const idle = node({ peers: [{ address: '10.0.1.1', asn: 65000, state: 'Active', lastError: null }] });
    const s = judge([idle], pings, capture, tunnels);
    expect(verdict(s)[0]).to.equal('sessions:false');
    expect(s[0]!.detail).to.equal('not Established: node1->10.0.1.1 (Active)');
    expect(verdict(judge([node({ missingRoutes: ['10.244.3.0/24'] })], pings, capture, tunnels))[1]).to.equal(
      'routes:false',
    );
    const lost = [pings[0]!, { ...pings[1]!, ok: false, rttMs: null }];
    expect(judge([node()], lost, capture, tunnels)[2]!.detail).to.equal(
      'no answer: fd00:10:244:1::10 -> fd00:10:244:2::10',
    );
    const vxlan = {
      ...tunnels,
      ok: false,
      devices: [{ namespace: 'node1', name: 'vx0', kind: 'vxlan', up: true, tunnel: true, fallback: false }],
    };
    expect(judge([node()], pings, capture, vxlan)[3]!.detail).to.equal('tunnel devices: node1/vx0 (vxlan)');
    expect(verdict(judge([node()], pings, null, tunnels))[4]).to.equal('wire-capture:false');
    expect(verdict(judge([], [], null, null)).every((v) => v.endsWith(':false'))).to.equal(true);
  });

  it('JSON leaves out the raw API records', () => {
    const s: DemoSummary = {
      ok: true,
      prefix: 'pbdemo-abcdef-',
      tor: 'bird',
      kept: false,
      durationMs: 1,
      convergedMs: 1,
      topology: buildTopology(2, 'bird'),
      nodes: [node({ peersRaw: [] })],
      pings,
      capture,
      tunnels,
      checks: [],
      error: null,
      cleanup: null,
    };
    const parsed = JSON.parse(summaryJson(s)) as { nodes: Record<string, unknown>[] };
    expect(parsed.nodes[0]).to.not.have.property('peersRaw');
    expect(parsed.nodes[0]).to.have.property('routes');
  });

  it('colour only on a terminal without NO_COLOR; plain text is aligned', () => {
    expect(wantsColour({ isTTY: true } as unknown as NodeJS.WritableStream, {})).to.equal(true);
    expect(wantsColour({ isTTY: true } as unknown as NodeJS.WritableStream, { NO_COLOR: '1' })).to.equal(
      false,
    );
    expect(wantsColour({} as NodeJS.WritableStream, {})).to.equal(false);
    const plain = pingsSection(makeStyle(false), pings);
    expect(plain).to.not.include('\x1b[');
    expect(plain.split('\n').slice(2, 4)).to.deep.equal([
      '  ✔  IPv4  pod1 10.244.1.10        ->  pod2 10.244.2.10        0.120 ms',
      '  ✔  IPv6  pod1 fd00:10:244:1::10  ->  pod2 fd00:10:244:2::10  0.300 ms',
    ]);
    expect(resultSection(makeStyle(true), judge([node()], pings, capture, tunnels), true, 3.2)).to.include(
      '\x1b[32m',
    );
    expect(routeLine(node().routes[0]!)).to.equal('10.244.2.0/24 via 10.0.1.1 dev tor proto 201');
  });

  it('draws the ToR on the middle node row', () => {
    expect(diagram(buildTopology(3, 'bird')).split('\n')).to.deep.equal([
      'pod1 ── node1 ─┐',
      'pod2 ── node2 ─┼─ tor (BIRD, AS 65000)',
      'pod3 ── node3 ─┘',
    ]);
    expect(diagram(buildTopology(2, 'podbgp')).split('\n')).to.deep.equal([
      'pod1 ── node1 ─┬─ tor (podbgp (route server), AS 65000)',
      'pod2 ── node2 ─┘',
    ]);
  });
});
