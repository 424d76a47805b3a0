// RFC 7606 with a real sender, against the real daemon (`bin/podbgp run`): ExaBGP (namespace
// "exa") announces routes that carry hand-made path attributes (ExaBGP's generic
// `attribute [ CODE FLAGS 0xVALUE ]`, packed as given), and BIRD (namespace "tor") sits behind
// podbgp with an export policy that passes everything on. Checked on what the daemon, the kernel,
// BIRD and the wire really show:
//   - a malformed ATOMIC_AGGREGATE / AGGREGATOR (wrong length): attribute-discard, the route is
//     installed, the session stays up, the log names the fault and the action;
//   - a malformed COMMUNITIES (length not a multiple of 4): treat-as-withdraw, an installed route
//     for the same prefix leaves the RIB and the kernel, the session stays up (same transition
//     count), the log names the fault and the action;
//   - an unknown optional transitive attribute is kept and passed on to BIRD with the Partial bit
//     set (read from a tcpdump capture on BIRD's link by walking the attribute list by hand).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Bird, ExaBgp, Lab, startCapture, tsharkDecode, waitFor } from './lab/index.ts';
import type { Capture, CapturedBgpMessage } from './lab/index.ts';
import { PodbgpDaemon } from './lab/podbgp-daemon.ts';

const TOR = '10.0.1.1';
const NODE_TOR = '10.0.1.2';
const EXA = '10.0.2.1';
const NODE_EXA = '10.0.2.2';
const TOR_ROUTE = '10.244.2.0/24';

// ExaBGP generic attributes (code, flags, value), written from the RFC field layouts:
// RFC 4271 §5.1.6 ATOMIC_AGGREGATE is well-known (flags 0x40) with length 0; one octet is wrong.
const BAD_ATOMIC_AGGREGATE = 'attribute [ 0x06 0x40 0x00 ]';
// RFC 6793 §3: AGGREGATOR is optional transitive (0xc0), 8 octets between 4-octet speakers; 4 is wrong.
const BAD_AGGREGATOR = 'attribute [ 0x07 0xc0 0x0000fdea ]';
// RFC 1997: COMMUNITIES is optional transitive (0xc0), a list of 4-octet values; 3 octets is wrong.
const BAD_COMMUNITIES = 'attribute [ 0x08 0xc0 0x010203 ]';
// Type code 99 is unassigned in the IANA "BGP Path Attributes" registry: optional transitive (0xc0).
const UNKNOWN_TYPE = 0x63;
const UNKNOWN_ATTRIBUTE = 'attribute [ 0x63 0xc0 0xdeadbeef ]';

interface PeerDetailJson {
  state: string;
  establishedTransitions: number;
}

interface LogLine {
  level: string;
  message: string;
  peer?: string;
  [key: string]: unknown;
}

/**
 * RFC 4271 §4.3 UPDATE layout, walked by hand (not with podbgp's decoder): Withdrawn Routes Length,
 * Withdrawn Routes, Total Path Attribute Length, then each attribute as flags, type, length (two
 * octets when the Extended Length bit 0x10 is set) and value; the NLRI fills the rest.
 */
function walkUpdate(hex: string): {
  attributes: { flags: number; type: number; value: string }[];
  nlri: string;
} {
  const b = Buffer.from(hex, 'hex');
  let p = 19;
  const withdrawnLength = b.readUInt16BE(p);
  p += 2 + withdrawnLength;
  const attributesLength = b.readUInt16BE(p);
  p += 2;
  const end = p + attributesLength;
  const attributes: { flags: number; type: number; value: string }[] = [];
  while (p < end) {
    const flags = b[p]!;
    const type = b[p + 1]!;
    const extended = (flags & 0x10) !== 0;
    const length = extended ? b.readUInt16BE(p + 2) : b[p + 2]!;
    const start = p + (extended ? 4 : 3);
    attributes.push({ flags, type, value: b.subarray(start, start + length).toString('hex') });
    p = start + length;
  }
  return { attributes, nlri: b.subarray(end).toString('hex') };
}

describe('e2e RFC 7606: malformed and unknown attributes from ExaBGP, against the real daemon', function () {
  this.timeout(120_000);
  let lab: Lab;
  let tor: Bird;
  let exa: ExaBgp;
  let d: PodbgpDaemon;
  let capture: Capture;
  let exaTransitions = 0;

  const detail = (a: string) => d.cliJson<PeerDetailJson>(['peer', a]);
  const rib = (prefix: string) => d.cliJson<{ prefix: string; peer: string }[]>(['rib', prefix]);
  const logLines = (): LogLine[] =>
    readFileSync(`${d.dir}/podbgp.log`, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);

  before(async () => {
    lab = await Lab.create('r7606');
    await lab.addNode('node');
    await lab.addNode('tor');
    await lab.addNode('exa');
    const torLink = await lab.link('tor', 'node', { v4: [`${TOR}/30`, `${NODE_TOR}/30`] });
    await lab.link('exa', 'node', { v4: [`${EXA}/30`, `${NODE_EXA}/30`] });
    capture = await startCapture(lab, 'tor', torLink.ifA, `${lab.dir('captures')}/tor.pcap`);
    tor = await Bird.start(lab, 'tor', {
      routerId: TOR,
      neighbors: [{ name: 'node', address: NODE_TOR, localAs: 65000, remoteAs: 65010 }],
      staticRoutes: [{ prefix: TOR_ROUTE }],
    });
    d = await PodbgpDaemon.start(lab, 'node', {
      asn: 65010,
      routerId: NODE_TOR,
      originate: ['10.244.1.0/24'],
      accept: ['10.244.0.0/16'],
      policies: { everything: [{ action: 'accept' }] },
      peers: [
        {
          address: TOR,
          asn: 65000,
          exportPolicy: 'everything',
          timers: { holdTime: 9, connectRetryTime: 1, minRouteAdvertisementInterval: 0 },
        },
        { address: EXA, asn: 65002, passive: true, timers: { holdTime: 9, connectRetryTime: 1 } },
      ],
    });
    exa = await ExaBgp.start(lab, 'exa', {
      neighbors: [
        {
          address: NODE_EXA,
          localAddress: EXA,
          localAs: 65002,
          remoteAs: 65010,
          routerId: EXA,
          routes: [
            `10.244.20.0/24 next-hop ${EXA} ${BAD_ATOMIC_AGGREGATE}`,
            `10.244.21.0/24 next-hop ${EXA} ${BAD_AGGREGATOR}`,
            `10.244.30.0/24 next-hop ${EXA}`,
            `10.244.31.0/24 next-hop ${EXA} ${BAD_COMMUNITIES}`,
            `10.244.40.0/24 next-hop ${EXA} ${UNKNOWN_ATTRIBUTE}`,
          ],
        },
      ],
    });
    await d.waitEstablished(TOR);
    await d.waitEstablished(EXA);
    await d.waitKernelRoute(TOR_ROUTE, (r) => r?.gateway === TOR);
    await d.waitKernelRoute('10.244.40.0/24', (r) => r?.gateway === EXA);
    exaTransitions = (await detail(EXA)).establishedTransitions;
  });

  after(async () => {
    await lab?.destroy();
  });

  afterEach(async () => {
    // Nothing here may cost a session: both stay up without a new transition.
    expect(d.process.running, 'podbgp still running').to.equal(true);
    const p = await detail(EXA);
    expect(p.state).to.equal('Established');
    expect(p.establishedTransitions).to.equal(exaTransitions);
    expect(exa.state(NODE_EXA)).to.equal('up');
    expect((await detail(TOR)).state).to.equal('Established');
  });

  it('attribute-discard: bad ATOMIC_AGGREGATE and AGGREGATOR lengths lose the attribute, not the route', async () => {
    for (const prefix of ['10.244.20.0/24', '10.244.21.0/24']) {
      expect(await d.waitKernelRoute(prefix, (r) => r?.gateway === EXA)).to.include({ gateway: EXA });
      expect((await rib(prefix)).map((r) => r.peer)).to.deep.equal([EXA]);
    }
    const faults = logLines().filter((l) => /RFC 7606/.test(l.message));
    const atomic = faults.find((l) => /ATOMIC_AGGREGATE/.test(l.message));
    const aggregator = faults.find((l) => /AGGREGATOR/.test(l.message) && !/ATOMIC/.test(l.message));
    expect(atomic?.message, 'log names the ATOMIC_AGGREGATE fault').to.match(/attribute-discard/);
    expect(aggregator?.message, 'log names the AGGREGATOR fault').to.match(/attribute-discard/);
    expect(atomic?.level).to.equal('warn');
    // BIRD, behind podbgp, gets the routes without the discarded attributes.
    const routes = await waitFor(
      'BIRD to learn 10.244.20.0/24 and 10.244.21.0/24 from podbgp',
      () => tor.showRoutes({ protocol: 'node' }),
      (rs) => ['10.244.20.0/24', '10.244.21.0/24'].every((p) => rs.some((r) => r.prefix === p)),
    );
    for (const prefix of ['10.244.20.0/24', '10.244.21.0/24']) {
      const attrs = routes.find((r) => r.prefix === prefix)!.attributes;
      expect(attrs['BGP.as_path']).to.equal('65010 65002');
      expect(attrs).to.not.have.property('BGP.atomic_aggr');
      expect(attrs).to.not.have.property('BGP.aggregator');
    }
  });

  it('treat-as-withdraw: a bad COMMUNITIES length withdraws the route that was installed', async () => {
    // Never installed: it arrived malformed in the initial table.
    expect(await rib('10.244.31.0/24')).to.deep.equal([]);
    expect((await d.kernelRoutes()).map((r) => r.dst)).to.not.include('10.244.31.0/24');
    // Installed first, clean; then the same prefix again with the malformed attribute.
    await d.waitKernelRoute('10.244.30.0/24', (r) => r?.gateway === EXA);
    await waitFor(
      'BIRD to learn 10.244.30.0/24',
      () => tor.showRoutes({ protocol: 'node' }),
      (rs) => rs.some((r) => r.prefix === '10.244.30.0/24'),
    );
    exa.command(`announce route 10.244.30.0/24 next-hop ${EXA} ${BAD_COMMUNITIES}`);
    await d.waitKernelRoute('10.244.30.0/24', (r) => r === undefined);
    expect(await rib('10.244.30.0/24')).to.deep.equal([]);
    // The withdrawal travels on: BIRD loses the route too.
    await waitFor(
      'BIRD to lose 10.244.30.0/24',
      () => tor.showRoutes({ protocol: 'node' }),
      (rs) => !rs.some((r) => r.prefix === '10.244.30.0/24'),
    );
    const withdrawn = logLines().filter(
      (l) => /COMMUNITIES/.test(l.message) && /treat-as-withdraw/.test(l.message),
    );
    expect(withdrawn.length, 'log lines naming COMMUNITIES and treat-as-withdraw').to.be.at.least(2);
    expect(withdrawn[0]!.level).to.equal('warn');
  });

  it('an unknown optional transitive attribute reaches BIRD with the Partial bit set', async () => {
    // BIRD keeps it as an attribute it does not know, printed with its type code in hex ("BGP.63").
    const shown = await waitFor(
      'BIRD to show 10.244.40.0/24 with the unknown attribute',
      () => tor.birdc('show', 'route', 'for', '10.244.40.0/24', 'protocol', 'node', 'all'),
      (text) => text.includes('10.244.40.0/24'),
    );
    expect(shown).to.match(/BGP\.63 \[t[^\]]*\]: de ad be ef/);
    // On the wire (podbgp -> BIRD), walked by hand from the capture.
    const pcap = await capture.stop();
    const updates = (await tsharkDecode(pcap)).filter(
      (m: CapturedBgpMessage) => m.type === 2 && m.src === NODE_TOR && m.dst === TOR,
    );
    // NLRI 10.244.40.0/24 is the octets 18 0a f4 28 (RFC 4271 §4.3: length, then the prefix).
    const carrying = updates.map((m) => walkUpdate(m.hex)).filter((u) => u.nlri.includes('180af428'));
    expect(carrying.length, 'an UPDATE from podbgp to BIRD with 10.244.40.0/24').to.be.at.least(1);
    const unknown = carrying[0]!.attributes.find((a) => a.type === UNKNOWN_TYPE);
    expect(unknown?.value).to.equal('deadbeef');
    // RFC 4271 §5: optional (0x80) and transitive (0x40) kept, Partial (0x20) set on the way on.
    expect(unknown!.flags & 0xe0).to.equal(0xe0);
  });
});
