// Connect-retry backoff and peer-oscillation damping as pure arithmetic over FSM data. In: the
// configuration, the backoff level / flap count and the PRNG state. Out: a timer duration in
// seconds and the next PRNG state. The jitter PRNG lives in the FSM state so step() stays pure
// and a recorded event sequence replays to the same actions.
//
// RFC 4271 §10: "To minimize the likelihood that the distribution of BGP messages by a given BGP
// speaker will contain peaks, jitter SHOULD be applied to the timers associated with
// MinASOriginationIntervalTimer, KeepaliveTimer, MinRouteAdvertisementIntervalTimer, and
// ConnectRetryTimer." ... "the base value ... multiplied by a random factor, which is uniformly
// distributed in the range from 0.75 to 1.0."
import type { FsmConfig } from './states.ts';

export const JITTER_LOW = 0.75;
export const JITTER_HIGH = 1.0;

/** One xorshift32 step (Marsaglia 2003): returns the next non-zero 32-bit state. */
export function nextRandom(rng: number): number {
  let x = rng >>> 0 || 1;
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}

/** A uniform value in [0, 1) from a PRNG state. */
export function unitInterval(rng: number): number {
  return (rng >>> 0) / 0x100000000;
}

/** base * a factor uniform in [0.75, 1.0), and the PRNG state after drawing it. */
export function jitter(baseSeconds: number, rng: number): { seconds: number; rng: number } {
  const next = nextRandom(rng);
  const factor = JITTER_LOW + (JITTER_HIGH - JITTER_LOW) * unitInterval(next);
  return { seconds: baseSeconds * factor, rng: next };
}

/** min(base * 2^level, cap), without overflowing for large levels. */
export function doubledUpTo(baseSeconds: number, level: number, capSeconds: number): number {
  if (level >= 52) return capSeconds;
  return Math.min(baseSeconds * 2 ** Math.max(0, level), capSeconds);
}

/**
 * The ConnectRetryTimer value before jitter: ConnectRetryTime doubled per consecutive failed
 * attempt, capped at connectRetryMaxSeconds. Level 0 gives "the initial value" of RFC 4271 §8.2.2.
 */
export function connectRetryBaseSeconds(config: FsmConfig, backoffLevel: number): number {
  return doubledUpTo(config.connectRetryTimeSeconds, backoffLevel, config.connectRetryMaxSeconds);
}

/**
 * How long to hold the peer in Idle before the automatic restart, before jitter.
 * Without damping it is one ConnectRetry backoff interval, so a peer that refuses connections is
 * retried at a growing interval. With DampPeerOscillations, a peer whose sessions keep failing
 * after reaching Established is also held for IdleHoldTime doubled per flap (RFC 4271 §8.1.1:
 * "An example of DampPeerOscillations logic is an increase of the IdleHoldTime value if a BGP peer
 * oscillates connectivity (connected/disconnected) repeatedly within a time period.").
 */
export function idleHoldBaseSeconds(
  config: FsmConfig,
  backoffLevel: number,
  flapCount: number,
  dampPeerOscillations: boolean,
): number {
  const retry = connectRetryBaseSeconds(config, Math.max(0, backoffLevel - 1));
  if (!dampPeerOscillations || flapCount === 0) return retry;
  return Math.max(retry, doubledUpTo(config.idleHoldTimeSeconds, flapCount - 1, config.idleHoldMaxSeconds));
}
