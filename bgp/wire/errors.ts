// The one error hierarchy for the peer's mistakes. Every malformed input becomes a BgpError that
// carries the NOTIFICATION it maps to (code, subcode, data) and the RFC 7606 action to take.
// Our own bugs are ordinary exceptions and crash loudly; only BgpError may become a NOTIFICATION.
import { ErrorCode, notificationName } from './iana/error-codes.ts';

/**
 * RFC 7606 §2 "Error-Handling Approaches", plus the plain RFC 4271 behaviour:
 * - session-reset: send the NOTIFICATION and close (RFC 4271 / RFC 7606 §2 "Session reset").
 * - afi-safi-disable: RFC 7606 §2 "AFI/SAFI disable"; podbgp treats it as session-reset.
 * - treat-as-withdraw: every NLRI in the UPDATE (also in MP_REACH_NLRI) is handled as withdrawn.
 * - attribute-discard: the attribute is dropped and the rest of the UPDATE is processed.
 */
export type ErrorAction = 'session-reset' | 'afi-safi-disable' | 'treat-as-withdraw' | 'attribute-discard';

const EMPTY = new Uint8Array(0);

export class BgpError extends Error {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  readonly action: ErrorAction;

  constructor(
    code: number,
    subcode: number,
    detail: string,
    data: Uint8Array = EMPTY,
    action: ErrorAction = 'session-reset',
  ) {
    super(`${notificationName(code, subcode)}: ${detail}`);
    this.name = 'BgpError';
    this.code = code;
    this.subcode = subcode;
    this.data = data;
    this.action = action;
  }

  /** The same fault with another RFC 7606 action (the attribute table decides the action). */
  withAction(action: ErrorAction): BgpError {
    const e = new BgpError(this.code, this.subcode, this.detail, this.data, action);
    return e;
  }

  /** The human text without the code/subcode prefix. */
  get detail(): string {
    const prefix = `${notificationName(this.code, this.subcode)}: `;
    return this.message.startsWith(prefix) ? this.message.slice(prefix.length) : this.message;
  }
}

export function messageHeaderError(subcode: number, detail: string, data?: Uint8Array): BgpError {
  return new BgpError(ErrorCode.MESSAGE_HEADER, subcode, detail, data);
}

export function openMessageError(subcode: number, detail: string, data?: Uint8Array): BgpError {
  return new BgpError(ErrorCode.OPEN_MESSAGE, subcode, detail, data);
}

export function updateMessageError(
  subcode: number,
  detail: string,
  data?: Uint8Array,
  action: ErrorAction = 'session-reset',
): BgpError {
  return new BgpError(ErrorCode.UPDATE_MESSAGE, subcode, detail, data, action);
}

export function isBgpError(e: unknown): e is BgpError {
  return e instanceof BgpError;
}
