// A netlink socket (AF_NETLINK, NETLINK_ROUTE) through koffi and libc: create, bind to multicast
// groups, set buffer sizes and extended acks, send whole buffers, and receive datagrams without
// ever blocking the event loop. In: byte buffers of netlink messages built by rib/fib/. Out: the
// datagrams the kernel sends back, as Buffers. This file knows sockets, not message formats.
//
// Sending: send() is a plain sendto(2) on the calling thread. The kernel processes NETLINK_ROUTE
// requests inside that call, so a big batch of routes holds the caller for as long as the kernel
// works on it (tens of milliseconds for 15k routes). sendAsync() makes the same call on a koffi
// worker thread so the event loop keeps running meanwhile.
//
// Readiness: the fd is non-blocking. Request/reply exchanges with NETLINK_ROUTE need no waiting
// in practice (the kernel runs the request inside sendmsg() and builds dump parts inside recvmsg()),
// so readers first try a non-blocking recv. Only when nothing is queued do they wait, and the wait
// is a poll(2) run through koffi's async call on a worker thread: the event loop stays free and
// there is no timer spinning. Each socket has an eventfd in the same poll set so close() wakes a
// pending wait at once instead of closing an fd another thread is polling.
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');

const c_socket = libc.func('int socket(int domain, int type, int protocol)');
const c_bind = libc.func('int bind(int fd, void *addr, uint32_t addrlen)');
const c_sendto = libc.func(
  'long sendto(int fd, void *buf, unsigned long len, int flags, void *addr, uint32_t alen)',
);
const c_recv = libc.func('long recv(int fd, void *buf, unsigned long len, int flags)');
const c_setsockopt = libc.func('int setsockopt(int fd, int level, int name, void *val, uint32_t len)');
const c_getsockopt = libc.func(
  'int getsockopt(int fd, int level, int name, void *val, _Inout_ uint32_t *len)',
);
const c_getsockname = libc.func('int getsockname(int fd, void *addr, _Inout_ uint32_t *len)');
const c_close = libc.func('int close(int fd)');
const c_open = libc.func('int open(const char *path, int flags)');
const c_setns = libc.func('int setns(int fd, int nstype)');
const c_poll = libc.func('int poll(void *fds, unsigned long nfds, int timeout)');
const c_eventfd = libc.func('int eventfd(unsigned int initval, int flags)');
const c_write = libc.func('long write(int fd, void *buf, unsigned long len)');
const c_strerror = libc.func('const char *strerror(int errnum)');

/** Constants from <sys/socket.h>, <linux/netlink.h>, <fcntl.h>, <sched.h>, <poll.h> (Linux x86-64/arm64). */
export const Sock = {
  AF_NETLINK: 16,
  SOCK_RAW: 3,
  SOCK_NONBLOCK: 0o4000,
  SOCK_CLOEXEC: 0o2000000,
  NETLINK_ROUTE: 0,
  SOL_SOCKET: 1,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_SNDBUFFORCE: 32,
  SO_RCVBUFFORCE: 33,
  SOL_NETLINK: 270,
  NETLINK_ADD_MEMBERSHIP: 1,
  NETLINK_DROP_MEMBERSHIP: 2,
  NETLINK_NO_ENOBUFS: 5,
  NETLINK_CAP_ACK: 10,
  NETLINK_EXT_ACK: 11,
  NETLINK_GET_STRICT_CHK: 12,
  MSG_DONTWAIT: 0x40,
  O_RDONLY: 0,
  O_CLOEXEC: 0o2000000,
  CLONE_NEWNET: 0x40000000,
  POLLIN: 1,
  EFD_NONBLOCK: 0o4000,
  EFD_CLOEXEC: 0o2000000,
} as const;

export const Errno = { EINTR: 4, EAGAIN: 11, ENOBUFS: 105 } as const;

/** A failed system call: the call's name, errno and the C library's text for it. */
export class SysError extends Error {
  readonly errno: number;
  readonly call: string;
  constructor(call: string, errno: number) {
    super(`${call}: ${strerror(errno)} (errno ${errno})`);
    this.name = 'SysError';
    this.call = call;
    this.errno = errno;
  }
}

export function strerror(errno: number): string {
  return c_strerror(errno) as string;
}

function check(call: string, rc: number): number {
  if (rc < 0) throw new SysError(call, koffi.errno());
  return rc;
}

export interface NetlinkOptions {
  /** Legacy group bitmask given to bind() (RTMGRP_*); 0 for none. */
  groups?: number;
  /** Receive buffer in bytes (SO_RCVBUFFORCE, falling back to SO_RCVBUF). */
  rcvbuf?: number;
  /** Send buffer in bytes; also the largest single send the kernel accepts. */
  sndbuf?: number;
  /** NETLINK_EXT_ACK: error acks carry the kernel's message text (default true). */
  extAck?: boolean;
  /** NETLINK_CAP_ACK: error acks do not echo the whole request back (default true). */
  capAck?: boolean;
  /**
   * NETLINK_GET_STRICT_CHK (Linux 4.20+): dump requests are checked strictly and the kernel
   * filters route dumps by the rtm_protocol/table given (default false).
   */
  strictCheck?: boolean;
}

export class NetlinkSocket {
  readonly fd: number;
  /** The port id the kernel assigned (nl_pid); replies are addressed to it. */
  readonly portId: number;
  private readonly wakeFd: number;
  private closed = false;
  private waiting = false;
  /** sendAsync() calls still running on a worker thread; the fds are released after the last. */
  private sending = 0;
  private readonly kernelAddr: Buffer;

  constructor(options: NetlinkOptions = {}) {
    const fd = check(
      'socket',
      c_socket(Sock.AF_NETLINK, Sock.SOCK_RAW | Sock.SOCK_NONBLOCK | Sock.SOCK_CLOEXEC, Sock.NETLINK_ROUTE),
    );
    this.fd = fd;
    try {
      if (options.sndbuf) this.setBufferSize(Sock.SO_SNDBUFFORCE, Sock.SO_SNDBUF, options.sndbuf);
      if (options.rcvbuf) this.setBufferSize(Sock.SO_RCVBUFFORCE, Sock.SO_RCVBUF, options.rcvbuf);
      if (options.extAck !== false) this.setIntOption(Sock.SOL_NETLINK, Sock.NETLINK_EXT_ACK, 1);
      if (options.strictCheck === true) this.setIntOption(Sock.SOL_NETLINK, Sock.NETLINK_GET_STRICT_CHK, 1);
      if (options.capAck !== false) this.setIntOption(Sock.SOL_NETLINK, Sock.NETLINK_CAP_ACK, 1);
      // struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; }
      const local = Buffer.alloc(12);
      local.writeUInt16LE(Sock.AF_NETLINK, 0);
      local.writeUInt32LE(options.groups ?? 0, 8);
      check('bind', c_bind(fd, local, 12));
      const len = [12];
      check('getsockname', c_getsockname(fd, local, len));
      this.portId = local.readUInt32LE(4);
      this.wakeFd = check('eventfd', c_eventfd(0, Sock.EFD_NONBLOCK | Sock.EFD_CLOEXEC));
    } catch (e) {
      c_close(fd);
      throw e;
    }
    this.kernelAddr = Buffer.alloc(12);
    this.kernelAddr.writeUInt16LE(Sock.AF_NETLINK, 0);
  }

  private setBufferSize(force: number, plain: number, bytes: number): void {
    const v = Buffer.alloc(4);
    v.writeInt32LE(bytes, 0);
    // SO_*BUFFORCE needs CAP_NET_ADMIN and ignores the sysctl ceiling; without it, ask politely.
    if (c_setsockopt(this.fd, Sock.SOL_SOCKET, force, v, 4) < 0) {
      check('setsockopt', c_setsockopt(this.fd, Sock.SOL_SOCKET, plain, v, 4));
    }
  }

  setIntOption(level: number, name: number, value: number): void {
    const v = Buffer.alloc(4);
    v.writeInt32LE(value, 0);
    check('setsockopt', c_setsockopt(this.fd, level, name, v, 4));
  }

  getIntOption(level: number, name: number): number {
    const v = Buffer.alloc(4);
    check('getsockopt', c_getsockopt(this.fd, level, name, v, [4]));
    return v.readInt32LE(0);
  }

  /** Join a multicast group by number (RTNLGRP_*), beyond the 32 legacy bind() groups. */
  addMembership(group: number): void {
    this.setIntOption(Sock.SOL_NETLINK, Sock.NETLINK_ADD_MEMBERSHIP, group);
  }

  /** Send one buffer (any number of netlink messages) to the kernel. Throws SysError on failure. */
  send(buf: Uint8Array): void {
    for (;;) {
      const rc = c_sendto(this.fd, buf, buf.length, 0, this.kernelAddr, 12) as number;
      if (rc >= 0) return;
      const errno = koffi.errno();
      if (errno !== Errno.EINTR) throw new SysError('sendto', errno);
    }
  }

  /**
   * Send one buffer like send(), but with sendto(2) running on a koffi worker thread: the kernel's
   * processing of the messages does not hold the event loop. `buf` must not change until the
   * promise settles. A failed call is retried once on this thread, which yields the errno (koffi's
   * errno is per thread) and covers EINTR.
   */
  sendAsync(buf: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error('netlink socket closed'));
    this.sending++;
    return new Promise((resolve, reject) => {
      c_sendto.async(this.fd, buf, buf.length, 0, this.kernelAddr, 12, (err: unknown, rc: number) => {
        this.sending--;
        if (this.closed) {
          this.releaseIfIdle();
          reject(new Error('netlink socket closed'));
        } else if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else if (rc >= 0) resolve();
        else {
          try {
            this.send(buf);
            resolve();
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        }
      });
    });
  }

  /**
   * Receive one datagram into `into` without waiting. Returns the byte count, or -1 when nothing
   * is queued. ENOBUFS (the receive queue overflowed, messages were lost) is thrown as SysError.
   */
  recvInto(into: Buffer): number {
    for (;;) {
      const rc = c_recv(this.fd, into, into.length, Sock.MSG_DONTWAIT) as number;
      if (rc >= 0) return rc;
      const errno = koffi.errno();
      if (errno === Errno.EAGAIN) return -1;
      if (errno !== Errno.EINTR) throw new SysError('recv', errno);
    }
  }

  /**
   * Wait until the socket is readable, off the event loop (poll(2) on a koffi worker thread).
   * Resolves true when readable, false on timeout or when the socket was closed meanwhile.
   */
  waitReadable(timeoutMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.waiting) throw new Error('NetlinkSocket: only one waitReadable at a time');
    this.waiting = true;
    // struct pollfd { int fd; short events; short revents; } x 2: the socket, then the wake eventfd.
    const fds = Buffer.alloc(16);
    fds.writeInt32LE(this.fd, 0);
    fds.writeInt16LE(Sock.POLLIN, 4);
    fds.writeInt32LE(this.wakeFd, 8);
    fds.writeInt16LE(Sock.POLLIN, 12);
    return new Promise((resolve, reject) => {
      c_poll.async(fds, 2, timeoutMs, (err: unknown, rc: number) => {
        this.waiting = false;
        if (this.closed) {
          this.releaseIfIdle();
          resolve(false);
        } else if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve(rc > 0 && (fds.readInt16LE(6) & Sock.POLLIN) !== 0);
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.waiting) {
      // Wake the poller; its callback releases both fds once the worker thread is done with them.
      const one = Buffer.alloc(8);
      one.writeBigUInt64LE(1n, 0);
      c_write(this.wakeFd, one, 8);
    } else {
      this.releaseIfIdle();
    }
  }

  /** Close the fds once no worker thread uses them (a pending poll or sendAsync releases later). */
  private releaseIfIdle(): void {
    if (!this.waiting && this.sending === 0) this.release();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private release(): void {
    c_close(this.fd);
    c_close(this.wakeFd);
  }
}

/** A NETLINK_ROUTE socket in this process's current network namespace. */
export function openNetlink(options: NetlinkOptions = {}): NetlinkSocket {
  return new NetlinkSocket(options);
}

/**
 * A NETLINK_ROUTE socket inside another network namespace (e.g. /run/netns/NAME). The calling
 * thread enters the namespace with setns(CLONE_NEWNET), creates the socket and returns to its own
 * namespace; the socket stays bound to the namespace it was created in (netlink sockets take
 * sock_net() at creation). Only the main thread switches; it is synchronous, so nothing else runs
 * on it meanwhile.
 */
export function openNetlinkInNamespace(netnsPath: string, options: NetlinkOptions = {}): NetlinkSocket {
  const original = check(
    'open /proc/thread-self/ns/net',
    c_open('/proc/thread-self/ns/net', Sock.O_RDONLY | Sock.O_CLOEXEC),
  );
  try {
    const target = check(`open ${netnsPath}`, c_open(netnsPath, Sock.O_RDONLY | Sock.O_CLOEXEC));
    try {
      check('setns', c_setns(target, Sock.CLONE_NEWNET));
    } finally {
      c_close(target);
    }
    let sock: NetlinkSocket | null = null;
    let failure: unknown = null;
    try {
      sock = new NetlinkSocket(options);
    } catch (e) {
      failure = e;
    }
    // Failing to return would leave this thread in the wrong namespace: a bug to crash on.
    if (c_setns(original, Sock.CLONE_NEWNET) < 0) {
      sock?.close();
      throw new SysError('setns (return to original namespace)', koffi.errno());
    }
    if (!sock) throw failure;
    return sock;
  } finally {
    c_close(original);
  }
}
