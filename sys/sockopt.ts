// Socket options BGP transport needs that Node's net module does not offer: TCP MD5 signatures
// (RFC 2385, Linux TCP_MD5SIG / TCP_MD5SIG_EXT), GTSM minimum TTL (RFC 5082, IP_MINTTL /
// IPV6_MINHOPCOUNT), the sending TTL, and creating a bare TCP socket so options can be set before
// connect(). In: a descriptor, the socket's address family (4 or 6), addresses as text. Out:
// nothing, or a SysError naming the errno. Struct layouts follow the Linux uapi headers
// (linux/tcp.h, linux/in.h, linux/in6.h), noted beside each constant.
import net from 'node:net';
import os from 'node:os';
import { getsockopt, setsockopt, socket, SysError } from './libc.ts';

export type IpFamily = 4 | 6;

// <sys/socket.h>, <netinet/in.h>
const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const IPPROTO_IP = 0;
const IPPROTO_TCP = 6;
const IPPROTO_IPV6 = 41;

/** Option numbers from linux/in.h, linux/in6.h and linux/tcp.h. */
export const SockOpt = {
  IP_TTL: 2,
  IP_MINTTL: 21,
  IPV6_UNICAST_HOPS: 16,
  IPV6_MINHOPCOUNT: 73,
  TCP_MD5SIG: 14,
  TCP_MD5SIG_EXT: 32,
  TCP_SAVE_SYN: 27,
  TCP_SAVED_SYN: 28,
} as const;

/** linux/tcp.h: the longest key TCP_MD5SIG accepts. */
export const TCP_MD5SIG_MAXKEYLEN = 80;
/** linux/tcp.h: tcpm_flags bit saying tcpm_prefixlen is valid (TCP_MD5SIG_EXT only). */
const TCP_MD5SIG_FLAG_PREFIX = 0x1;

// struct tcp_md5sig (linux/tcp.h), 216 bytes:
//   offset   0  struct __kernel_sockaddr_storage tcpm_addr  (128 bytes)
//   offset 128  __u8  tcpm_flags
//   offset 129  __u8  tcpm_prefixlen
//   offset 130  __u16 tcpm_keylen       (host byte order)
//   offset 132  int   tcpm_ifindex      (host byte order)
//   offset 136  __u8  tcpm_key[80]
const MD5SIG_SIZE = 216;
const MD5SIG_FLAGS = 128;
const MD5SIG_PREFIXLEN = 129;
const MD5SIG_KEYLEN = 130;
const MD5SIG_KEY = 136;

const LITTLE_ENDIAN = os.endianness() === 'LE';

/** socket(AF_INET or AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0): a new TCP fd. */
export function createTcpSocket(family: IpFamily): number {
  return socket(family === 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/**
 * Installs (key given) or removes (null or empty key) the RFC 2385 key for one peer address on
 * `fd`. On a listening socket the key covers connections accepted from that peer; on a socket
 * about to connect it signs the SYN. `family` is the socket's family: an IPv4 peer on an IPv6
 * (dual-stack) socket is written as the IPv4-mapped address, which is how Linux stores v4 keys
 * there. Removing a key that is not installed is not an error.
 */
export function setTcpMd5(
  fd: number,
  family: IpFamily,
  peerAddress: string,
  key: string | Buffer | null,
): void {
  const md5sig = tcpMd5Sig(family, peerAddress, key);
  setMd5(fd, SockOpt.TCP_MD5SIG, md5sig, peerAddress, key);
}

/**
 * Like setTcpMd5 but for every address in `prefix/prefixLength` (TCP_MD5SIG_EXT with
 * TCP_MD5SIG_FLAG_PREFIX), for dynamic peer ranges on a listening socket. For an IPv4 prefix the
 * length is the IPv4 length (0-32) also on an IPv6 socket, as the kernel expects.
 */
export function setTcpMd5Prefix(
  fd: number,
  family: IpFamily,
  prefix: string,
  prefixLength: number,
  key: string | Buffer | null,
): void {
  const max = net.isIPv4(prefix) ? 32 : 128;
  if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > max) {
    throw new RangeError(`TCP MD5 prefix length ${prefixLength} out of range for ${prefix}`);
  }
  const md5sig = tcpMd5Sig(family, prefix, key);
  md5sig[MD5SIG_FLAGS] = TCP_MD5SIG_FLAG_PREFIX;
  md5sig[MD5SIG_PREFIXLEN] = prefixLength;
  setMd5(fd, SockOpt.TCP_MD5SIG_EXT, md5sig, `${prefix}/${prefixLength}`, key);
}

function tcpMd5Sig(family: IpFamily, address: string, key: string | Buffer | null): Buffer {
  const keyBytes = key === null ? Buffer.alloc(0) : typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (keyBytes.length > TCP_MD5SIG_MAXKEYLEN) {
    throw new RangeError(
      `TCP MD5 key is ${keyBytes.length} bytes; Linux accepts at most ${TCP_MD5SIG_MAXKEYLEN}`,
    );
  }
  const md5sig = Buffer.alloc(MD5SIG_SIZE);
  writeSockaddr(md5sig, family, address, 0);
  if (LITTLE_ENDIAN) md5sig.writeUInt16LE(keyBytes.length, MD5SIG_KEYLEN);
  else md5sig.writeUInt16BE(keyBytes.length, MD5SIG_KEYLEN);
  keyBytes.copy(md5sig, MD5SIG_KEY);
  return md5sig;
}

function setMd5(
  fd: number,
  optname: number,
  md5sig: Buffer,
  what: string,
  key: string | Buffer | null,
): void {
  const removing = key === null || key.length === 0;
  try {
    setsockopt(fd, IPPROTO_TCP, optname, md5sig, `TCP MD5 ${removing ? 'remove' : 'set'} for ${what}`);
  } catch (err) {
    // Linux answers ENOENT when asked to delete a key it does not hold: already removed.
    if (removing && err instanceof SysError && err.code === 'ENOENT') return;
    throw err;
  }
}

/**
 * GTSM (RFC 5082): drop every received segment whose IPv4 TTL / IPv6 Hop Limit is below `minTtl`
 * (0 turns the check off). On an IPv6 socket both options are set, since IPv4 peers reach a
 * dual-stack socket as IPv4 packets and Linux checks IP_MINTTL for them.
 */
export function setMinTtl(fd: number, family: IpFamily, minTtl: number): void {
  checkTtl(minTtl, 0, 'minimum TTL');
  if (family === 6) setInt(fd, IPPROTO_IPV6, SockOpt.IPV6_MINHOPCOUNT, minTtl, 'IPV6_MINHOPCOUNT');
  setInt(fd, IPPROTO_IP, SockOpt.IP_MINTTL, minTtl, 'IP_MINTTL');
}

/** The TTL (IPv4) / unicast Hop Limit (IPv6, and IPv4 on a dual-stack socket) of sent segments. */
export function setTtl(fd: number, family: IpFamily, ttl: number): void {
  checkTtl(ttl, 1, 'TTL');
  if (family === 6) setInt(fd, IPPROTO_IPV6, SockOpt.IPV6_UNICAST_HOPS, ttl, 'IPV6_UNICAST_HOPS');
  setInt(fd, IPPROTO_IP, SockOpt.IP_TTL, ttl, 'IP_TTL');
}

/**
 * Asks a listening socket to keep each incoming SYN's network and TCP headers (TCP_SAVE_SYN = 1)
 * so savedSynTtl() can read the TTL the connection arrived with. Sockets accepted from it inherit
 * the saved SYN; the kernel frees it once read.
 */
export function enableSavedSyn(fd: number): void {
  setInt(fd, IPPROTO_TCP, SockOpt.TCP_SAVE_SYN, 1, 'TCP_SAVE_SYN');
}

/**
 * The TTL (IPv4) or Hop Limit (IPv6) of the SYN that opened an accepted connection, from
 * TCP_SAVED_SYN; null if nothing was saved (the listener lacked TCP_SAVE_SYN, or it was read
 * already). The IPv4 header has TTL at octet 8 (RFC 791 §3.1), the IPv6 header Hop Limit at
 * octet 7 (RFC 8200 §3); the version nibble says which.
 */
export function savedSynTtl(fd: number): number | null {
  let headers: Buffer;
  try {
    headers = getsockopt(fd, IPPROTO_TCP, SockOpt.TCP_SAVED_SYN, 512, 'TCP_SAVED_SYN');
  } catch (err) {
    if (err instanceof SysError && err.code === 'ENOENT') return null;
    throw err;
  }
  if (headers.length < 20) return null;
  const version = headers[0] >> 4;
  if (version === 4) return headers[8];
  if (version === 6 && headers.length >= 40) return headers[7];
  return null;
}

/** Reads back the minimum TTL (IP_MINTTL, or IPV6_MINHOPCOUNT on an IPv6 socket). */
export function getMinTtl(fd: number, family: IpFamily): number {
  return family === 6
    ? getInt(fd, IPPROTO_IPV6, SockOpt.IPV6_MINHOPCOUNT, 'IPV6_MINHOPCOUNT')
    : getInt(fd, IPPROTO_IP, SockOpt.IP_MINTTL, 'IP_MINTTL');
}

/** Reads back the sending TTL (IP_TTL, or IPV6_UNICAST_HOPS on an IPv6 socket). */
export function getTtl(fd: number, family: IpFamily): number {
  return family === 6
    ? getInt(fd, IPPROTO_IPV6, SockOpt.IPV6_UNICAST_HOPS, 'IPV6_UNICAST_HOPS')
    : getInt(fd, IPPROTO_IP, SockOpt.IP_TTL, 'IP_TTL');
}

function checkTtl(value: number, min: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > 255) {
    throw new RangeError(`${what} ${value} out of range ${min}-255`);
  }
}

function setInt(fd: number, level: number, optname: number, value: number, what: string): void {
  const buf = Buffer.alloc(4);
  if (LITTLE_ENDIAN) buf.writeInt32LE(value);
  else buf.writeInt32BE(value);
  setsockopt(fd, level, optname, buf, what);
}

function getInt(fd: number, level: number, optname: number, what: string): number {
  const buf = getsockopt(fd, level, optname, 4, what);
  return LITTLE_ENDIAN ? buf.readInt32LE() : buf.readInt32BE();
}

/**
 * Writes struct sockaddr_in (family, port, 4 address bytes) or struct sockaddr_in6 (family, port,
 * flowinfo, 16 address bytes, scope id) at `offset`. sa_family is in host byte order, the port
 * and address in network byte order. An IPv4 address on an IPv6 socket becomes ::ffff:a.b.c.d.
 */
export function writeSockaddr(buf: Buffer, family: IpFamily, address: string, port: number): void {
  const v4 = net.isIPv4(address);
  if (!v4 && !net.isIPv6(address)) throw new TypeError(`not an IP address: ${JSON.stringify(address)}`);
  if (family === 4 && !v4) throw new TypeError(`IPv6 address ${address} on an IPv4 socket`);
  const sa_family = family === 4 ? AF_INET : AF_INET6;
  if (LITTLE_ENDIAN) buf.writeUInt16LE(sa_family, 0);
  else buf.writeUInt16BE(sa_family, 0);
  buf.writeUInt16BE(port, 2);
  if (family === 4) {
    ipv4Bytes(address).copy(buf, 4);
  } else {
    const bytes = v4
      ? Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), ipv4Bytes(address)])
      : ipv6Bytes(address);
    bytes.copy(buf, 8);
  }
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

/** The 16 bytes of an IPv6 address in any RFC 4291 §2.2 text form (with "::" and a dotted tail). */
export function ipv6Bytes(address: string): Buffer {
  const text = address.split('%')[0];
  const out = Buffer.alloc(16);
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const words: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const b = ipv4Bytes(piece);
        words.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
      } else {
        words.push(parseInt(piece, 16));
      }
    }
    return words;
  };
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const words = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  words.forEach((word, i) => out.writeUInt16BE(word, i * 2));
  return out;
}
