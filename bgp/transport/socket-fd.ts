// The one place that reaches into Node's net internals to meet native descriptors: wrapping a
// TCP socket we created with libc (so options were set before connect) in a net.Socket, and
// finding the descriptor behind a net.Socket or a listening net.Server so setsockopt can reach it.
// In: descriptors and Node sockets/servers. Out: the same objects seen from the other side.
import net from 'node:net';

/**
 * Wraps a fresh, unconnected TCP descriptor in a net.Socket. Node opens a TCP handle on the fd
 * (it recognises the type with uv_guess_handle), and a later socket.connect() reuses that
 * existing handle rather than creating a new socket, so every option set on the fd beforehand
 * (TCP_MD5SIG, IP_TTL, IP_MINTTL) applies to the SYN. From here on the socket owns the fd:
 * socket.destroy() closes it; never close it with libc afterwards.
 */
export function socketFromFd(fd: number): net.Socket {
  return new net.Socket({ fd, readable: true, writable: true });
}

/** Node's handle objects (TCPWrap) carry the descriptor as `fd` on Unix; not in the typings. */
interface HandleWithFd {
  fd?: number;
}

/**
 * The descriptor behind a connected net.Socket or a listening net.Server (`_handle.fd`; on Linux
 * it is set once the handle is bound/listening/connected). Throws if there is none, e.g. before
 * listen() completed or after close.
 */
export function fdOf(endpoint: net.Socket | net.Server): number {
  const handle = (endpoint as unknown as { _handle?: HandleWithFd | null })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('no native descriptor behind this socket or server');
  return fd;
}
