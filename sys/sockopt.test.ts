// Tests for sys/sockopt.ts and sys/libc.ts on real sockets (no mocks): TTL and minimum TTL read
// back with getsockopt, MD5 keys accepted and removed by the kernel, errno text in errors, and
// the sockaddr / IPv6 byte layouts checked against bytes written by hand from RFC 4291 and the
// Linux uapi struct layouts.
import { expect } from 'chai';
import { close, SysError, errnoName } from './libc.ts';
import {
  createTcpSocket,
  getMinTtl,
  getTtl,
  ipv6Bytes,
  setMinTtl,
  setTcpMd5,
  setTcpMd5Prefix,
  setTtl,
  writeSockaddr,
} from './sockopt.ts';

describe('sys/sockopt', () => {
  const fds: number[] = [];
  const fresh = (family: 4 | 6): number => {
    const fd = createTcpSocket(family);
    fds.push(fd);
    return fd;
  };
  afterEach(() => {
    for (const fd of fds.splice(0)) close(fd);
  });

  it('creates TCP sockets of both families', () => {
    expect(fresh(4)).to.be.greaterThan(2);
    expect(fresh(6)).to.be.greaterThan(2);
  });

  it('sets and reads back IP_TTL and IP_MINTTL on an IPv4 socket', () => {
    const fd = fresh(4);
    setTtl(fd, 4, 255);
    setMinTtl(fd, 4, 254);
    expect(getTtl(fd, 4)).to.equal(255);
    expect(getMinTtl(fd, 4)).to.equal(254);
    setMinTtl(fd, 4, 0);
    expect(getMinTtl(fd, 4)).to.equal(0);
  });

  it('sets and reads back the hop limit and minimum hop count on an IPv6 socket', () => {
    const fd = fresh(6);
    setTtl(fd, 6, 17);
    setMinTtl(fd, 6, 250);
    expect(getTtl(fd, 6)).to.equal(17);
    expect(getMinTtl(fd, 6)).to.equal(250);
  });

  it('rejects TTL values outside 1-255 / 0-255 before calling the kernel', () => {
    const fd = fresh(4);
    expect(() => setTtl(fd, 4, 0)).to.throw(RangeError);
    expect(() => setTtl(fd, 4, 256)).to.throw(RangeError);
    expect(() => setMinTtl(fd, 4, -1)).to.throw(RangeError);
  });

  it('installs and removes MD5 keys for IPv4 and IPv6 peers and prefixes', () => {
    const v4 = fresh(4);
    setTcpMd5(v4, 4, '192.0.2.1', 'secret');
    setTcpMd5(v4, 4, '192.0.2.1', null);
    setTcpMd5(v4, 4, '192.0.2.1', null); // removing twice is not an error
    setTcpMd5Prefix(v4, 4, '198.51.100.0', 24, 'range-key');
    setTcpMd5Prefix(v4, 4, '198.51.100.0', 24, null);
    const v6 = fresh(6);
    setTcpMd5(v6, 6, '2001:db8::1', 'secret6');
    setTcpMd5(v6, 6, '192.0.2.7', 'mapped'); // IPv4 peer on a dual-stack socket
    setTcpMd5Prefix(v6, 6, '2001:db8:1::', 48, 'range6');
    setTcpMd5Prefix(v6, 6, '10.0.0.0', 8, 'range-mapped');
    setTcpMd5(v6, 6, '2001:db8::1', '');
  });

  it('refuses keys longer than 80 bytes and IPv6 peers on IPv4 sockets', () => {
    const fd = fresh(4);
    expect(() => setTcpMd5(fd, 4, '192.0.2.1', 'x'.repeat(81))).to.throw(RangeError, /at most 80/);
    setTcpMd5(fd, 4, '192.0.2.1', 'x'.repeat(80));
    expect(() => setTcpMd5(fd, 4, '2001:db8::1', 'k')).to.throw(TypeError);
    expect(() => setTcpMd5Prefix(fd, 4, '10.0.0.0', 33, 'k')).to.throw(RangeError);
  });

  it('reports errno name and text from the kernel', () => {
    // fd 999999 is not open: setsockopt fails with EBADF.
    try {
      setTtl(999999, 4, 64);
      expect.fail('setsockopt on a closed descriptor succeeded');
    } catch (err) {
      expect(err).to.be.instanceOf(SysError);
      expect((err as SysError).code).to.equal('EBADF');
      expect((err as Error).message).to.match(/setsockopt \(IP_TTL\): EBADF: Bad file descriptor/);
    }
    expect(errnoName(22)).to.equal('EINVAL');
  });

  it('writes struct sockaddr_in and sockaddr_in6 the way linux/in.h and linux/in6.h lay them out', () => {
    // Written by hand: sa_family 2 (host order, little-endian here), port 179 = 0x00b3 big-endian,
    // then 192.0.2.1.
    const sin = Buffer.alloc(16);
    writeSockaddr(sin, 4, '192.0.2.1', 179);
    expect(sin.toString('hex')).to.equal('020000b3c0000201' + '0000000000000000');
    // sa_family 10, port 0, flowinfo 0, then ::ffff:192.0.2.1 (RFC 4291 §2.5.5.2), scope id 0.
    const sin6 = Buffer.alloc(28);
    writeSockaddr(sin6, 6, '192.0.2.1', 0);
    expect(sin6.toString('hex')).to.equal(
      '0a000000' + '00000000' + '00000000000000000000ffffc0000201' + '00000000',
    );
  });

  it('parses IPv6 text forms (RFC 4291 §2.2) into 16 bytes', () => {
    expect(ipv6Bytes('2001:db8::1').toString('hex')).to.equal('20010db8000000000000000000000001');
    expect(ipv6Bytes('::').toString('hex')).to.equal('0'.repeat(32));
    expect(ipv6Bytes('fe80::1%eth0').toString('hex')).to.equal('fe800000000000000000000000000001');
    expect(ipv6Bytes('::ffff:10.1.2.3').toString('hex')).to.equal('00000000000000000000ffff0a010203');
    expect(ipv6Bytes('1:2:3:4:5:6:7:8').toString('hex')).to.equal('00010002000300040005000600070008');
    expect(ipv6Bytes('1::').toString('hex')).to.equal('00010000000000000000000000000000');
  });
});
