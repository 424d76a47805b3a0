// Capability negotiation and the OPEN checks that depend on configuration (RFC 4271 §6.2, RFC 5492,
// RFC 6793, RFC 6286, RFC 7911, RFC 4724/8538, RFC 9234). In: our OPEN, the peer's OPEN, and the
// peer's configuration. Out: a NegotiatedSession (with the CodecContext every encode/decode call
// takes), or a BgpError carrying the OPEN Message Error to send. Also buildOpen: our OPEN from
// config-like options.
import { capabilityBytes } from './wire/capabilities.ts';
import { openMessageError } from './wire/errors.ts';
import { Afi, familyKey, Safi } from './wire/iana/afi-safi.ts';
import { AddPathDirection, AS_TRANS, BgpRole } from './wire/iana/capability-codes.ts';
import { OpenSubcode } from './wire/iana/error-codes.ts';
import { BGP_VERSION, unsupportedVersionError } from './wire/open.ts';
import type { Capability, CodecContext, FamilyRef, OpenMessage } from './wire/types.ts';

type Of<K extends Capability['kind']> = Extract<Capability, { kind: K }>;

export interface NegotiateConfig {
  /** The AS the peer must be in; any AS when absent. */
  expectedPeerAs?: number;
  localAs: number;
  localBgpId: number;
  /** Accept an iBGP peer whose BGP Identifier equals ours (against RFC 6286 §2.2; off by default). */
  ibgpAllowedSameId?: boolean;
  /** Refuse a non-zero peer hold time below this (RFC 4271 §4.2: an implementation MAY reject on hold time). */
  minHoldTime?: number;
}

export interface GracefulRestartInfo {
  readonly restartTime: number;
  /** R bit: the sender has restarted. */
  readonly restarting: boolean;
  /** N bit (RFC 8538). */
  readonly notification: boolean;
  readonly families: readonly (FamilyRef & { readonly forwardingPreserved: boolean })[];
}

export interface NegotiatedSession {
  /** The peer's real AS: the 4-octet AS capability when present, else My AS. */
  readonly remoteAs: number;
  readonly remoteBgpId: number;
  /** min(ours, theirs) in seconds; 0 means no keepalives and no hold timer. */
  readonly holdTime: number;
  /** floor(holdTime / 3); 0 when holdTime is 0. */
  readonly keepaliveTime: number;
  /** The families both sides can exchange (familyKey values, in our OPEN's order). */
  readonly families: readonly FamilyRef[];
  readonly context: CodecContext;
  /** Both sides advertised route refresh (2 or the old 128). */
  readonly routeRefresh: boolean;
  /** Both sides advertised enhanced route refresh (RFC 7313 §3.1). */
  readonly enhancedRouteRefresh: boolean;
  readonly gracefulRestart: {
    /** What the peer advertised, or null. */
    readonly peer: GracefulRestartInfo | null;
    /** Both sides advertised graceful restart. */
    readonly both: boolean;
    /** RFC 8538 §2: both sides set the N bit. */
    readonly notification: boolean;
  };
  /** The peer's long-lived GR families (RFC 9494), or null. */
  readonly longLivedGracefulRestart: Of<'long-lived-graceful-restart'>['families'] | null;
  /** RFC 8950 <NLRI AFI, NLRI SAFI, next-hop AFI> both sides advertised. */
  readonly extendedNextHop: readonly (FamilyRef & { readonly nextHopAfi: number })[];
  readonly localRole: number | null;
  readonly remoteRole: number | null;
  /** The peer's FQDN capability (hostname, domain), or null. */
  readonly remoteHostname: { readonly hostname: string; readonly domain: string } | null;
}

function find<K extends Capability['kind']>(open: OpenMessage, kind: K): Of<K> | undefined {
  return open.capabilities.find((c): c is Of<K> => c.kind === kind);
}

function all<K extends Capability['kind']>(open: OpenMessage, kind: K): Of<K>[] {
  return open.capabilities.filter((c): c is Of<K> => c.kind === kind);
}

/** The families a side offers. RFC 4760 §8: a speaker without the Multiprotocol capability supports IPv4 unicast only. */
function offeredFamilies(open: OpenMessage): FamilyRef[] {
  const mp = all(open, 'multiprotocol');
  if (mp.length === 0) return [{ afi: Afi.IPV4, safi: Safi.UNICAST }];
  return mp.map((c) => ({ afi: c.afi, safi: c.safi }));
}

/** The peer's AS as it really is: RFC 6793 §4.1 puts a 4-octet AS in the capability and AS_TRANS in My AS. */
function realPeerAs(remote: OpenMessage): number {
  const four = find(remote, 'four-octet-as');
  if (four === undefined) return remote.myAs;
  // RFC 6793 §4.1 (My AS is the 2-octet AS, or AS_TRANS when it does not fit): a My AS that is
  // neither the capability's AS nor AS_TRANS is inconsistent.
  const fits = four.asn <= 0xffff;
  if ((fits && remote.myAs !== four.asn && remote.myAs !== AS_TRANS) || (!fits && remote.myAs !== AS_TRANS)) {
    throw openMessageError(
      OpenSubcode.BAD_PEER_AS,
      `My AS ${remote.myAs} does not match the 4-octet AS capability ${four.asn}`,
    );
  }
  return four.asn;
}

/** RFC 9234 §4.2 Table 2: the allowed (local, remote) role pairs. */
function rolesCorrespond(local: number, remote: number): boolean {
  const pairs: readonly (readonly [number, number])[] = [
    [BgpRole.PROVIDER, BgpRole.CUSTOMER],
    [BgpRole.CUSTOMER, BgpRole.PROVIDER],
    [BgpRole.RS, BgpRole.RS_CLIENT],
    [BgpRole.RS_CLIENT, BgpRole.RS],
    [BgpRole.PEER, BgpRole.PEER],
  ];
  return pairs.some(([l, r]) => l === local && r === remote);
}

function addPathDirections(open: OpenMessage): Map<number, number> {
  const out = new Map<number, number>();
  for (const c of all(open, 'add-path')) {
    for (const f of c.families) {
      if (f.sendReceive >= AddPathDirection.RECEIVE && f.sendReceive <= AddPathDirection.BOTH) {
        out.set(familyKey(f.afi, f.safi), f.sendReceive);
      }
    }
  }
  return out;
}

/**
 * Checks the peer's OPEN against ours and the configuration, then negotiates. Throws a BgpError
 * with the OPEN Message Error subcode to send when the peer must be refused.
 */
export function negotiate(local: OpenMessage, remote: OpenMessage, cfg: NegotiateConfig): NegotiatedSession {
  if (remote.version !== BGP_VERSION) throw unsupportedVersionError(remote.version);

  const remoteAs = realPeerAs(remote);
  // RFC 7607 §2 (paraphrased): a peer AS of zero in an OPEN aborts the connection with OPEN
  // Message Error / Bad Peer AS.
  if (remoteAs === 0) throw openMessageError(OpenSubcode.BAD_PEER_AS, 'peer AS is 0');
  // RFC 4271 §6.2: "If the Autonomous System field of the OPEN message is unacceptable, then the
  // Error Subcode MUST be set to Bad Peer AS."
  if (cfg.expectedPeerAs !== undefined && remoteAs !== cfg.expectedPeerAs) {
    throw openMessageError(OpenSubcode.BAD_PEER_AS, `peer AS ${remoteAs}, expected ${cfg.expectedPeerAs}`);
  }
  const ibgp = remoteAs === cfg.localAs;

  // RFC 6286 §2.2 (paraphrased): a BGP Identifier of zero, or one equal to ours from an internal
  // peer, is a Bad BGP Identifier.
  if (remote.bgpId === 0) throw openMessageError(OpenSubcode.BAD_BGP_IDENTIFIER, 'BGP Identifier is 0');
  if (ibgp && remote.bgpId === cfg.localBgpId && cfg.ibgpAllowedSameId !== true) {
    throw openMessageError(OpenSubcode.BAD_BGP_IDENTIFIER, 'internal peer has our BGP Identifier');
  }

  // RFC 4271 §6.2: "An implementation MUST reject Hold Time values of one or two seconds. An
  // implementation MAY reject any proposed Hold Time."
  if (remote.holdTime === 1 || remote.holdTime === 2) {
    throw openMessageError(OpenSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${remote.holdTime}`);
  }
  if (cfg.minHoldTime !== undefined && remote.holdTime !== 0 && remote.holdTime < cfg.minHoldTime) {
    throw openMessageError(
      OpenSubcode.UNACCEPTABLE_HOLD_TIME,
      `hold time ${remote.holdTime} is below the minimum ${cfg.minHoldTime}`,
    );
  }
  const holdTime = Math.min(local.holdTime, remote.holdTime);

  const localRoleCap = find(local, 'role');
  const remoteRoleCap = find(remote, 'role');
  // RFC 9234 §4.2: "If the Roles do not correspond, the BGP speaker MUST reject the connection using
  // the Role Mismatch Notification (code 2, subcode 11)." (checked only when both sent a role).
  if (localRoleCap && remoteRoleCap && !rolesCorrespond(localRoleCap.role, remoteRoleCap.role)) {
    throw openMessageError(
      OpenSubcode.ROLE_MISMATCH,
      `our role ${localRoleCap.role} and the peer's role ${remoteRoleCap.role} do not correspond`,
    );
  }

  const theirFamilies = new Set(offeredFamilies(remote).map((f) => familyKey(f.afi, f.safi)));
  const ourFamilies = offeredFamilies(local);
  const families = ourFamilies.filter((f) => theirFamilies.has(familyKey(f.afi, f.safi)));
  if (families.length === 0) {
    // RFC 5492 §5 (paraphrased): a speaker that refuses a peer for a missing capability sends
    // Unsupported Capability with the capabilities at issue as Data. Here: our Multiprotocol ones.
    const data = Buffer.concat(all(local, 'multiprotocol').map((c) => capabilityBytes(c)));
    throw openMessageError(OpenSubcode.UNSUPPORTED_CAPABILITY, 'no address family in common', data);
  }

  // RFC 7911 §4/§5: we may receive path identifiers for a family when we advertised Receive and the
  // peer advertised Send; we send them when we advertised Send and the peer advertised Receive.
  const ourAddPath = addPathDirections(local);
  const theirAddPath = addPathDirections(remote);
  const addPathReceive = new Set<number>();
  const addPathSend = new Set<number>();
  for (const f of families) {
    const key = familyKey(f.afi, f.safi);
    const ours = ourAddPath.get(key) ?? 0;
    const theirs = theirAddPath.get(key) ?? 0;
    if (ours & AddPathDirection.RECEIVE && theirs & AddPathDirection.SEND) addPathReceive.add(key);
    if (ours & AddPathDirection.SEND && theirs & AddPathDirection.RECEIVE) addPathSend.add(key);
  }

  const both = (kind: Capability['kind']) =>
    local.capabilities.some((c) => c.kind === kind) && remote.capabilities.some((c) => c.kind === kind);

  const context: CodecContext = {
    fourOctetAs: both('four-octet-as'),
    addPathReceive,
    addPathSend,
    // RFC 8654 §3 (paraphrased): Extended Messages may be sent only to a peer that advertised the
    // capability; we use them only when both sides did, so both directions agree.
    extendedMessage: both('extended-message'),
    ibgp,
  };

  const peerGr = find(remote, 'graceful-restart');
  const localGr = find(local, 'graceful-restart');
  const ourEnh = all(local, 'extended-next-hop').flatMap((c) => c.entries);
  const theirEnh = all(remote, 'extended-next-hop').flatMap((c) => c.entries);
  const fqdn = find(remote, 'fqdn');
  const llgr = find(remote, 'long-lived-graceful-restart');

  return {
    remoteAs,
    remoteBgpId: remote.bgpId,
    holdTime,
    keepaliveTime: Math.floor(holdTime / 3),
    families,
    context,
    routeRefresh: both('route-refresh'),
    enhancedRouteRefresh: both('enhanced-route-refresh'),
    gracefulRestart: {
      peer: peerGr
        ? {
            restartTime: peerGr.restartTime,
            restarting: peerGr.restarting,
            notification: peerGr.notification,
            families: peerGr.families,
          }
        : null,
      both: peerGr !== undefined && localGr !== undefined,
      // RFC 8538 §2: the N bit takes effect only when both sides set it.
      notification: peerGr?.notification === true && localGr?.notification === true,
    },
    longLivedGracefulRestart: llgr ? llgr.families : null,
    extendedNextHop: ourEnh.filter((e) =>
      theirEnh.some((t) => t.afi === e.afi && t.safi === e.safi && t.nextHopAfi === e.nextHopAfi),
    ),
    localRole: localRoleCap?.role ?? null,
    remoteRole: remoteRoleCap?.role ?? null,
    remoteHostname: fqdn ? { hostname: fqdn.hostname, domain: fqdn.domain } : null,
  };
}

export interface BuildOpenOptions {
  asn: number;
  holdTime: number;
  bgpId: number;
  /** Defaults to IPv4 unicast only. */
  families?: readonly FamilyRef[];
  /** RFC 7911 per family: 1 receive, 2 send, 3 both. */
  addPath?: readonly (FamilyRef & { sendReceive: number })[];
  gracefulRestart?: {
    restartTime: number;
    restarting?: boolean;
    notification?: boolean;
    families: readonly (FamilyRef & { forwardingPreserved: boolean })[];
  };
  longLivedGracefulRestart?: readonly (FamilyRef & { forwardingPreserved: boolean; staleTime: number })[];
  /** Defaults to true. */
  routeRefresh?: boolean;
  enhancedRouteRefresh?: boolean;
  extendedMessage?: boolean;
  extendedNextHop?: readonly (FamilyRef & { nextHopAfi: number })[];
  role?: number;
  hostname?: string;
  domain?: string;
}

/**
 * Our OPEN. My AS is the AS, or AS_TRANS when it needs 4 octets (RFC 6793 §4.1); the 4-octet AS
 * capability is always sent. Bad options are our configuration bug and throw a RangeError.
 */
export function buildOpen(opts: BuildOpenOptions): OpenMessage {
  if (!Number.isInteger(opts.asn) || opts.asn < 1 || opts.asn > 0xffffffff) {
    throw new RangeError(`AS ${opts.asn} is not a valid AS number`);
  }
  if (
    !Number.isInteger(opts.holdTime) ||
    opts.holdTime < 0 ||
    opts.holdTime > 0xffff ||
    opts.holdTime === 1 ||
    opts.holdTime === 2
  ) {
    throw new RangeError(`hold time ${opts.holdTime} must be 0 or 3..65535`);
  }
  if (!Number.isInteger(opts.bgpId) || opts.bgpId <= 0 || opts.bgpId > 0xffffffff) {
    throw new RangeError(`BGP Identifier ${opts.bgpId} must be a non-zero 32-bit number`);
  }
  const caps: Capability[] = [];
  for (const f of opts.families ?? [{ afi: Afi.IPV4, safi: Safi.UNICAST }]) {
    caps.push({ kind: 'multiprotocol', afi: f.afi, safi: f.safi });
  }
  if (opts.routeRefresh !== false) caps.push({ kind: 'route-refresh' });
  if (opts.enhancedRouteRefresh) caps.push({ kind: 'enhanced-route-refresh' });
  if (opts.extendedMessage) caps.push({ kind: 'extended-message' });
  if (opts.extendedNextHop && opts.extendedNextHop.length > 0) {
    caps.push({ kind: 'extended-next-hop', entries: opts.extendedNextHop.map((e) => ({ ...e })) });
  }
  if (opts.role !== undefined) caps.push({ kind: 'role', role: opts.role });
  if (opts.gracefulRestart) {
    const gr = opts.gracefulRestart;
    if (!Number.isInteger(gr.restartTime) || gr.restartTime < 0 || gr.restartTime > 4095) {
      throw new RangeError(`graceful restart time ${gr.restartTime} must be 0..4095`);
    }
    caps.push({
      kind: 'graceful-restart',
      restarting: gr.restarting === true,
      notification: gr.notification === true,
      restartTime: gr.restartTime,
      families: gr.families.map((f) => ({ ...f })),
    });
  }
  caps.push({ kind: 'four-octet-as', asn: opts.asn });
  if (opts.addPath && opts.addPath.length > 0) {
    caps.push({ kind: 'add-path', families: opts.addPath.map((f) => ({ ...f })) });
  }
  if (opts.longLivedGracefulRestart && opts.longLivedGracefulRestart.length > 0) {
    caps.push({
      kind: 'long-lived-graceful-restart',
      families: opts.longLivedGracefulRestart.map((f) => ({ ...f })),
    });
  }
  if (opts.hostname !== undefined) {
    const domain = opts.domain ?? '';
    if (Buffer.byteLength(opts.hostname, 'utf8') + Buffer.byteLength(domain, 'utf8') > 253) {
      throw new RangeError('hostname and domain do not fit in one capability (253 octets)');
    }
    caps.push({ kind: 'fqdn', hostname: opts.hostname, domain });
  }
  return {
    type: 'open',
    version: BGP_VERSION,
    myAs: opts.asn > 0xffff ? AS_TRANS : opts.asn,
    holdTime: opts.holdTime,
    bgpId: opts.bgpId,
    capabilities: caps,
  };
}
