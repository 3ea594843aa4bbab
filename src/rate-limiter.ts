import { systemClock, type Clock } from './clock.js';
import { unwatch, watch, type Abortable } from './abort-watch.js';
import { RateLimitError } from './errors.js';
import { checkClock, checkNumber, checkOptions, invalid } from './validate.js';

/**
 * Options every limiter built on {@link BaseRateLimiter} accepts, beside its own.
 *
 * @example
 * ```ts
 * new TokenBucket({ capacity: 5, refillPerSecond: 1, maxQueue: 100, onEvent: (e) => console.log(e.type) });
 * ```
 */
export interface LimiterOptions {
  /** Where time and timers come from; default `systemClock`. */
  clock?: Clock | undefined;
  /**
   * The most callers waiting in `acquire` at once, default `Infinity`; `0` means "never wait".
   * A caller that finds the queue full is rejected at once with a {@link RateLimitError}
   * (`reason: 'queue-full'`); those already waiting keep their places.
   */
  maxQueue?: number | undefined;
  /**
   * Called on every grant, wait, refusal, abort and pause of this limiter, synchronously. Unset
   * (the default), it costs nothing. An exception it throws is reported, not propagated.
   */
  onEvent?: ((event: LimiterEvent) => void) | undefined;
}

/** The names of {@link LimiterOptions}, for algorithms checking their options object. */
export const LIMITER_OPTIONS = ['clock', 'maxQueue', 'onEvent'] as const;

/**
 * What happened:
 * - `granted`: tokens were taken (`wait`: ms the caller waited, 0 when at once);
 * - `queued`: a caller joined the queue (`wait`: its predicted wait);
 * - `rejected`: a call was refused (`acquireNowait` false, `maxWait`, `maxQueue`; `wait`: the
 *   predicted wait, `Infinity` when it never could be served);
 * - `aborted`: a waiting caller's signal fired (`wait`: ms it had waited);
 * - `paused`: `pause(ms)` was called (`wait`: the `ms` asked for, `cost` 0).
 */
export type LimiterEventType = 'granted' | 'queued' | 'rejected' | 'aborted' | 'paused';

/**
 * One observation passed to `onEvent`.
 *
 * @example
 * ```ts
 * const onEvent = (event: LimiterEvent) => {
 *   if (event.type === 'rejected') console.warn(`refused ${event.cost} for ${String(event.key)}`);
 * };
 * ```
 */
export interface LimiterEvent {
  readonly type: LimiterEventType;
  /** The limiter it happened on. */
  readonly limiter: RateLimiter;
  /** The key, when the call came through a `KeyedLimiter`; otherwise `undefined`. */
  readonly key: unknown;
  /** Tokens asked for. */
  readonly cost: number;
  /** Milliseconds; see {@link LimiterEventType}. */
  readonly wait: number;
}

/**
 * Options of a single {@link RateLimiter.acquire} call.
 *
 * @example
 * ```ts
 * await bucket.acquire(1, { signal: AbortSignal.timeout(10_000), maxWait: 5_000, priority: 1 });
 * ```
 */
export interface AcquireOptions {
  /** Aborts the wait: the call rejects with `signal.reason` and leaves the queue at once. */
  signal?: AbortSignal | undefined;
  /**
   * The longest wait in milliseconds the caller accepts, default `Infinity`. When the predicted
   * wait is longer, the call rejects at once with a {@link RateLimitError} (`reason: 'max-wait'`)
   * instead of waiting; `0` means "only if it can be granted now".
   */
  maxWait?: number | undefined;
  /**
   * Higher is served first, default `0`; equal priorities are served in call order. Any
   * finite number.
   */
  priority?: number | undefined;
}

/**
 * Counters of a limiter since it was created.
 *
 * @example
 * ```ts
 * bucket.stats; //=> { granted: 12, rejected: 3, aborted: 0, waiting: 2 }
 * ```
 */
export interface RateLimiterStats {
  /** Calls granted (`acquireNowait` that returned `true`, `acquire` that resolved). */
  readonly granted: number;
  /** Calls refused (`acquireNowait` that returned `false`, `acquire` rejected by `maxWait`). */
  readonly rejected: number;
  /** `acquire` calls ended by their signal. */
  readonly aborted: number;
  /** `acquire` calls waiting now. */
  readonly waiting: number;
}

/**
 * The protocol every limiter meets: token buckets, windows, composites, distributed ones, and
 * your own. Costs are in tokens (any number from 0 to `capacity`, fractions allowed),
 * durations in milliseconds.
 *
 * @example
 * ```ts
 * async function call(limiter: RateLimiter) {
 *   if (!limiter.acquireNowait()) await limiter.acquire();
 * }
 * ```
 */
export interface RateLimiter {
  /** The most tokens one call may take; a larger cost can never be granted. */
  readonly capacity: number;
  /** Tokens there now (may be fractional); waiters and pauses are not subtracted. */
  readonly available: number;
  /**
   * `true` when the limiter is as a fresh one would be: full, not paused, nobody waiting. A
   * `KeyedLimiter` drops idle limiters, since dropping them loses nothing.
   */
  readonly idle: boolean;
  /** Counters since creation. */
  readonly stats: RateLimiterStats;
  /**
   * Milliseconds a call made now with this cost would wait, counting the queue ahead of it and
   * any pause; `0` when `acquireNowait(cost)` would succeed; `Infinity` when it never can.
   */
  timeToAvailable(cost?: number): number;
  /** Takes `cost` tokens if that can be done now without overtaking a waiter. Never waits. */
  acquireNowait(cost?: number): boolean;
  /** Resolves once `cost` tokens have been taken for the caller. */
  acquire(cost?: number, options?: AcquireOptions): Promise<void>;
  /** Grants nothing for the next `ms` milliseconds; never shortens a pause already running. */
  pause(ms: number): void;
}

/** One caller in a queue. */
class Waiter implements Abortable {
  /** Served or aborted: an aborted waiter stays in the array, as a gap, until the head. */
  gone = false;

  constructor(
    /** Tokens wanted; 0 once aborted, so sums over the queue skip it. */
    public cost: number,
    readonly priority: number,
    readonly resolve: () => void,
    readonly reject: (reason: unknown) => void,
    readonly signal: AbortSignal | undefined,
    readonly state: WaitState,
  ) {}

  /** Leaves the queue at once; the limiter serves the waiters behind it afterwards. */
  abort(reason: unknown): (() => void) | undefined {
    if (this.gone) return undefined;
    const w = this.state;
    const wasHead = w.queue[w.head] === this;
    this.gone = true;
    w.queuedCost -= this.cost;
    this.cost = 0;
    w.waiting--;
    w.gaps++;
    w.aborted++;
    this.reject(reason);
    return wasHead ? w.serve : undefined;
  }
}

/** The waiting machinery of one limiter, created on its first wait or pause. */
interface WaitState {
  /** Where the timer is set: the limiter's clock, or a `KeyedLimiter`'s shared timer. */
  timers: Clock;
  /** Waiters in service order, from `head` on; entries before `head` are served. */
  queue: (Waiter | undefined)[];
  head: number;
  /** Waiters in the queue not aborted. */
  waiting: number;
  /** Aborted waiters still in the queue. */
  gaps: number;
  /** Sum of the waiters' costs. */
  queuedCost: number;
  pausedUntil: number;
  aborted: number;
  cancelTimer: (() => void) | undefined;
  timerAt: number;
  readonly onTimer: () => void;
  /** Serves whatever is due now (after an abort at the head). */
  readonly serve: () => void;
}

// Internal methods are keyed by module symbols, not `#private`: a class with private methods
// carries a brand slot per instance, and every byte counts for a limiter per key.
const kAcquire = Symbol('acquire');
const kOpen = Symbol('open');
const kWaitState = Symbol('waitState');
const kPredict = Symbol('predict');
const kEnqueue = Symbol('enqueue');
const kDrain = Symbol('drain');
const kArm = Symbol('arm');

const RESOLVED: Promise<void> = Promise.resolve();

const ACQUIRE_OPTIONS = ['signal', 'maxWait', 'priority'] as const;

/**
 * `idle` at a given reading of the limiter's clock, so a `KeyedLimiter` sweeping several keys
 * reads the clock once. Internal to the package.
 */
export let idleAt: (limiter: BaseRateLimiter, now: number) => boolean;

/**
 * `timeToAvailable` at a given reading of the limiter's clock, without serving due waiters
 * first. Internal to the package.
 */
export let timeToAvailableFor: (limiter: BaseRateLimiter, cost: number, now: number) => number;

/**
 * `acquireNowait` at a given reading of the limiter's clock, without checking the cost: what a
 * composite does to each part once all have said yes. Counts in the part's stats. Internal to
 * the package.
 */
export let grantAt: (limiter: BaseRateLimiter, cost: number, now: number) => boolean;

/**
 * `acquire` on behalf of a `KeyedLimiter`: a refusal names the key, and a wait uses `timers`,
 * the keyed limiter's shared timer, when given. Internal to the package.
 */
export let acquireForKey: (
  limiter: BaseRateLimiter,
  key: unknown,
  cost: number,
  options: AcquireOptions | undefined,
  timers: Clock | undefined,
) => Promise<void>;

/**
 * The base every algorithm extends. An algorithm supplies four things, each told the time
 * explicitly so one decision reads the clock once: `capacity`, `availableAt(now)`,
 * `timeToAvailableAt(cost, now)` and `consumeAt(cost, now)`. The base gives it
 * `acquireNowait`, `acquire` (FIFO queue with priorities, abort, `maxWait`), `pause`, `idle`
 * and `stats`, with one timer for the head of the queue and none when nobody waits.
 *
 * @example
 * ```ts
 * // A limiter that allows `limit` calls in total, ever.
 * class Quota extends BaseRateLimiter {
 *   readonly capacity: number;
 *   #used = 0;
 *   constructor(readonly limit: number) { super(); this.capacity = limit; }
 *   protected availableAt() { return this.limit - this.#used; }
 *   protected timeToAvailableAt(cost: number) { return cost <= this.limit - this.#used ? 0 : Infinity; }
 *   protected consumeAt(cost: number) { this.#used += cost; }
 * }
 * new Quota(2).acquireNowait(); //=> true
 * ```
 */
export abstract class BaseRateLimiter implements RateLimiter {
  readonly #config: Config;
  #wait: WaitState | undefined;
  #granted = 0;
  #rejected = 0;

  /**
   * @param options - `clock`, `maxQueue`, `onEvent` ({@link LimiterOptions}); other keys are
   * left to the subclass to check.
   * @throws TypeError when `clock` is not a {@link Clock} or `onEvent` not a function, or when
   * given a clock itself instead of `{ clock }`.
   * @throws RangeError when `maxQueue` is not a number >= 0.
   */
  constructor(options?: LimiterOptions) {
    this.#config = configOf(options);
  }

  /** The clock this limiter reads time from. */
  get clock(): Clock {
    return this.#config.clock;
  }

  /** The most callers that may wait at once (`Infinity` when unbounded). */
  get maxQueue(): number {
    return this.#config.maxQueue;
  }

  /** The most tokens one call may take. */
  abstract readonly capacity: number;

  /**
   * Tokens there at time `now` (fractional allowed), assuming nothing is consumed meanwhile.
   *
   * @param now - a reading of this limiter's clock, never earlier than any before.
   */
  protected abstract availableAt(now: number): number;

  /**
   * Milliseconds from `now` until `cost` tokens can be taken, `0` when they can now,
   * `Infinity` when never. `cost` may exceed `capacity`: then answer for taking `cost` tokens
   * in consecutive parts of at most `capacity` each, first come first served — the base uses it
   * to predict the wait of a caller behind the queue. `now` may be in the future (the end of a
   * pause): answer as if nothing is consumed until then.
   */
  protected abstract timeToAvailableAt(cost: number, now: number): number;

  /**
   * Takes `cost` tokens at time `now`. Called only right after `timeToAvailableAt(cost, now)`
   * answered `0`.
   */
  protected abstract consumeAt(cost: number, now: number): void;

  /**
   * Takes `cost` tokens at `now` if they are there. Override it to fuse the check and the
   * update when that is cheaper; the answer must agree with `timeToAvailableAt`.
   *
   * @returns whether the tokens were taken.
   */
  protected tryConsumeAt(cost: number, now: number): boolean {
    if (this.timeToAvailableAt(cost, now) > 0) return false;
    this.consumeAt(cost, now);
    return true;
  }

  /** Whether the limiter is full at `now` (the state a fresh one starts in). */
  protected isFullAt(now: number): boolean {
    return this.availableAt(now) >= this.capacity;
  }

  /** Tokens there now; waiters and pauses are not subtracted. */
  get available(): number {
    return this.availableAt(this.#config.clock.now());
  }

  /** `true` when full, not paused and nobody waits: a fresh limiter would be the same. */
  get idle(): boolean {
    return idleAt(this, this.#config.clock.now());
  }

  /** Counters since creation (a snapshot). */
  get stats(): RateLimiterStats {
    const w = this.#wait;
    return {
      granted: this.#granted,
      rejected: this.#rejected,
      aborted: w?.aborted ?? 0,
      waiting: w?.waiting ?? 0,
    };
  }

  /**
   * Milliseconds a call made now would wait, counting the queue ahead of it and any pause.
   *
   * @param cost - tokens, from 0 to `capacity`; default 1.
   * @returns `0` when `acquireNowait(cost)` would succeed now, `Infinity` when it never can.
   * @throws TypeError / RangeError for a cost that is not a number from 0 to `capacity`.
   */
  timeToAvailable(cost = 1): number {
    checkCost(cost, this.capacity);
    if (cost === 0) return 0;
    const now = this.#config.clock.now();
    const w = this.#wait;
    if (w !== undefined && w.waiting > 0) this[kDrain](w, now);
    return this[kPredict](cost, 0, now);
  }

  /**
   * Takes `cost` tokens if that can be done now. Never waits, creates no timer, and never
   * overtakes a caller already waiting in `acquire`: while one waits, it returns `false`.
   *
   * @param cost - tokens, from 0 to `capacity`; default 1. `0` is always granted.
   * @returns `true` when the tokens were taken.
   * @throws TypeError / RangeError for a cost that is not a number from 0 to `capacity`.
   * @example
   * ```ts
   * const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 1 });
   * bucket.acquireNowait(); //=> true
   * bucket.acquireNowait(2); //=> false
   * ```
   */
  acquireNowait(cost = 1): boolean {
    if (typeof cost !== 'number' || !(cost >= 0 && cost <= this.capacity)) checkCost(cost, this.capacity);
    const now = this.#config.clock.now();
    const w = this.#wait;
    if ((w === undefined || this[kOpen](w, now)) && this.tryConsumeAt(cost, now)) {
      this.#granted++;
      return true;
    }
    if (cost === 0) {
      this.#granted++;
      return true;
    }
    this.#rejected++;
    return false;
  }

  /**
   * Waits for `cost` tokens and takes them. When they are there and nobody waits, it resolves
   * at once without a timer. Otherwise the caller joins the queue: higher `priority` first,
   * call order within a priority.
   *
   * Never throws: every failure is a rejected promise.
   *
   * @param cost - tokens, from 0 to `capacity`; default 1. `0` resolves at once.
   * @param options - `signal`, `maxWait` (ms), `priority`.
   * @returns a promise that resolves once the tokens are taken.
   * @throws (rejects) `signal.reason` when aborted, before or during the wait; the caller
   * leaves the queue at once and later callers move up.
   * @throws (rejects) {@link RateLimitError} with `reason: 'max-wait'` when the predicted wait
   * exceeds `maxWait`, decided up front; `retryAfter` is that prediction.
   * @throws (rejects) TypeError / RangeError for a bad cost or option.
   * @example
   * ```ts
   * const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 2 });
   * await bucket.acquire(); // at once
   * await bucket.acquire(); // 500 ms later
   * ```
   */
  acquire(cost = 1, options?: AcquireOptions): Promise<void> {
    return this[kAcquire](cost, options, undefined, undefined);
  }

  static {
    acquireForKey = (limiter, key, cost, options, timers) => limiter[kAcquire](cost, options, key, timers);
    idleAt = (limiter, now) => {
      const w = limiter.#wait;
      return (w === undefined || limiter[kOpen](w, now)) && limiter.isFullAt(now);
    };
    timeToAvailableFor = (limiter, cost, now) => limiter[kPredict](cost, 0, now);
    grantAt = (limiter, cost, now) => {
      const w = limiter.#wait;
      if ((w === undefined || limiter[kOpen](w, now)) && limiter.tryConsumeAt(cost, now)) {
        limiter.#granted++;
        return true;
      }
      return false;
    };
  }

  private [kAcquire](cost: number, options: AcquireOptions | undefined, key: unknown, timers: Clock | undefined): Promise<void> {
    let signal: AbortSignal | undefined;
    let maxWait = Infinity;
    let priority = 0;
    try {
      if (typeof cost !== 'number' || !(cost >= 0 && cost <= this.capacity)) checkCost(cost, this.capacity);
      if (options !== undefined) {
        checkAcquireOptions(options);
        signal = options.signal;
        maxWait = options.maxWait ?? Infinity;
        priority = options.priority ?? 0;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted === true) {
      this[kWaitState]().aborted++;
      return Promise.reject(signal.reason);
    }
    const now = this.#config.clock.now();
    let w = this.#wait;
    if (w !== undefined && w.waiting > 0) this[kDrain](w, now);
    if (cost === 0 || ((w === undefined || this[kOpen](w, now)) && this.tryConsumeAt(cost, now))) {
      this.#granted++;
      return RESOLVED;
    }
    const wait = this[kPredict](cost, priority, now);
    if (wait > maxWait) {
      this.#rejected++;
      return Promise.reject(
        new RateLimitError(`Rate limit: the wait of ${Math.ceil(wait)} ms exceeds maxWait ${maxWait} ms`, {
          reason: 'max-wait',
          retryAfter: wait,
          key,
        }),
      );
    }
    w ??= this[kWaitState]();
    // Nobody waits, so no timer is armed: the timer may move to the shared one.
    if (timers !== undefined && w.waiting === 0) w.timers = timers;
    return this[kEnqueue](w, cost, priority, signal, now);
  }

  /**
   * Grants nothing for the next `ms` milliseconds — what a server's `Retry-After` asks for.
   * A pause never shortens one already running; waiters keep their places and are served
   * when it ends.
   *
   * @param ms - milliseconds, at least 0; `Infinity` pauses for good.
   * @throws TypeError / RangeError when `ms` is not a number >= 0.
   * @example
   * ```ts
   * bucket.pause(30_000);
   * bucket.acquireNowait(); //=> false for the next 30 s
   * ```
   */
  pause(ms: number): void {
    checkNumber('ms', ms, 'a number of milliseconds >= 0', 0, Infinity);
    const w = this[kWaitState]();
    const until = this.#config.clock.now() + ms;
    if (until > w.pausedUntil) w.pausedUntil = until;
  }

  /** Whether a new caller may be served now: nobody waits and no pause runs. */
  private [kOpen](w: WaitState, now: number): boolean {
    return w.waiting === 0 && now >= w.pausedUntil;
  }

  private [kWaitState](): WaitState {
    if (this.#wait === undefined) {
      const state: WaitState = {
        timers: this.#config.clock,
        queue: [],
        head: 0,
        waiting: 0,
        gaps: 0,
        queuedCost: 0,
        pausedUntil: -Infinity,
        aborted: 0,
        cancelTimer: undefined,
        timerAt: Infinity,
        onTimer: () => {
          state.cancelTimer = undefined;
          state.timerAt = Infinity;
          this[kDrain](state, this.#config.clock.now());
        },
        serve: () => this[kDrain](state, this.#config.clock.now()),
      };
      this.#wait = state;
    }
    return this.#wait;
  }

  /** Predicted wait of a caller joining now with this cost and priority. */
  private [kPredict](cost: number, priority: number, now: number): number {
    const w = this.#wait;
    let ahead = 0;
    let start = now;
    if (w !== undefined) {
      if (w.pausedUntil > now) start = w.pausedUntil;
      const { queue } = w;
      const last = queue[queue.length - 1];
      if (last !== undefined && last.priority >= priority) {
        ahead = w.queuedCost;
      } else {
        for (let i = w.head; i < queue.length; i++) {
          const waiter = queue[i]!;
          if (waiter.priority < priority) break;
          ahead += waiter.cost;
        }
      }
    }
    return start - now + this.timeToAvailableAt(ahead + cost, start);
  }

  private [kEnqueue](w: WaitState, cost: number, priority: number, signal: AbortSignal | undefined, now: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = new Waiter(cost, priority, resolve, reject, signal, w);
      const { queue } = w;
      let at = queue.length;
      while (at > w.head && queue[at - 1]!.priority < priority) at--;
      if (at === queue.length) queue.push(waiter);
      else queue.splice(at, 0, waiter);
      w.queuedCost += cost;
      w.waiting++;
      if (signal !== undefined) watch(signal, waiter);
      if (at === w.head) this[kDrain](w, now);
    });
  }

  /** Serves every waiter that is due at `now`, in order, then arms the timer for the next. */
  private [kDrain](w: WaitState, now: number): void {
    const { queue } = w;
    let wait = Infinity;
    while (w.head < queue.length) {
      const waiter = queue[w.head]!;
      if (waiter.gone) {
        queue[w.head++] = undefined;
        w.gaps--;
        continue;
      }
      if (now < w.pausedUntil) {
        wait = w.pausedUntil - now;
        break;
      }
      wait = this.timeToAvailableAt(waiter.cost, now);
      if (wait > 0) break;
      this.consumeAt(waiter.cost, now);
      queue[w.head++] = undefined;
      waiter.gone = true;
      w.waiting--;
      w.queuedCost -= waiter.cost;
      this.#granted++;
      if (waiter.signal !== undefined) unwatch(waiter.signal, waiter);
      waiter.resolve();
    }
    if (w.waiting === 0) {
      queue.length = 0;
      w.head = 0;
      w.gaps = 0;
      w.queuedCost = 0;
      wait = Infinity;
    } else if (w.gaps > 32 && w.gaps > w.waiting) {
      // Many aborted waiters in the middle: drop them in one pass.
      w.queue = queue.filter((waiter, i) => i >= w.head && !waiter!.gone);
      w.head = 0;
      w.gaps = 0;
    } else if (w.head > 64 && w.head * 2 > queue.length) {
      w.queue = queue.slice(w.head);
      w.head = 0;
    }
    this[kArm](w, now + wait, wait);
  }

  private [kArm](w: WaitState, at: number, wait: number): void {
    if (at === w.timerAt) return;
    w.cancelTimer?.();
    w.cancelTimer = undefined;
    w.timerAt = at;
    if (wait !== Infinity) w.cancelTimer = w.timers.setTimeout(w.onTimer, wait);
  }
}

/** What limiters made alike share, so each carries one field for all three options. */
interface Config {
  readonly clock: Clock;
  readonly maxQueue: number;
  readonly onEvent: ((event: LimiterEvent) => void) | undefined;
}

let lastConfig: Config = { clock: systemClock, maxQueue: Infinity, onEvent: undefined };

/** Checks the base options and returns the last config when it is the same (a factory's case). */
function configOf(options: LimiterOptions | undefined): Config {
  if (options === undefined) options = {};
  else if (typeof options !== 'object' || options === null) invalid('options', 'an options object', options);
  else if (typeof (options as Partial<Clock>).now === 'function' && typeof (options as Partial<Clock>).setTimeout === 'function') {
    invalid('options', 'an options object such as { clock } (a Clock was passed itself)', options);
  }
  const { clock = systemClock, maxQueue = Infinity, onEvent } = options;
  checkClock('clock', clock);
  checkNumber('maxQueue', maxQueue, 'a number >= 0', 0, Infinity);
  if (onEvent !== undefined && typeof onEvent !== 'function') invalid('onEvent', 'a function (event) => void', onEvent);
  if (lastConfig.clock !== clock || lastConfig.maxQueue !== maxQueue || lastConfig.onEvent !== onEvent) {
    lastConfig = { clock, maxQueue, onEvent };
  }
  return lastConfig;
}

function checkCost(cost: unknown, capacity: number): asserts cost is number {
  checkNumber('cost', cost, `a number from 0 to the capacity ${capacity}`, 0, capacity);
}

/** Checks `acquire` options in place: reading them back allocates nothing. */
function checkAcquireOptions(options: AcquireOptions): void {
  const { signal, maxWait = Infinity, priority = 0 } = checkOptions('options', options, ACQUIRE_OPTIONS);
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function')) {
    invalid('signal', 'an AbortSignal', signal);
  }
  checkNumber('maxWait', maxWait, 'a number of milliseconds >= 0', 0, Infinity);
  checkNumber('priority', priority, 'a finite number', -Number.MAX_VALUE, Number.MAX_VALUE);
}
