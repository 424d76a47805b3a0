// The addresses a session can give as its own next hop: those of the interface that carries the
// session (found by the session's local address). An IPv4 session on a link that also has IPv6
// addresses can thus announce IPv6 Pod CIDRs with a usable IPv6 next hop (global + link-local,
// RFC 2545 §3), and the other way round. Read from the kernel through os.networkInterfaces().
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { parseAddressBytes } from '../../rib/prefix.ts';
import type { SelfAddresses } from './outbound.ts';

const NONE: SelfAddresses = { v4: null, v6: null, v6LinkLocal: null };

export function selfAddressesFor(localAddress: string): SelfAddresses {
  const local = localAddress.startsWith('::ffff:') ? localAddress.slice(7) : localAddress;
  for (const addrs of Object.values(networkInterfaces())) {
    if (addrs === undefined || !addrs.some((a) => a.address === local)) continue;
    const v4 = addrs.find((a) => a.family === 'IPv4');
    const v6 = addrs.find((a) => a.family === 'IPv6' && !a.address.toLowerCase().startsWith('fe80'));
    const ll = addrs.find((a) => a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80'));
    const bytes = (a: string | undefined) => (a === undefined ? null : parseAddressBytes(a.split('%')[0]!));
    // The session's own address first, when it is of that family.
    return {
      v4: bytes(isIP(local) === 4 ? local : v4?.address),
      v6: bytes(isIP(local) === 6 && !local.toLowerCase().startsWith('fe80') ? local : v6?.address),
      v6LinkLocal: bytes(ll?.address),
    };
  }
  return NONE;
}
