// From the validated configuration to the RIB's policy objects: named policies (config
// `policies:`), and the per-peer import/export policy each peer gets, including the safe defaults
// podbgp generates (rib/policy/defaults.ts) and RFC 8212 for eBGP peers left without one.
//
// In: PodbgpConfig, PeerConfig. Out: rib Policy values (or null: RFC 8212 applies in the RIB).
import { Policy, type Action, type Condition, type Statement } from '../rib/policy/policy.ts';
import { podExportPolicy, podImportPolicy } from '../rib/policy/defaults.ts';
import { parsePrefix, parseAddressBytes, type Prefix } from '../rib/prefix.ts';
import { Afi } from '../bgp/wire/iana/afi-safi.ts';
import {
  WELL_KNOWN_COMMUNITIES,
  type PeerConfig,
  type PodbgpConfig,
  type PolicyStatement,
} from './schema.ts';

export function communityValue(text: string): number {
  const known = WELL_KNOWN_COMMUNITIES[text];
  if (known !== undefined) return known;
  const [hi, lo] = text.split(':').map(Number);
  return ((hi! << 16) | lo!) >>> 0;
}

export function largeCommunityValue(text: string): readonly [number, number, number] {
  const [g, a, b] = text.split(':').map(Number);
  return [g!, a!, b!];
}

/** "10.0.0.0/8 ge 16 le 24" -> a prefix-list entry (lengths already checked by the schema). */
function prefixEntry(text: string) {
  const m = /^(\S+)(?:\s+ge\s+(\d+))?(?:\s+le\s+(\d+))?$/.exec(text.trim())!;
  const prefix = parsePrefix(m[1]!);
  const max = prefix.afi === Afi.IPV6 ? 128 : 32;
  const ge = m[2] === undefined ? undefined : Number(m[2]);
  const le = m[3] === undefined ? (ge === undefined ? undefined : max) : Number(m[3]);
  return { prefix, ...(ge !== undefined ? { ge } : {}), ...(le !== undefined ? { le } : {}) };
}

function statement(s: PolicyStatement, i: number, localAs: number): Statement {
  const conditions: Condition[] = [];
  const m = s.match;
  if (m?.prefix) conditions.push({ kind: 'prefix-list', entries: m.prefix.map(prefixEntry) });
  if (m?.asPath !== undefined) conditions.push({ kind: 'as-path-regex', regex: new RegExp(m.asPath) });
  if (m?.asPathContains !== undefined) conditions.push({ kind: 'as-path-contains', asn: m.asPathContains });
  if (m?.originAs !== undefined) conditions.push({ kind: 'origin-as', asn: m.originAs });
  if (m?.neighborAs !== undefined) conditions.push({ kind: 'neighbor-as', asn: m.neighborAs });
  if (m?.community) conditions.push({ kind: 'community', any: m.community.map(communityValue) });
  if (m?.largeCommunity)
    conditions.push({ kind: 'large-community', any: m.largeCommunity.map(largeCommunityValue) });

  const actions: Action[] = [];
  const set = s.set;
  if (set?.localPref !== undefined) actions.push({ kind: 'set-local-pref', value: set.localPref });
  if (set?.med !== undefined) actions.push({ kind: 'set-med', value: set.med });
  for (const op of ['replace', 'remove', 'add'] as const) {
    const c = set?.communities?.[op];
    if (c) actions.push({ kind: 'communities', op, values: c.map(communityValue) });
    const l = set?.largeCommunities?.[op];
    if (l) actions.push({ kind: 'large-communities', op, values: l.map(largeCommunityValue) });
  }
  if (set?.prepend)
    actions.push({ kind: 'as-path-prepend', asn: set.prepend.asn ?? localAs, times: set.prepend.count });
  if (set?.nextHop !== undefined)
    actions.push({ kind: 'set-next-hop', address: parseAddressBytes(set.nextHop) });
  return { name: s.name ?? `statement ${i + 1}`, conditions, actions, result: s.action };
}

/** Every named policy of the config as a rib Policy (default result: reject, as in RFC 8212's spirit). */
export function buildPolicies(cfg: PodbgpConfig): Map<string, Policy> {
  const out = new Map<string, Policy>();
  for (const [name, statements] of Object.entries(cfg.policies)) {
    out.set(
      name,
      new Policy(
        name,
        statements.map((s, i) => statement(s, i, cfg.asn)),
        'reject',
      ),
    );
  }
  return out;
}

export interface PeerPolicies {
  readonly importPolicy: Policy | null;
  readonly exportPolicy: Policy | null;
}

/**
 * The policies a peer gets. A named policy wins. Otherwise podbgp's defaults: import prefixes
 * inside `accept` but never the node's own Pod CIDRs; export exactly the originated prefixes.
 * With neither a policy nor `accept`, import is null: the RIB then applies RFC 8212 §3.1 (an
 * eBGP peer gives nothing; an iBGP peer is accepted as RFC 4271 has it).
 */
export function peerPolicies(peer: PeerConfig, cfg: PodbgpConfig, named: Map<string, Policy>): PeerPolicies {
  const own: Prefix[] = cfg.originate.map(parsePrefix);
  const importPolicy =
    peer.importPolicy !== undefined
      ? named.get(peer.importPolicy)!
      : cfg.accept.length > 0
        ? podImportPolicy({ acceptCidrs: cfg.accept.map(parsePrefix), ownPodCidrs: own })
        : null;
  const exportPolicy =
    peer.exportPolicy !== undefined ? named.get(peer.exportPolicy)! : podExportPolicy({ ownPodCidrs: own });
  return { importPolicy, exportPolicy };
}
