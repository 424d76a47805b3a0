// The one place podbgp binds C library functions (through koffi: no compile step at install).
// In: plain numbers and Buffers. Out: the raw return values, or a thrown SysError that names the
// errno (e.g. "EINVAL: Invalid argument"). Higher layers (sys/sockopt.ts, sys/netlink.ts) build
// on these; `libc` is exported so other native modules reuse the one loaded library handle.
import koffi from 'koffi';
import os from 'node:os';

/** The loaded glibc handle; reuse it for further bindings (`libc.func('...')`). */
export const libc = koffi.load('libc.so.6');

const c_socket = libc.func('int socket(int domain, int type, int protocol)');
const c_close = libc.func('int close(int fd)');
const c_setsockopt = libc.func(
  'int setsockopt(int fd, int level, int optname, const void *optval, uint32_t optlen)',
);
const c_getsockopt = libc.func(
  'int getsockopt(int fd, int level, int optname, _Out_ void *optval, _Inout_ uint32_t *optlen)',
);
const c_setns = libc.func('int setns(int fd, int nstype)');
const c_strerror = libc.func('const char *strerror(int errnum)');

/** errno number -> symbolic name, from Node's own table of this platform's errno values. */
const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(os.constants.errno).map(([name, value]) => [value, name]),
);

/** A failed libc call: which call, the errno, its symbolic name and the C library's text. */
export class SysError extends Error {
  readonly errno: number;
  /** Symbolic name such as 'EINVAL', or 'E<number>' if unknown. */
  readonly code: string;
  readonly syscall: string;

  constructor(syscall: string, errno: number, detail?: string) {
    const code = errnoName(errno);
    super(`${syscall}${detail ? ` (${detail})` : ''}: ${code}: ${strerror(errno)}`);
    this.name = 'SysError';
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
  }
}

export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}

export function strerror(errno: number): string {
  return String(c_strerror(errno));
}

/** Returns the call's result, or throws SysError with the errno if the call returned -1. */
function check(syscall: string, result: number, detail?: string): number {
  if (result === -1) throw new SysError(syscall, koffi.errno(), detail);
  return result;
}

/** socket(2). Returns the new descriptor. */
export function socket(domain: number, type: number, protocol: number): number {
  return check('socket', c_socket(domain, type, protocol) as number);
}

/** close(2). Only for descriptors no Node handle owns yet. */
export function close(fd: number): void {
  check('close', c_close(fd) as number);
}

/** setsockopt(2) with the option value already laid out in `value`. */
export function setsockopt(fd: number, level: number, optname: number, value: Buffer, detail?: string): void {
  check('setsockopt', c_setsockopt(fd, level, optname, value, value.length) as number, detail);
}

/** getsockopt(2) into a buffer of `size` bytes; returns the bytes the kernel wrote. */
export function getsockopt(
  fd: number,
  level: number,
  optname: number,
  size: number,
  detail?: string,
): Buffer {
  const value = Buffer.alloc(size);
  const length = [size];
  check('getsockopt', c_getsockopt(fd, level, optname, value, length) as number, detail);
  return value.subarray(0, length[0]);
}

/** setns(2): move the calling thread into the namespace `fd` refers to (nstype 0 = any). */
export function setns(fd: number, nstype: number): void {
  check('setns', c_setns(fd, nstype) as number);
}
