// Captures golden BGP byte vectors from real daemons (run by hand as root:
// `npx node e2e/capture-goldens.ts [scenario...]`). Each scenario builds a lab of BIRD, FRR, GoBGP
// and ExaBGP in network namespaces, captures TCP port 179 with tcpdump while the daemons exchange
// OPENs, UPDATEs, ROUTE-REFRESHes and NOTIFICATIONs, and decodes the capture with tshark. Every
// distinct message is written to test/golden/<sender>-<type>.json with its origin, tshark's own
// decoding, and the negotiated context (4-octet AS, ADD-PATH, extended message) read from the two
// OPENs of its TCP connection. The bytes come from the daemons, never from podbgp's encoder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, execArgv, sleep, startCapture, tsharkDecode } from './lab/index.ts';
import type { Capture, CapturedBgpMessage } from './lab/index.ts';
import { SCENARIOS } from './lab/golden-scenarios.ts';
import type { Endpoint } from './lab/golden-scenarios.ts';

const GOLDEN_DIR = join(import.meta.dirname, '..', 'test', 'golden');
const TYPE_NAMES: Record<number, string> = {
  1: 'open',
  2: 'update',
  3: 'notification',
  4: 'keepalive',
  5: 'route-refresh',
};
/** Keep the files small: at most this many distinct vectors per sender and type. */
const MAX_PER_FILE = 40;

interface GoldenVector {
  name: string;
  origin: string;
  sender: string;
  receiver: string;
  type: string;
  hex: string;
  tshark: Record<string, unknown>;
  context: {
    fourOctetAs: boolean;
    addPath: string[];
    extendedMessage: boolean;
    transport: string;
    scenario: string;
  };
}

async function versions(): Promise<Record<string, string>> {
  const first = async (argv: string[], re: RegExp): Promise<string> => {
    const r = await execArgv(argv);
    return re.exec(r.stdout + r.stderr)?.[1] ?? 'unknown';
  };
  return {
    bird: `BIRD ${await first(['bird', '--version'], /BIRD version (\S+)/)}`,
    frr: `FRR ${await first(['/usr/lib/frr/bgpd', '--version'], /bgpd version (\S+)/)}`,
    gobgp: `GoBGP ${await first(['gobgpd', '--version'], /gobgpd version (\S+)/)}`,
    exabgp: `ExaBGP ${await first(['exabgp', '--version'], /ExaBGP : (\S+)/)}`,
    tcpdump: `tcpdump ${await first(['tcpdump', '--version'], /tcpdump version (\S+)/)}`,
    tshark: `tshark ${await first(['tshark', '--version'], /TShark \(Wireshark\) (\S+)/)}`,
  };
}

/** The OPEN capabilities that change how the other side's messages decode. */
interface OpenSummary {
  caps: Set<number>;
  /** "afi/safi" -> send/receive value of the ADD-PATH capability. */
  addPath: Map<string, number>;
}

function summarizeOpen(m: CapturedBgpMessage): OpenSummary {
  const caps = new Set((m.fields['bgp.cap.type'] ?? []).map(Number));
  const addPath = new Map<string, number>();
  const afis = m.fields['bgp.cap.ap.afi'] ?? [];
  afis.forEach((afi, i) => {
    addPath.set(
      `${afi}/${m.fields['bgp.cap.ap.safi']?.[i]}`,
      Number(m.fields['bgp.cap.ap.sendreceive']?.[i]),
    );
  });
  return { caps, addPath };
}

const FAMILY_NAMES: Record<string, string> = { '1/1': 'ipv4-unicast', '2/1': 'ipv6-unicast' };

function contextFor(
  sender: OpenSummary | undefined,
  receiver: OpenSummary | undefined,
): Omit<GoldenVector['context'], 'transport' | 'scenario'> {
  if (sender === undefined || receiver === undefined)
    return { fourOctetAs: false, addPath: [], extendedMessage: false };
  // RFC 7911 §4: path identifiers are sent when the sender said send (2/3) and the receiver said receive (1/3).
  const addPath: string[] = [];
  for (const [family, sendReceive] of sender.addPath) {
    const peer = receiver.addPath.get(family);
    if ((sendReceive & 2) !== 0 && peer !== undefined && (peer & 1) !== 0)
      addPath.push(FAMILY_NAMES[family] ?? family);
  }
  return {
    fourOctetAs: sender.caps.has(65) && receiver.caps.has(65),
    addPath,
    extendedMessage: sender.caps.has(6) && receiver.caps.has(6),
  };
}

function tsharkSummary(m: CapturedBgpMessage): Record<string, unknown> {
  const f = m.fields;
  const summary: Record<string, unknown> = { type: Number(f['bgp.type']?.[0] ?? m.type) };
  if (m.type === 1) {
    summary['myAs'] = Number(f['bgp.open.myas']?.[0]);
    summary['holdTime'] = Number(f['bgp.open.holdtime']?.[0]);
    summary['identifier'] = f['bgp.open.identifier']?.[0];
    summary['capabilityCodes'] = (f['bgp.cap.type'] ?? []).map(Number);
  } else if (m.type === 2) {
    summary['attributeTypeCodes'] = (f['bgp.update.path_attribute.type_code'] ?? []).map(Number);
    // tshark labels each prefix "address/length" in wire order; its withdrawn_prefix and
    // *_unreach_* fields say which addresses are withdrawals.
    const withdrawnAddresses = new Set(
      Object.entries(f)
        .filter(([k]) => /^bgp\.(withdrawn_prefix|mp_unreach_nlri_ipv[46]_prefix)$/.test(k))
        .flatMap(([, v]) => v),
    );
    // Labels look like "192.0.2.0/25" or, with ADD-PATH, "192.0.2.0/25 PathId 2 ".
    const labels = (f['_text'] ?? []).flatMap((x) => /^([0-9a-f.:]+\/\d+)(?: |$)/.exec(x)?.[1] ?? []);
    summary['withdrawn'] = labels.filter((x) => withdrawnAddresses.has(x.split('/')[0] ?? ''));
    summary['nlri'] = labels.filter((x) => !withdrawnAddresses.has(x.split('/')[0] ?? ''));
    if (f['bgp.nlri_path_id'] !== undefined) summary['pathIds'] = f['bgp.nlri_path_id'].map(Number);
  } else if (m.type === 3) {
    summary['majorErrorCode'] = Number(f['bgp.notify.major_error']?.[0]);
    const minor = Object.entries(f).find(([k]) => k.startsWith('bgp.notify.minor'));
    summary['minorErrorCode'] = minor === undefined ? undefined : Number(minor[1][0]);
  } else if (m.type === 5) {
    summary['afi'] = Number(f['bgp.route_refresh.afi']?.[0]);
    summary['subtype'] = Number(f['bgp.route_refresh.subtype']?.[0] ?? 0);
  }
  summary['fields'] = f;
  return summary;
}

function describe(m: CapturedBgpMessage, t: Record<string, unknown>): string {
  if (m.type !== 2) return TYPE_NAMES[m.type] ?? `type ${m.type}`;
  const nlri = t['nlri'] as string[];
  const withdrawn = t['withdrawn'] as string[];
  if (m.hex.length === 46) return 'update End-of-RIB ipv4-unicast (empty UPDATE)';
  const codes = JSON.stringify(t['attributeTypeCodes']);
  // RFC 4724 §2: End-of-RIB for a non-IPv4 family is an UPDATE holding only an empty MP_UNREACH_NLRI.
  if (nlri.length === 0 && withdrawn.length === 0 && codes === '[15]')
    return 'update End-of-RIB (MP_UNREACH_NLRI form)';
  if (nlri.length === 0 && withdrawn.length === 0)
    return `update attributes ${JSON.stringify(t['attributeTypeCodes'])} no prefixes (End-of-RIB?)`;
  const parts = [];
  if (nlri.length > 0) parts.push(`announce ${nlri.slice(0, 4).join(' ')}${nlri.length > 4 ? ' ...' : ''}`);
  if (withdrawn.length > 0) parts.push(`withdraw ${withdrawn.slice(0, 4).join(' ')}`);
  return `update ${parts.join(', ')} attrs ${JSON.stringify(t['attributeTypeCodes'])}`;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const v = await versions();
  const date = new Date().toISOString().slice(0, 10);
  const files = new Map<string, GoldenVector[]>();
  const seen = new Set<string>();
  const failed: string[] = [];
  for (const scenario of SCENARIOS) {
    if (wanted.length > 0 && !wanted.includes(scenario.name)) continue;
    console.log(`scenario ${scenario.name}`);
    const lab = await Lab.create(scenario.name.slice(0, 12));
    const captures: { capture: Capture; endpoints: Endpoint[]; transport: string }[] = [];
    try {
      await scenario.build(lab, async (node, iface, endpoints, transport) => {
        const file = join(lab.dir('captures'), `${node}-${iface}.pcap`);
        captures.push({ capture: await startCapture(lab, node, iface, file), endpoints, transport });
      });
      await sleep(500);
      for (const c of captures) await c.capture.stop();
      for (const c of captures) {
        const messages = await tsharkDecode(c.capture.file);
        console.log(`  ${c.capture.file}: ${messages.length} BGP messages`);
        const opens = new Map<string, OpenSummary>();
        for (const m of messages)
          if (m.type === 1) opens.set(`${m.src}:${m.srcPort}>${m.dst}:${m.dstPort}`, summarizeOpen(m));
        for (const m of messages) {
          const from = c.endpoints.find((e) => e.address === m.src);
          const to = c.endpoints.find((e) => e.address === m.dst);
          if (from === undefined || to === undefined)
            throw new Error(`unknown endpoint in ${m.src} -> ${m.dst}`);
          const key = `${from.daemon}:${m.hex}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const typeName = TYPE_NAMES[m.type] ?? `type-${m.type}`;
          const fileName = `${from.daemon}-${typeName}.json`;
          const list = files.get(fileName) ?? [];
          files.set(fileName, list);
          if (list.length >= MAX_PER_FILE) continue;
          const t = tsharkSummary(m);
          const ctx = contextFor(
            opens.get(`${m.src}:${m.srcPort}>${m.dst}:${m.dstPort}`),
            opens.get(`${m.dst}:${m.dstPort}>${m.src}:${m.srcPort}`),
          );
          list.push({
            name: `${scenario.name}: ${describe(m, t)}`,
            origin: `${v[from.daemon]} -> ${v[to.daemon]}, ${c.transport} transport, scenario ${scenario.name} (${scenario.summary}), captured ${date} with ${v.tcpdump}, decoded with ${v.tshark}`,
            sender: v[from.daemon] ?? from.daemon,
            receiver: v[to.daemon] ?? to.daemon,
            type: typeName,
            hex: m.hex,
            tshark: t,
            context: { ...ctx, transport: c.transport, scenario: scenario.name },
          });
        }
      }
    } catch (error) {
      failed.push(scenario.name);
      console.error(`scenario ${scenario.name} failed:`, error);
    } finally {
      await lab.destroy();
    }
  }
  mkdirSync(GOLDEN_DIR, { recursive: true });
  for (const [name, list] of [...files].sort()) {
    writeFileSync(join(GOLDEN_DIR, name), `${JSON.stringify(list, null, 1)}\n`);
    console.log(`wrote test/golden/${name}: ${list.length} vectors`);
  }
  if (failed.length > 0) {
    console.error(`failed scenarios: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
