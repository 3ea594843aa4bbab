import type { Clock } from './clock.js';
import { TimerQueue } from './timer-queue.js';
import { checkNumber } from './validate.js';

/**
 * A {@link Clock} that moves only when told to: for deterministic tests of code that uses
 * limiters. Pass it as the `clock` option of a limiter (and of a `KeyedLimiter`).
 *
 * @example
 * ```ts
 * const clock: ManualClock = createManualClock();
 * clock.setTimeout(() => console.log(clock.now()), 250);
 * await clock.advance(1_000); // logs 250
 * clock.now(); //=> 1000
 * ```
 */
export interface ManualClock extends Clock {
  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way in time order,
   * each at its own due time (`now()` inside a callback reads the timer's due time). Timers
   * set by those callbacks fire within the same call when they fall due before its end.
   * Promise callbacks run between timers.
   *
   * @param ms - a finite number of milliseconds, at least 0.
   * @returns a promise that settles once time has reached its target and every due timer, and
   * the promise callbacks they set off, have run.
   * @throws RangeError when `ms` is negative, NaN or infinite; TypeError when not a number.
   */
  advance(ms: number): Promise<void>;
  /**
   * Moves time forward by `ms` synchronously, firing due timers in order, without running
   * promise callbacks in between. Use it for code that does not await.
   *
   * @throws RangeError when `ms` is negative, NaN or infinite; TypeError when not a number.
   */
  advanceSync(ms: number): void;
  /** Timers scheduled and neither fired nor cancelled. */
  readonly pendingTimers: number;
}

/**
 * Creates a manual clock starting at `start` milliseconds.
 *
 * @param start - the initial reading of `now()`, default `0`.
 * @returns a {@link ManualClock}.
 * @throws RangeError when `start` is NaN or infinite; TypeError when not a number.
 * @example
 * ```ts
 * import { TokenBucket } from 'lazy-limiter';
 * import { createManualClock } from 'lazy-limiter/testing';
 *
 * const clock = createManualClock();
 * const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 2, clock });
 * bucket.acquireNowait(); //=> true
 * const granted = bucket.acquire(); // waits 500 ms of manual time
 * await clock.advance(500);
 * await granted; // resolved without any real waiting
 * ```
 */
export function createManualClock(start = 0): ManualClock {
  checkNumber('start', start, 'a finite number', -Number.MAX_VALUE, Number.MAX_VALUE);
  let now = start;
  const timers = new TimerQueue();

  const fireDue = (target: number): boolean => {
    const next = timers.nextAt;
    if (next > target) return false;
    if (next > now) now = next;
    timers.takeDue(now)?.();
    return true;
  };

  return {
    now: () => now,
    setTimeout(fn, ms) {
      return timers.add(now + (ms > 0 ? ms : 0), fn);
    },
    advanceSync(ms) {
      checkNumber('ms', ms, 'a finite number >= 0', 0, Number.MAX_VALUE);
      const target = now + ms;
      while (fireDue(target));
      now = target;
    },
    async advance(ms) {
      checkNumber('ms', ms, 'a finite number >= 0', 0, Number.MAX_VALUE);
      const target = now + ms;
      await flushPromises();
      while (fireDue(target)) await flushPromises();
      now = target;
      await flushPromises();
    },
    get pendingTimers() {
      return timers.size;
    },
  };
}

async function flushPromises(): Promise<void> {
  // Promise reactions scheduled by a fired timer may chain several microtasks deep.
  for (let i = 0; i < 20; i++) await undefined;
}

