// Constants of the netlink and rtnetlink kernel interfaces, with the uapi header each comes from
// (include/uapi/linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h). Netlink integers are in host
// byte order (little-endian on every platform podbgp ships for); addresses are in network order.

/** struct nlmsghdr { __u32 nlmsg_len; __u16 nlmsg_type; __u16 nlmsg_flags; __u32 nlmsg_seq; __u32 nlmsg_pid; } */
export const NLMSG_HDRLEN = 16;
/** struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type (u8 each), flags (u32). */
export const RTMSG_LEN = 12;
/** struct ifinfomsg: family u8, pad u8, type u16, index s32, flags u32, change u32. */
export const IFINFOMSG_LEN = 16;
/** struct ifaddrmsg: family, prefixlen, flags, scope (u8 each), index u32. */
export const IFADDRMSG_LEN = 8;
/** struct rtattr { unsigned short rta_len; unsigned short rta_type; } */
export const RTA_HDRLEN = 4;
/** struct rtnexthop { unsigned short rtnh_len; unsigned char rtnh_flags; unsigned char rtnh_hops; int rtnh_ifindex; } */
export const RTNH_LEN = 8;

/** NLMSG_ALIGN / RTA_ALIGN: 4-byte alignment. */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

/** linux/netlink.h control message types. */
export const NlmsgType = {
  NOOP: 1,
  ERROR: 2,
  DONE: 3,
  OVERRUN: 4,
} as const;

/** linux/rtnetlink.h message types. */
export const RtmType = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
} as const;

/** linux/netlink.h nlmsg_flags. */
export const NlmFlag = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  ECHO: 0x8,
  DUMP_INTR: 0x10,
  // Modifiers to GET requests
  ROOT: 0x100,
  MATCH: 0x200,
  DUMP: 0x300,
  // Modifiers to NEW requests
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  APPEND: 0x800,
  // Flags of NLMSG_ERROR acks
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

/** enum nlmsgerr_attrs: TLVs after a capped struct nlmsgerr when NETLINK_EXT_ACK is on. */
export const NlmsgerrAttr = {
  MSG: 1,
  OFFS: 2,
  COOKIE: 3,
} as const;

/** enum rtattr_type_t (linux/rtnetlink.h). */
export const Rta = {
  DST: 1,
  SRC: 2,
  IIF: 3,
  OIF: 4,
  GATEWAY: 5,
  PRIORITY: 6,
  PREFSRC: 7,
  METRICS: 8,
  MULTIPATH: 9,
  FLOW: 11,
  CACHEINFO: 12,
  TABLE: 15,
  MARK: 16,
  VIA: 18,
  PREF: 20,
  EXPIRES: 23,
  NH_ID: 30,
} as const;

/** rtm_type values (linux/rtnetlink.h). */
export const Rtn = {
  UNSPEC: 0,
  UNICAST: 1,
  LOCAL: 2,
  BROADCAST: 3,
  ANYCAST: 4,
  MULTICAST: 5,
  BLACKHOLE: 6,
  UNREACHABLE: 7,
  PROHIBIT: 8,
} as const;

/** enum rt_scope_t. */
export const RtScope = {
  UNIVERSE: 0,
  SITE: 200,
  LINK: 253,
  HOST: 254,
  NOWHERE: 255,
} as const;

/** rtm_protocol values the kernel and iproute2 name (rt_protos); 186 is 'bgp' (FRR, BIRD). */
export const RtProt = {
  UNSPEC: 0,
  REDIRECT: 1,
  KERNEL: 2,
  BOOT: 3,
  STATIC: 4,
  BGP: 186,
} as const;

/** Reserved table ids (enum rt_class_t). */
export const RtTable = {
  UNSPEC: 0,
  DEFAULT: 253,
  MAIN: 254,
  LOCAL: 255,
} as const;

/** rtnh_flags / rtm_flags next-hop bits. */
export const RtnhFlag = {
  DEAD: 1,
  PERVASIVE: 2,
  ONLINK: 4,
  OFFLOAD: 8,
  LINKDOWN: 16,
  UNRESOLVED: 32,
} as const;

/** Address families (linux/socket.h). */
export const AddressFamily = {
  UNSPEC: 0,
  INET: 2,
  INET6: 10,
} as const;

/** enum rtnetlink_groups: group numbers for NETLINK_ADD_MEMBERSHIP. */
export const Rtnlgrp = {
  LINK: 1,
  IPV4_IFADDR: 5,
  IPV4_ROUTE: 7,
  IPV6_IFADDR: 9,
  IPV6_ROUTE: 11,
} as const;

/** IFLA_* attributes of ifinfomsg (linux/if_link.h). */
export const Ifla = {
  ADDRESS: 1,
  IFNAME: 3,
  MTU: 4,
  LINK: 5,
  MASTER: 10,
  OPERSTATE: 16,
} as const;

/** IFA_* attributes of ifaddrmsg (linux/if_addr.h). */
export const Ifa = {
  ADDRESS: 1,
  LOCAL: 2,
  LABEL: 3,
  BROADCAST: 4,
  FLAGS: 8,
} as const;

/** net_device_flags (linux/if.h) that matter for next hops. */
export const Iff = {
  UP: 0x1,
  LOOPBACK: 0x8,
  RUNNING: 0x40,
  LOWER_UP: 0x10000,
} as const;
