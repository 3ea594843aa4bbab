/**
 * A source of time and timers. Every limiter reads time only through its clock, so a test can
 * swap in the manual clock from `lazy-limiter/testing` and run every timing case instantly.
 *
 * @example
 * ```ts
 * const clock: Clock = systemClock;
 * const cancel = clock.setTimeout(() => console.log('later'), 250);
 * cancel(); // never fires
 * ```
 */
export interface Clock {
  /**
   * The current time in milliseconds, as a number that never decreases. Only differences
   * between two readings of the same clock mean anything.
   */
  now(): number;
  /**
   * Calls `fn` once, no earlier than `ms` milliseconds from now by this clock's `now()`.
   *
   * @param fn - the callback.
   * @param ms - the delay in milliseconds; `0` or less means "as soon as possible".
   * @returns a function that cancels the timer; calling it after the timer fired, or twice,
   * does nothing.
   */
  setTimeout(fn: () => void, ms: number): () => void;
}

/**
 * The largest delay `setTimeout` accepts (2^31 - 1 ms, about 24.8 days). Longer waits are
 * re-armed in chunks of at most this size.
 *
 * @example
 * ```ts
 * MAX_TIMEOUT; //=> 2147483647
 * ```
 */
export const MAX_TIMEOUT = 2_147_483_647;

/**
 * How far the wall clock must run ahead of the monotonic clock, between two checks, before the
 * difference is taken for a suspend (laptop sleep) and credited. Smaller differences are NTP
 * slews, steps and drift, and are ignored.
 *
 * @example
 * ```ts
 * SUSPEND_THRESHOLD; //=> 1000 (ms)
 * ```
 */
export const SUSPEND_THRESHOLD = 1_000;

/**
 * What is left of a wait, in ms, below which it is waited out turn by turn of the event loop
 * instead of with another timer. A timer may wake up early by up to a few ms on a busy loop
 * (Node measures timers from the loop's cached time); spinning through that with immediates
 * cost more CPU than the work it paced, so only the last tenth of a millisecond is spun.
 */
const TURN_BELOW = 0.1;

/** How much monotonic time passes between two looks at the wall clock. */
const WALL_CHECK_INTERVAL = 1_000;

interface Unrefable {
  unref?: () => void;
}

const perf: { now(): number } = globalThis.performance ?? Date;
// The clock's state lives in a typed array: numbers stored there are not boxed, so a reading
// allocates nothing. [monotonic at the last wall check, wall then, credited offset, last reading]
const state = new Float64Array([perf.now(), Date.now(), 0, 0]);
const LAST_MONO = 0;
const LAST_WALL = 1;
const OFFSET = 2;
const LAST = 3;
state[LAST] = state[LAST_MONO]!;

function readSystemTime(): number {
  const mono = perf.now();
  const sinceCheck = mono - state[LAST_MONO]!;
  // The wall clock is read at most once a second of monotonic time: a suspend shows up as
  // monotonic time that stood still while wall time went on. Noticing it up to a second late
  // only delays the credit, so the clock never runs ahead of real time.
  if (sinceCheck >= WALL_CHECK_INTERVAL) {
    const wall = Date.now();
    const gap = wall - state[LAST_WALL]! - sinceCheck;
    if (gap > SUSPEND_THRESHOLD) state[OFFSET] = state[OFFSET]! + gap;
    state[LAST_MONO] = mono;
    state[LAST_WALL] = wall;
  }
  const t = mono + state[OFFSET]!;
  if (t > state[LAST]!) state[LAST] = t;
  return state[LAST]!;
}

/**
 * Runs `fn` on the next turn of the event loop, sooner than any timer: `setImmediate` in Node
 * and Bun, a message through a fresh channel in browsers, workers and Deno. A turn is kept
 * ref'd: it lasts under a millisecond, and an unref'd immediate would let Node's loop block in
 * its poll phase until something else woke it, however late.
 */
const nextTurn: ((fn: () => void) => void) | undefined =
  typeof setImmediate === 'function'
    ? (fn) => void setImmediate(fn)
    : typeof MessageChannel === 'function'
      ? (fn) => {
          const { port1, port2 } = new MessageChannel();
          port1.onmessage = () => {
            port1.close();
            fn();
          };
          port2.postMessage(null);
        }
      : undefined;

function arm(fn: () => void, ms: number, unref: boolean): () => void {
  let timer: Unrefable | undefined;
  let cancelled = false;
  const due = readSystemTime() + (ms > 0 ? ms : 0);
  // Timers run on a millisecond grid and may wake up to a millisecond early: sleep for the
  // wait rounded up to whole milliseconds, then wait out what is left, if anything, turn by
  // turn of the event loop. Rounding down instead would be more punctual (by half a
  // millisecond on average) but would spin through a fraction of a millisecond of turns on
  // every wait: about as much CPU as the wait's own work, for every waiter.
  const wait = (left: number): void => {
    if (left < TURN_BELOW && nextTurn !== undefined) return nextTurn(fire);
    timer = setTimeout(fire, Math.min(Math.ceil(left), MAX_TIMEOUT));
    if (unref) timer.unref?.();
  };
  const fire = (): void => {
    timer = undefined;
    if (cancelled) return;
    const left = due - readSystemTime();
    if (left > 0) wait(left);
    else fn();
  };
  wait(ms > 0 ? ms : 0);
  return () => {
    cancelled = true;
    if (timer !== undefined) clearTimeout(timer as ReturnType<typeof setTimeout>);
    timer = undefined;
  };
}

/**
 * Options of {@link createSystemClock}.
 *
 * @example
 * ```ts
 * const options: SystemClockOptions = { unref: false };
 * ```
 */
export interface SystemClockOptions {
  /**
   * Whether timers are `unref`'d in Node (default `true`): a limiter's waiters then never
   * keep the process alive by themselves. Set `false` in a script whose only pending work is
   * waiting for a limiter, or it exits (code 13 for an unsettled top-level await) before they
   * are served. Browsers, Deno and Bun without `unref` ignore it.
   */
  unref?: boolean | undefined;
}

/**
 * Creates a real clock: `performance.now()`, made suspend-aware and never decreasing. All
 * system clocks share one time source; they differ only in their timers.
 *
 * - **Monotonic**: readings never decrease; a wall clock stepped backwards is ignored.
 * - **Suspend-aware**: `performance.now()` stands still while a machine sleeps on most
 *   platforms, while a server's rate windows keep moving. When `Date.now()` has advanced more
 *   than `performance.now()` by over {@link SUSPEND_THRESHOLD} (1 s) since the last look, the
 *   clock catches up by the difference. The wall clock is looked at once per second of
 *   monotonic time, so a suspend is credited within a second of waking; until then the clock
 *   lags, which only ever makes a limiter stricter. A forward step of the wall clock larger
 *   than 1 s looks like a suspend and is credited too; smaller steps and drift are ignored.
 * - **Timers** never fire early by this clock (an early wake-up re-arms for the rest), and
 *   delays above {@link MAX_TIMEOUT} are waited in chunks.
 *
 * @param options - `unref` (default `true`).
 * @returns a {@link Clock}.
 * @throws TypeError when `unref` is not a boolean.
 * @example
 * ```ts
 * // A script that only waits for the limiter must keep itself alive:
 * const clock = createSystemClock({ unref: false });
 * const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
 * await bucket.acquire();
 * await bucket.acquire(); // 1 s later, and the process waited for it
 * ```
 */
export function createSystemClock(options: SystemClockOptions = {}): Clock {
  const { unref = true } = options;
  if (typeof unref !== 'boolean') {
    throw new TypeError(`Expected \`unref\` to be a boolean, got ${String(unref)} (${typeof unref})`);
  }
  return {
    now: readSystemTime,
    setTimeout: (fn, ms) => arm(fn, ms, unref),
  };
}

/**
 * The default clock of every limiter: {@link createSystemClock} with `unref: true`, so in Node
 * a waiting limiter never keeps a process alive by itself. A script whose only pending work is
 * an awaited `acquire` therefore exits early: give its limiters
 * `createSystemClock({ unref: false })`.
 *
 * @example
 * ```ts
 * import { systemClock } from 'lazy-limiter';
 * const t0 = systemClock.now();
 * systemClock.setTimeout(() => console.log(systemClock.now() - t0 >= 100), 100); //=> true
 * ```
 */
export const systemClock: Clock = createSystemClock();

/**
 * The wall clock: milliseconds since the Unix epoch, as `Date.now()`. It may jump; use it only
 * to read absolute dates (an HTTP `Retry-After` date, an epoch reset), never to measure waits.
 *
 * @example
 * ```ts
 * wallTime(); //=> 1795000000000
 * ```
 */
export function wallTime(): number {
  return Date.now();
}
