import { BaseRateLimiter, LIMITER_OPTIONS, type LimiterOptions } from './rate-limiter.js';
import { checkNumber, checkOptions } from './validate.js';
import { waitUntil } from './wait-until.js';

/**
 * Options of {@link FixedWindow}.
 *
 * @example
 * ```ts
 * const options: FixedWindowOptions = { limit: 100, interval: 60_000 };
 * ```
 */
export interface FixedWindowOptions extends LimiterOptions {
  /** Tokens granted per window, and so the largest cost of one call: a finite number > 0. */
  limit: number;
  /** The length of a window in milliseconds: a finite number > 0. */
  interval: number;
}

const OPTION_NAMES = ['limit', 'interval', ...LIMITER_OPTIONS] as const;

/**
 * A fixed window counter: at most `limit` tokens per window of `interval` ms, where window `k`
 * is `[k × interval, (k + 1) × interval)` on the limiter's clock (`Math.floor(now / interval)`).
 * The count starts again from zero at every window start, whatever happened before. The
 * `systemClock` counts from the start of the process or page, so its windows are not aligned
 * with the wall clock's minutes, nor with a server's windows.
 *
 * **Edge burst**: the windows are aligned, not sliding, so a caller can take `limit` tokens at
 * the end of one window and `limit` more at the start of the next — up to `2 × limit` within
 * any span of `interval` ms, even within a millisecond. When a server counts in sliding windows,
 * use {@link SlidingWindowLog}, or a `TokenBucket`, instead.
 *
 * It keeps two numbers: the index of the window last used and the tokens used in it. A window
 * with nothing used is full, so a `KeyedLimiter` drops the limiter.
 *
 * @example
 * ```ts
 * const clock = createManualClock(); // at 0, the start of a window
 * const perMinute = new FixedWindow({ limit: 100, interval: 60_000, clock });
 * perMinute.acquireNowait(100); //=> true
 * perMinute.acquireNowait(); //=> false (until the next minute starts)
 * perMinute.timeToAvailable(); //=> 60000
 * clock.advanceSync(60_000);
 * perMinute.acquireNowait(100); //=> true (a new window)
 * ```
 */
export class FixedWindow extends BaseRateLimiter {
  /** Limit and interval, shared by the limiters a factory makes alike. */
  readonly #shape: Shape;
  /** The index of the window last consumed in. */
  #window = -Infinity;
  /** Tokens used in window `#window`. */
  #used = 0;

  /**
   * @param options - `limit`, `interval` (ms), and the {@link LimiterOptions} `clock`,
   * `maxQueue`, `onEvent`.
   * @throws TypeError for an option of the wrong type or an unknown option.
   * @throws RangeError for a `limit` or `interval` that is not a finite number > 0.
   */
  constructor(options: FixedWindowOptions) {
    const { limit, interval } = checkOptions('FixedWindow options', options, OPTION_NAMES);
    super(options);
    this.#shape = shapeOf(
      checkNumber('limit', limit, 'a finite number > 0', 0, Number.MAX_VALUE, true),
      checkNumber('interval', interval, 'a finite number of milliseconds > 0', 0, Number.MAX_VALUE, true),
    );
  }

  /** Tokens granted per window. */
  get limit(): number {
    return this.#shape.limit;
  }

  /** The length of a window in milliseconds. */
  get interval(): number {
    return this.#shape.interval;
  }

  /** The most tokens one call may take: the `limit`. */
  get capacity(): number {
    return this.#shape.limit;
  }

  /** Tokens used in window `window`. */
  #usedAt(window: number): number {
    return window === this.#window ? this.#used : 0;
  }

  protected availableAt(now: number): number {
    const free = this.#shape.limit - this.#usedAt(windowOf(now, this.#shape.interval));
    return free > 0 ? free : 0;
  }

  /**
   * For a cost above what is left (also above `limit`, when the base predicts a wait behind the
   * queue), the start of the window by which the cost fits in consecutive parts: what is left
   * now, then `limit` per further window. With parts that do not divide `limit` some of each
   * window goes unused, so the answer is then a lower bound.
   */
  protected timeToAvailableAt(cost: number, now: number): number {
    const { limit, interval } = this.#shape;
    const window = windowOf(now, interval);
    const used = this.#usedAt(window);
    if (fits(used, cost, limit)) return 0;
    const more = Math.ceil((used + cost - limit) / limit - TOLERANCE);
    return waitUntil((window + (more > 1 ? more : 1)) * interval, now);
  }

  protected consumeAt(cost: number, now: number): void {
    const window = windowOf(now, this.#shape.interval);
    this.#used = this.#usedAt(window) + cost;
    this.#window = window;
  }

  protected override tryConsumeAt(cost: number, now: number): boolean {
    const { limit, interval } = this.#shape;
    const window = windowOf(now, interval);
    const used = this.#usedAt(window);
    if (!fits(used, cost, limit)) return false;
    this.#used = used + cost;
    this.#window = window;
    return true;
  }

  protected override isFullAt(now: number): boolean {
    return this.#used === 0 || windowOf(now, this.#shape.interval) !== this.#window;
  }
}

/**
 * Relative slack when adding up fractional costs: `0.1 + 0.2` is `0.30000000000000004`, and a
 * limit of `0.3` should still take both. 64 ulps of the limit: far below any cost that matters.
 */
const TOLERANCE = Number.EPSILON * 64;

/** Whether `cost` more fits beside `used` under `limit`, allowing for rounding in the sum. */
function fits(used: number, cost: number, limit: number): boolean {
  return used + cost <= limit + limit * TOLERANCE;
}

/**
 * The index of the window holding `now`: the `k` with `k × interval <= now < (k + 1) × interval`,
 * the products as computed in floating point. `Math.floor(now / interval)` alone can be one off
 * next to an edge, where the quotient rounds to a whole number.
 */
function windowOf(now: number, interval: number): number {
  const k = Math.floor(now / interval);
  if (k * interval > now) return k - 1;
  if ((k + 1) * interval <= now) return k + 1;
  return k;
}

/** What limiters made alike have in common. */
interface Shape {
  readonly limit: number;
  readonly interval: number;
}

let lastShape: Shape = { limit: 1, interval: 1000 };

/** The shape of a new limiter, reusing the last one when equal: one field per limiter instead of two. */
function shapeOf(limit: number, interval: number): Shape {
  if (lastShape.limit !== limit || lastShape.interval !== interval) lastShape = { limit, interval };
  return lastShape;
}
