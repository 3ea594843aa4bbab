/**
 * Milliseconds from `now` until the instant `at`, such that a timer set for `now + wait` lands
 * on `at` or after it, never an ulp short: `now + (at - now)` is not always `at` in floating
 * point, and a timer one ulp early would find the window or the log entry not yet moved on.
 *
 * @param at - the instant to reach, on the limiter's clock.
 * @param now - the current reading of that clock.
 * @returns the wait in milliseconds (`at - now`, or a few ulps more).
 * @example
 * ```ts
 * waitUntil(1_000, 400); //=> 600
 * ```
 */
export function waitUntil(at: number, now: number): number {
  let wait = at - now;
  const step = (at < 0 ? -at : at) * Number.EPSILON || Number.MIN_VALUE;
  for (let i = 0; i < 4 && now + wait < at; i++) wait += step;
  return wait;
}
