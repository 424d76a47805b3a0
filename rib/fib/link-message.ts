// Links and addresses over rtnetlink: RTM_GETLINK / RTM_GETADDR dump requests and the decoding
// of ifinfomsg (RTM_NEWLINK/DELLINK) and ifaddrmsg (RTM_NEWADDR/DELADDR). In: kernel bytes. Out:
// KernelLink / KernelAddress objects the next-hop resolver and the Fib's watcher read.
// Layouts: struct ifinfomsg (linux/rtnetlink.h), struct ifaddrmsg (linux/if_addr.h).
import type { NlMessage, NlWriter } from './nlmsg.ts';
import { forEachAttr } from './nlmsg.ts';
import { IFADDRMSG_LEN, IFINFOMSG_LEN, Ifa, Ifla, Iff, NlmFlag, RtmType } from './rtnetlink-constants.ts';

export interface KernelLink {
  readonly ifindex: number;
  readonly name: string;
  /** net_device_flags: IFF_UP, IFF_RUNNING, IFF_LOWER_UP, ... */
  readonly flags: number;
  readonly mtu: number;
  /** IF_OPER_* (RFC 2863): 6 is up. */
  readonly operstate: number;
}

/** Whether a link can carry traffic: administratively up and carrier present. */
export function linkIsUp(l: KernelLink): boolean {
  return (l.flags & Iff.UP) !== 0 && (l.flags & Iff.LOWER_UP) !== 0;
}

export interface KernelAddress {
  readonly family: number;
  readonly ifindex: number;
  readonly prefixLength: number;
  readonly scope: number;
  /** IFA_LOCAL when present (the interface's own address), else IFA_ADDRESS. */
  readonly address: Uint8Array;
}

function writeDumpRequest(w: NlWriter, type: number, seq: number, family: number, bodyLen: number): void {
  w.beginMessage(type, NlmFlag.REQUEST | NlmFlag.DUMP, seq, bodyLen);
  w.u8(family);
  for (let i = 1; i < bodyLen; i++) w.u8(0);
  w.endMessage();
}

/** RTM_GETLINK dump request: the header is a zeroed struct ifinfomsg with the family set. */
export function encodeLinkDumpRequest(w: NlWriter, seq: number, family = 0): void {
  writeDumpRequest(w, RtmType.GETLINK, seq, family, IFINFOMSG_LEN);
}

/** RTM_GETADDR dump request: a zeroed struct ifaddrmsg with the family set. */
export function encodeAddrDumpRequest(w: NlWriter, seq: number, family = 0): void {
  writeDumpRequest(w, RtmType.GETADDR, seq, family, IFADDRMSG_LEN);
}

export function decodeLink(m: NlMessage): KernelLink {
  const b = m.buf;
  const p = m.start;
  const ifindex = b.readInt32LE(p + 4);
  const flags = b.readUInt32LE(p + 8);
  let name = '';
  let mtu = 0;
  let operstate = 0;
  forEachAttr(b, p + IFINFOMSG_LEN, m.end, (t, s, e) => {
    if (t === Ifla.IFNAME) {
      let z = s;
      while (z < e && b[z] !== 0) z++;
      name = b.toString('utf8', s, z);
    } else if (t === Ifla.MTU) mtu = b.readUInt32LE(s);
    else if (t === Ifla.OPERSTATE) operstate = b[s];
  });
  return { ifindex, name, flags, mtu, operstate };
}

export function decodeAddress(m: NlMessage): KernelAddress {
  const b = m.buf;
  const p = m.start;
  let local: Uint8Array | null = null;
  let address: Uint8Array | null = null;
  forEachAttr(b, p + IFADDRMSG_LEN, m.end, (t, s, e) => {
    if (t === Ifa.LOCAL) local = Uint8Array.prototype.slice.call(b, s, e);
    else if (t === Ifa.ADDRESS) address = Uint8Array.prototype.slice.call(b, s, e);
  });
  return {
    family: b[p],
    prefixLength: b[p + 1],
    scope: b[p + 3],
    ifindex: b.readUInt32LE(p + 4),
    address: local ?? address ?? new Uint8Array(0),
  };
}
