// Packet capture for the e2e lab: tcpdump on an interface inside a lab node (TCP port 179 only),
// and tshark as an independent BGP decoder. In: a node, an interface and a pcap path. Out: every
// BGP message on the wire with its raw bytes (checked: 16 x 0xff marker, length field equals the
// byte count) and tshark's own decoding flattened to `field name -> values`.
import { join } from 'node:path';
import type { Lab } from './lab.ts';
import type { DaemonProcess } from './process.ts';
import { execChecked } from './process.ts';
import { sleep, waitFor } from './wait.ts';
import { readFileSync } from 'node:fs';

export class Capture {
  readonly file: string;
  readonly process: DaemonProcess;
  constructor(file: string, daemon: DaemonProcess) {
    this.file = file;
    this.process = daemon;
  }

  /**
   * Stops tcpdump and returns the pcap path. It first waits drainMs, because packets still queued
   * in the kernel when SIGTERM arrives are lost; SIGTERM then makes tcpdump flush and close.
   */
  async stop(drainMs = 500): Promise<string> {
    await sleep(drainMs);
    await this.process.stop(3000);
    return this.file;
  }
}

/** Starts `tcpdump -U -w FILE -i IFACE tcp port 179` in a node and waits until it listens. */
export async function startCapture(lab: Lab, node: string, iface: string, file: string): Promise<Capture> {
  const logFile = join(lab.dir('captures'), `${node}-${iface}-${Date.now()}.tcpdump.log`);
  const daemon = lab.spawn(
    node,
    // --immediate-mode: without it libpcap holds packets in its ring block for up to a second, and
    // SIGTERM can end tcpdump before they reach the file ("20 received by filter, 13 captured").
    ['tcpdump', '-U', '--immediate-mode', '-n', '-s', '0', '-i', iface, '-w', file, 'tcp port 179'],
    {
      logFile,
    },
  );
  await waitFor(
    `tcpdump on ${node}/${iface} to start listening`,
    () => {
      if (!daemon.running) throw new Error(`tcpdump exited: ${readFileSync(logFile, 'utf8')}`);
      return readFileSync(logFile, 'utf8');
    },
    (log) => log.includes('listening on'),
    { timeoutMs: 10_000, intervalMs: 50 },
  );
  return new Capture(file, daemon);
}

export interface CapturedBgpMessage {
  /** Frame number in the pcap (several messages can share one frame). */
  frame: number;
  /** Seconds since the epoch of the frame that completed the message. */
  time: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** BGP message type code from the header. */
  type: number;
  /** The whole message, marker included, lower-case hex. */
  hex: string;
  /** tshark's decoding of this message: field name -> values in order; `_text` holds label-only nodes. */
  fields: Record<string, string[]>;
}

type TsharkNode = string | TsharkNode[] | { [key: string]: TsharkNode };
type TsharkPacket = { _source: { layers: Record<string, TsharkNode> } };

/**
 * Decodes a pcap with tshark (`-T json -x --no-duplicate-keys`, TCP reassembly on) and returns
 * each BGP message with raw bytes and fields. Throws when an extracted message fails the
 * marker/length check, so a golden vector can never be a fragment.
 */
export async function tsharkDecode(pcap: string): Promise<CapturedBgpMessage[]> {
  const { stdout } = await execChecked(
    [
      'tshark',
      '-r',
      pcap,
      '-Y',
      'bgp',
      '-T',
      'json',
      '-x',
      '--no-duplicate-keys',
      '-o',
      'tcp.desegment_tcp_streams:TRUE',
    ],
    { timeoutMs: 120_000 },
  );
  const packets = JSON.parse(stdout === '' ? '[]' : stdout) as TsharkPacket[];
  const out: CapturedBgpMessage[] = [];
  for (const packet of packets) {
    const layers = packet._source.layers;
    const frame = layers['frame'] as Record<string, TsharkNode>;
    const ip = (layers['ip'] ?? layers['ipv6']) as Record<string, TsharkNode>;
    const tcp = layers['tcp'] as Record<string, TsharkNode>;
    const raws = asList(layers['bgp_raw']);
    // One raw entry is [hex, offset, length, bitmask, type]; several messages make a list of them.
    const rawEntries = typeof raws[0] === 'string' ? [raws] : raws;
    const decoded = asList(layers['bgp']);
    rawEntries.forEach((entry, i) => {
      const hex = String(asList(entry)[0]);
      checkMessageHex(hex, `frame ${String(frame['frame.number'])} message ${i}`);
      const fields: Record<string, string[]> = {};
      flatten(decoded[i] ?? {}, fields);
      out.push({
        frame: Number(frame['frame.number']),
        time: Number(frame['frame.time_epoch']),
        src: String(ip['ip.src'] ?? ip['ipv6.src']),
        dst: String(ip['ip.dst'] ?? ip['ipv6.dst']),
        srcPort: Number(tcp['tcp.srcport']),
        dstPort: Number(tcp['tcp.dstport']),
        type: parseInt(hex.slice(36, 38), 16),
        hex,
        fields,
      });
    });
  }
  return out;
}

function asList(node: TsharkNode | undefined): TsharkNode[] {
  if (node === undefined) return [];
  return Array.isArray(node) ? node : [node];
}

/** A BGP message (RFC 4271 §4.1): 16-octet marker of all ones, 2-octet length, 1-octet type. */
export function checkMessageHex(hex: string, where: string): void {
  if (!/^[0-9a-f]+$/.test(hex) || hex.length % 2 !== 0)
    throw new Error(`${where}: not hex: ${hex.slice(0, 80)}`);
  if (!hex.startsWith('f'.repeat(32)))
    throw new Error(`${where}: marker is not 16 x 0xff: ${hex.slice(0, 40)}`);
  const length = parseInt(hex.slice(32, 36), 16);
  if (length * 2 !== hex.length)
    throw new Error(`${where}: length field ${length} but ${hex.length / 2} bytes`);
}

function flatten(node: TsharkNode, into: Record<string, string[]>, key?: string): void {
  if (typeof node === 'string') {
    if (key !== undefined) (into[key] ??= []).push(node);
    return;
  }
  if (Array.isArray(node)) {
    for (const item of node) flatten(item, into, key);
    return;
  }
  for (const [k, v] of Object.entries(node)) {
    if (k.endsWith('_raw') || k === 'bgp.marker') continue;
    if (!k.startsWith('bgp') && !k.startsWith('_ws.')) {
      // A label-only tree node: tshark uses its display text as the key.
      (into['_text'] ??= []).push(k);
      if (typeof v !== 'string') flatten(v, into);
      continue;
    }
    flatten(v, into, k);
  }
}
