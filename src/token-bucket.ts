import { BaseRateLimiter, LIMITER_OPTIONS, type LimiterOptions } from './rate-limiter.js';
import { checkNumber, checkOptions } from './validate.js';

/**
 * Options of {@link TokenBucket}.
 *
 * @example
 * ```ts
 * const options: TokenBucketOptions = { capacity: 10, refillPerSecond: 2, initialTokens: 0 };
 * ```
 */
export interface TokenBucketOptions extends LimiterOptions {
  /** The most tokens the bucket holds, and so the largest burst: a finite number > 0. */
  capacity: number;
  /** Tokens added per second, a number >= 0: `0` never refills, `Infinity` is always full. */
  refillPerSecond: number;
  /** Tokens at creation, from 0 to `capacity`; default `capacity` (starts full). */
  initialTokens?: number | undefined;
}

const OPTION_NAMES = ['capacity', 'refillPerSecond', 'initialTokens', ...LIMITER_OPTIONS] as const;

/**
 * Relative slack when comparing a computed instant with now: `t + x - x` is not always `t` in
 * floating point, and a wait of 1e-13 ms would otherwise cost a timer (and a millisecond) to
 * wait out. 64 ulps: at a clock reading of 1e7 ms it is 1.4e-7 ms.
 */
const ROUNDING = Number.EPSILON * 64;

/**
 * A token bucket: holds up to `capacity` tokens, refilled continuously at `refillPerSecond`;
 * a call takes `cost` tokens. In any window of `w` ms it grants at most
 * `capacity + refillPerSecond * w / 1000` tokens.
 *
 * It keeps one number of state, the time at which it will be full again (the GCRA view), so an
 * idle bucket is told by one comparison and costs a few dozen bytes.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 5 });
 * bucket.acquireNowait(10); //=> true  (a burst of 10)
 * bucket.acquireNowait(); //=> false (empty)
 * bucket.timeToAvailable(); //=> 200 (ms until the next token)
 * await bucket.acquire(); // resolves 200 ms later
 * ```
 */
export class TokenBucket extends BaseRateLimiter {
  /** Capacity and interval, shared by the buckets a factory makes alike. */
  readonly #shape: Shape;
  /**
   * The time at which the bucket is full again; with a zero refill, the tokens spent instead
   * (time cannot express a bucket that never refills).
   */
  #fullAt = -Infinity;

  /**
   * @param options - `capacity`, `refillPerSecond`, `initialTokens`, and the {@link LimiterOptions}
   * `clock`, `maxQueue`, `onEvent`.
   * @throws TypeError for an option of the wrong type or an unknown option.
   * @throws RangeError for a capacity that is not finite and > 0, a negative or NaN refill, or
   * initial tokens outside `[0, capacity]`.
   */
  constructor(options: TokenBucketOptions) {
    const { capacity, refillPerSecond, initialTokens } = checkOptions('TokenBucket options', options, OPTION_NAMES);
    super(options);
    const cap = checkNumber('capacity', capacity, 'a finite number > 0', 0, Number.MAX_VALUE, true);
    const rate = checkNumber('refillPerSecond', refillPerSecond, 'a number >= 0', 0, Infinity);
    const initial = initialTokens === undefined ? cap : checkNumber('initialTokens', initialTokens, `a number from 0 to the capacity ${cap}`, 0, cap);
    const shape = (this.#shape = shapeOf(cap, 1000 / rate));
    if (shape.interval === Infinity) this.#fullAt = cap - initial;
    else this.#fullAt = initial === cap ? -Infinity : this.clock.now() + (cap - initial) * shape.interval;
  }

  /** The most tokens the bucket holds. */
  get capacity(): number {
    return this.#shape.capacity;
  }

  /** Tokens added per second. */
  get refillPerSecond(): number {
    return 1000 / this.#shape.interval;
  }

  protected availableAt(now: number): number {
    const { capacity, interval } = this.#shape;
    if (interval === Infinity) return capacity - this.#fullAt;
    return this.#fullAt <= now ? capacity : capacity - (this.#fullAt - now) / interval;
  }

  protected timeToAvailableAt(cost: number, now: number): number {
    const { capacity, interval } = this.#shape;
    if (interval === Infinity) return cost <= capacity - this.#fullAt ? 0 : Infinity;
    const base = this.#fullAt > now ? this.#fullAt : now;
    const wait = base + (cost - capacity) * interval - now;
    return wait > slack(base, capacity * interval) ? wait : 0;
  }

  protected consumeAt(cost: number, now: number): void {
    const { interval } = this.#shape;
    if (interval === Infinity) this.#fullAt += cost;
    else this.#fullAt = (this.#fullAt > now ? this.#fullAt : now) + cost * interval;
  }

  protected override isFullAt(now: number): boolean {
    return this.#shape.interval === Infinity ? this.#fullAt === 0 : this.#fullAt <= now;
  }
}

/** What buckets made alike have in common. */
interface Shape {
  readonly capacity: number;
  /** Milliseconds per token: `0` when the refill is infinite, `Infinity` when it is zero. */
  readonly interval: number;
}

let lastShape: Shape = { capacity: 1, interval: 1000 };

/**
 * The shape of a new bucket. A factory makes its buckets alike, so the last shape is reused:
 * one field per bucket instead of two, for a `KeyedLimiter` with a million keys.
 */
function shapeOf(capacity: number, interval: number): Shape {
  // A whole number of milliseconds is stored as a small integer, which V8 keeps unboxed.
  if (Number.isInteger(interval) && interval <= 0x3fffffff) interval |= 0;
  if (lastShape.capacity !== capacity || lastShape.interval !== interval) lastShape = { capacity, interval };
  return lastShape;
}

/** How far from `base` a computed instant may be off by rounding alone. */
function slack(base: number, span: number): number {
  return ((base < 0 ? -base : base) + span) * ROUNDING;
}
