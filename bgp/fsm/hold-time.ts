// Hold time negotiation (RFC 4271 §4.2, §6.2, §10). In: our configured hold time (and optional
// keepalive) and the Hold Time field of the peer's OPEN. Out: the negotiated hold time and
// keepalive interval, or the BgpError (OPEN Message Error / Unacceptable Hold Time) that the
// OPEN checks turn into a BGPOpenMsgErr event.
import { BgpError } from '../wire/errors.ts';
import { ErrorCode, OpenSubcode } from '../wire/iana/error-codes.ts';

export interface NegotiatedHoldTime {
  /** 0 means no HoldTimer and no KEEPALIVEs. */
  readonly holdTimeSeconds: number;
  readonly keepaliveTimeSeconds: number;
}

/**
 * RFC 4271 §4.2: "BGP MUST use the smaller of its configured Hold Time and the Hold Time received
 * in the OPEN message. The Hold Time MUST be either zero or at least three seconds."
 * RFC 4271 §6.2: "An implementation MAY reject connections on the basis of the Hold Time. ... An
 * implementation MUST reject Hold Time values of one or two seconds."
 */
export function negotiateHoldTime(
  localHoldTimeSeconds: number,
  remoteHoldTimeSeconds: number,
  localKeepaliveSeconds: number | null = null,
): NegotiatedHoldTime | BgpError {
  if (remoteHoldTimeSeconds === 1 || remoteHoldTimeSeconds === 2) {
    const data = new Uint8Array([remoteHoldTimeSeconds >> 8, remoteHoldTimeSeconds & 0xff]);
    return new BgpError(
      ErrorCode.OPEN_MESSAGE,
      OpenSubcode.UNACCEPTABLE_HOLD_TIME,
      `peer offered hold time ${remoteHoldTimeSeconds} s; it must be 0 or at least 3 s`,
      data,
    );
  }
  const holdTimeSeconds = Math.min(localHoldTimeSeconds, remoteHoldTimeSeconds);
  return { holdTimeSeconds, keepaliveTimeSeconds: keepaliveFor(holdTimeSeconds, localKeepaliveSeconds) };
}

/**
 * RFC 4271 §10: "A reasonable maximum time between KEEPALIVE messages would be one third of the
 * Hold Time interval." and §4.4: "KEEPALIVE messages MUST NOT be sent more frequently than one
 * per second." A configured keepalive is used when it is shorter.
 * Hold time 0: no KEEPALIVEs at all (§4.4: "If the negotiated Hold Time interval is zero, then
 * periodic KEEPALIVE messages MUST NOT be sent.").
 */
export function keepaliveFor(
  holdTimeSeconds: number,
  configuredKeepaliveSeconds: number | null = null,
): number {
  if (holdTimeSeconds === 0) return 0;
  const third = Math.max(1, Math.floor(holdTimeSeconds / 3));
  return configuredKeepaliveSeconds === null
    ? third
    : Math.max(1, Math.min(third, configuredKeepaliveSeconds));
}
