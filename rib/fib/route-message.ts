// The kernel route model (KernelRoute) and its rtnetlink form: RTM_NEWROUTE / RTM_DELROUTE /
// RTM_GETROUTE encoding and the decoding of route messages from dumps and events. In: routes the
// Fib wants (compact words + length, like bgp/wire PrefixList). Out: bytes in an NlWriter, and
// KernelRoute objects from kernel bytes. Layout: struct rtmsg + rtattrs (linux/rtnetlink.h).
import type { NlMessage, NlWriter } from './nlmsg.ts';
import { forEachAttr } from './nlmsg.ts';
import { AddressFamily, RTMSG_LEN, RTNH_LEN, Rta, RtScope, RtnhFlag, Rtn } from './rtnetlink-constants.ts';

/** One next hop. gateway is 4 or 16 address bytes, or null for a directly connected route. */
export interface KernelNextHop {
  /** Gateway address bytes. 16 bytes on an IPv4 route means an IPv6 next hop (RTA_VIA, RFC 8950). */
  readonly gateway: Uint8Array | null;
  /** Outgoing interface index, 0 to let the kernel resolve it from the gateway. */
  readonly ifindex: number;
  /** ECMP weight 1..256 (rtnh_hops + 1). */
  readonly weight: number;
  /** RTNH_F_ONLINK: the gateway is on the link even if no prefix says so. */
  readonly onlink: boolean;
}

export interface KernelRoute {
  /** AF_INET (2) or AF_INET6 (10). */
  readonly family: number;
  /** Destination: IPv4 one unsigned 32-bit word; IPv6 four words, most significant first. */
  readonly dst: readonly number[];
  readonly dstLength: number;
  readonly table: number;
  readonly protocol: number;
  /** RTA_PRIORITY, the route metric. */
  readonly priority: number;
  /** Rtn.UNICAST, BLACKHOLE, UNREACHABLE, ... */
  readonly type: number;
  /** Empty for blackhole/unreachable; more than one becomes RTA_MULTIPATH. */
  readonly nextHops: readonly KernelNextHop[];
}

/** A route read from the kernel: the model plus what the kernel adds. */
export interface DecodedRoute extends KernelRoute {
  readonly scope: number;
  readonly flags: number;
  readonly prefsrc: Uint8Array | null;
}

/** Upper bound of the bytes one route message takes after nlmsghdr. */
export function routeMessageBound(r: KernelRoute): number {
  return RTMSG_LEN + 4 * 24 + 8 + r.nextHops.length * (RTNH_LEN + 24 + 8);
}

function scopeOf(r: KernelRoute): number {
  if (r.type !== Rtn.UNICAST) return RtScope.UNIVERSE;
  // A route with no gateway reaches hosts on the link: RT_SCOPE_LINK, as `ip route add ... dev X`.
  for (const nh of r.nextHops) if (nh.gateway) return RtScope.UNIVERSE;
  return r.nextHops.length > 0 ? RtScope.LINK : RtScope.UNIVERSE;
}

function writeRtmsg(w: NlWriter, r: KernelRoute, scope: number, flags: number): void {
  w.u8(r.family);
  w.u8(r.dstLength);
  w.u8(0); // rtm_src_len
  w.u8(0); // rtm_tos
  w.u8(r.table < 256 ? r.table : 252); // RT_TABLE_COMPAT when the id needs RTA_TABLE
  w.u8(r.protocol);
  w.u8(scope);
  w.u8(r.type);
  w.u32(flags);
}

function writeDst(w: NlWriter, r: KernelRoute): void {
  if (r.dstLength === 0) return; // a default route has no RTA_DST
  const d = r.dst;
  if (r.family === AddressFamily.INET) w.attrAddr4(Rta.DST, d[0]);
  else w.attrAddr6(Rta.DST, d[0], d[1], d[2], d[3]);
}

/** RTA_GATEWAY for a same-family gateway, RTA_VIA (struct rtvia { family; addr[] }) otherwise. */
function writeGateway(w: NlWriter, family: number, gw: Uint8Array): void {
  const own = family === AddressFamily.INET ? 4 : 16;
  if (gw.length === own) {
    w.attrBytes(Rta.GATEWAY, gw);
  } else {
    const at = w.beginNest(Rta.VIA);
    w.u16(gw.length === 16 ? AddressFamily.INET6 : AddressFamily.INET);
    w.bytes(gw);
    w.endNest(at);
  }
}

/**
 * Append an RTM_NEWROUTE or RTM_DELROUTE for r. The caller has begun nothing; this writes the
 * whole message. For a delete, next hops are omitted so the kernel matches on prefix, table,
 * protocol and metric only.
 */
export function encodeRoute(
  w: NlWriter,
  msgType: number,
  nlFlags: number,
  seq: number,
  r: KernelRoute,
): void {
  const isDelete = msgType === 25; // RTM_DELROUTE
  w.beginMessage(msgType, nlFlags, seq, routeMessageBound(r));
  const single = !isDelete && r.nextHops.length === 1 ? r.nextHops[0] : null;
  writeRtmsg(w, r, isDelete ? RtScope.NOWHERE : scopeOf(r), single?.onlink ? RtnhFlag.ONLINK : 0);
  w.attrU32(Rta.TABLE, r.table);
  writeDst(w, r);
  w.attrU32(Rta.PRIORITY, r.priority);
  if (!isDelete && r.type === Rtn.UNICAST) {
    if (single) {
      if (single.gateway) writeGateway(w, r.family, single.gateway);
      if (single.ifindex) w.attrU32(Rta.OIF, single.ifindex);
    } else if (r.nextHops.length > 1) {
      const mp = w.beginNest(Rta.MULTIPATH);
      for (const nh of r.nextHops) {
        const at = w.pos;
        w.u16(0); // rtnh_len, filled below
        w.u8(nh.onlink ? RtnhFlag.ONLINK : 0);
        w.u8(Math.max(0, Math.min(255, nh.weight - 1)));
        w.u32(nh.ifindex);
        if (nh.gateway) writeGateway(w, r.family, nh.gateway);
        w.buf.writeUInt16LE(w.pos - at, at);
      }
      w.endNest(mp);
    }
  }
  w.endMessage();
}

/** Append an RTM_GETROUTE dump request; with strict checking on, the kernel filters by table and protocol. */
export function encodeRouteDumpRequest(
  w: NlWriter,
  seq: number,
  family: number,
  filter: { table?: number; protocol?: number } = {},
): void {
  w.beginMessage(26, 0x1 | 0x300, seq, RTMSG_LEN + 8); // RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP
  w.u8(family);
  w.u8(0);
  w.u8(0);
  w.u8(0);
  w.u8(0); // rtm_table: 0 = all unless RTA_TABLE
  w.u8(filter.protocol ?? 0);
  w.u8(0);
  w.u8(0);
  w.u32(0);
  if (filter.table !== undefined) w.attrU32(Rta.TABLE, filter.table);
  w.endMessage();
}

function addrWords(buf: Buffer, s: number, e: number): number[] {
  if (e - s === 4) return [buf.readUInt32BE(s)];
  return [buf.readUInt32BE(s), buf.readUInt32BE(s + 4), buf.readUInt32BE(s + 8), buf.readUInt32BE(s + 12)];
}

function decodeVia(buf: Buffer, s: number, e: number): Uint8Array {
  // struct rtvia { __kernel_sa_family_t rtvia_family; __u8 rtvia_addr[]; }
  return Uint8Array.prototype.slice.call(buf, s + 2, e);
}

/** Decode an RTM_NEWROUTE / RTM_DELROUTE message. */
export function decodeRoute(m: NlMessage): DecodedRoute {
  const b = m.buf;
  const p = m.start;
  const family = b[p];
  const dstLength = b[p + 1];
  let table = b[p + 4];
  const protocol = b[p + 5];
  const scope = b[p + 6];
  const type = b[p + 7];
  const flags = b.readUInt32LE(p + 8);
  let dst: number[] = family === AddressFamily.INET ? [0] : [0, 0, 0, 0];
  let priority = 0;
  let gateway: Uint8Array | null = null;
  let ifindex = 0;
  let prefsrc: Uint8Array | null = null;
  let multipath: KernelNextHop[] | null = null;
  forEachAttr(b, p + RTMSG_LEN, m.end, (t, s, e) => {
    switch (t) {
      case Rta.DST:
        dst = addrWords(b, s, e);
        break;
      case Rta.TABLE:
        table = b.readUInt32LE(s);
        break;
      case Rta.PRIORITY:
        priority = b.readUInt32LE(s);
        break;
      case Rta.GATEWAY:
        gateway = Uint8Array.prototype.slice.call(b, s, e);
        break;
      case Rta.VIA:
        gateway = decodeVia(b, s, e);
        break;
      case Rta.OIF:
        ifindex = b.readUInt32LE(s);
        break;
      case Rta.PREFSRC:
        prefsrc = Uint8Array.prototype.slice.call(b, s, e);
        break;
      case Rta.MULTIPATH:
        multipath = decodeMultipath(b, s, e);
        break;
    }
  });
  let nextHops: KernelNextHop[];
  if (multipath) nextHops = multipath;
  else if (type !== Rtn.UNICAST) nextHops = [];
  else nextHops = [{ gateway, ifindex, weight: 1, onlink: (flags & RtnhFlag.ONLINK) !== 0 }];
  return { family, dst, dstLength, table, protocol, priority, type, nextHops, scope, flags, prefsrc };
}

function decodeMultipath(b: Buffer, start: number, end: number): KernelNextHop[] {
  const hops: KernelNextHop[] = [];
  let p = start;
  while (p + RTNH_LEN <= end) {
    const len = b.readUInt16LE(p);
    if (len < RTNH_LEN || p + len > end) break;
    let gateway: Uint8Array | null = null;
    forEachAttr(b, p + RTNH_LEN, p + len, (t, s, e) => {
      if (t === Rta.GATEWAY) gateway = Uint8Array.prototype.slice.call(b, s, e);
      else if (t === Rta.VIA) gateway = decodeVia(b, s, e);
    });
    hops.push({
      gateway,
      ifindex: b.readInt32LE(p + 4),
      weight: b[p + 3] + 1,
      onlink: (b[p + 2] & RtnhFlag.ONLINK) !== 0,
    });
    p += (len + 3) & ~3;
  }
  return hops;
}

/**
 * The fields of a route message that the Fib checks for each kernel event (most are echoes of its
 * own changes, up to a million in a row), read into this reused object without allocating. A
 * message with RTA_MULTIPATH or RTA_VIA is only flagged; decodeRoute() reads those.
 */
export class RouteEventView {
  family = 0;
  dstLength = 0;
  table = 0;
  protocol = 0;
  type = 0;
  flags = 0;
  priority = 0;
  /** Destination words (IPv4 uses the first). */
  readonly dst = [0, 0, 0, 0];
  buf: Buffer = Buffer.alloc(0);
  /** Offset of the RTA_GATEWAY value in buf, or -1. */
  gatewayAt = -1;
  gatewayLength = 0;
  oif = 0;
  multipath = false;
  via = false;

  read(m: NlMessage): void {
    const b = m.buf;
    const p = m.start;
    this.buf = b;
    this.family = b[p];
    this.dstLength = b[p + 1];
    this.table = b[p + 4];
    this.protocol = b[p + 5];
    this.type = b[p + 7];
    this.flags = b.readUInt32LE(p + 8);
    this.priority = 0;
    this.dst[0] = this.dst[1] = this.dst[2] = this.dst[3] = 0;
    this.gatewayAt = -1;
    this.gatewayLength = 0;
    this.oif = 0;
    this.multipath = false;
    this.via = false;
    let a = p + RTMSG_LEN;
    while (a + 4 <= m.end) {
      const len = b.readUInt16LE(a);
      if (len < 4 || a + len > m.end) break; // decodeRoute() reports a malformed message
      const s = a + 4;
      switch (b.readUInt16LE(a + 2) & 0x3fff) {
        case Rta.DST:
          for (let i = 0; i < (len - 4) >> 2 && i < 4; i++) this.dst[i] = b.readUInt32BE(s + 4 * i);
          break;
        case Rta.TABLE:
          this.table = b.readUInt32LE(s);
          break;
        case Rta.PRIORITY:
          this.priority = b.readUInt32LE(s);
          break;
        case Rta.GATEWAY:
          this.gatewayAt = s;
          this.gatewayLength = len - 4;
          break;
        case Rta.OIF:
          this.oif = b.readUInt32LE(s);
          break;
        case Rta.MULTIPATH:
          this.multipath = true;
          break;
        case Rta.VIA:
          this.via = true;
          break;
      }
      a += (len + 3) & ~3;
    }
  }

  /** Whether the message's single next hop is exactly `nh` as a wanted next hop (see routeSatisfies). */
  singleHopMatches(nh: KernelNextHop): boolean {
    if (this.multipath || this.via) return false;
    if (nh.weight !== 1 || nh.onlink !== ((this.flags & RtnhFlag.ONLINK) !== 0)) return false;
    if (nh.ifindex !== 0 && nh.ifindex !== this.oif) return false;
    const g = nh.gateway;
    if (g === null) return this.gatewayAt < 0;
    if (g.length !== this.gatewayLength) return false;
    for (let i = 0; i < g.length; i++) if (g[i] !== this.buf[this.gatewayAt + i]) return false;
    return true;
  }
}
