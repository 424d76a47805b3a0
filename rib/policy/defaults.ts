// The policies podbgp generates for its own use when the operator configures none beyond CIDRs
// (issue 4 "Policy"; RFC 8212 still applies to any eBGP peer left without a policy).
//  - export: the node's own Pod CIDRs (and Service CIDRs when enabled), exactly; nothing else.
//  - import: prefixes inside the cluster Pod CIDRs (or an explicit accept list), never a route for
//    the node's own Pod CIDR (nor anything inside it); nothing else.
//
// In: CIDR lists. Out: Policy values.
import type { Prefix } from '../prefix.ts';
import type { PrefixListEntry } from './policy.ts';
import { Policy } from './policy.ts';
import { Afi } from '../../bgp/wire/iana/afi-safi.ts';

const maxLength = (p: Prefix) => (p.afi === Afi.IPV6 ? 128 : 32);

/** The prefix itself and everything inside it. */
function orLonger(prefixes: readonly Prefix[]): PrefixListEntry[] {
  return prefixes.map((p) => ({ prefix: p, ge: p.length, le: maxLength(p) }));
}

export function podExportPolicy(o: {
  ownPodCidrs: readonly Prefix[];
  serviceCidrs?: readonly Prefix[];
}): Policy {
  const exact = [...o.ownPodCidrs, ...(o.serviceCidrs ?? [])].map((p) => ({ prefix: p }));
  return new Policy(
    'podbgp-default-export',
    [
      {
        name: 'own-pod-and-service-cidrs',
        conditions: [{ kind: 'prefix-list', entries: exact }],
        actions: [],
        result: 'accept',
      },
    ],
    'reject',
  );
}

export function podImportPolicy(o: {
  acceptCidrs: readonly Prefix[];
  ownPodCidrs: readonly Prefix[];
}): Policy {
  return new Policy(
    'podbgp-default-import',
    [
      {
        name: 'never-own-pod-cidr',
        conditions: [{ kind: 'prefix-list', entries: orLonger(o.ownPodCidrs) }],
        actions: [],
        result: 'reject',
      },
      {
        name: 'inside-cluster-cidrs',
        conditions: [{ kind: 'prefix-list', entries: orLonger(o.acceptCidrs) }],
        actions: [],
        result: 'accept',
      },
    ],
    'reject',
  );
}
