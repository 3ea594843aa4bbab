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
   * (the default), it costs nothing. An exception it throws does not reach the caller; it
   * surfaces as an unhandled promise rejection.
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
  /**
   * Books `cost` tokens now: `{ ok, delay, cancel }`, the caller acting after `delay` ms by
   * itself; `cancel()` before then gives the place back.
   */
  reserve(cost?: number, options?: ReserveOptions): Reservation;
  /** Grants nothing for the next `ms` milliseconds; never shortens a pause already running. */
  pause(ms: number): void;
}

/**
 * What {@link RateLimiter.reserve} returns: the caller's turn, booked now.
 *
 * @example
 * ```ts
 * const r = bucket.reserve(1, { maxWait: 1_000 });
 * if (r.ok) setTimeout(send, r.delay);
 * else console.log(`try again in ${r.delay} ms`);
 * ```
 */
export interface Reservation {
  /** `true` when the tokens are booked; `false` when refused (`maxWait`, `maxQueue`, never). */
  readonly ok: boolean;
  /**
   * Milliseconds from the `reserve` call until the caller may act: `0` when the tokens were
   * taken at once. When refused, the predicted wait that was too long (`Infinity` when it never
   * could be served).
   */
  readonly delay: number;
  /**
   * Gives the booking back before its time, so the callers behind it move up. A no-op when
   * refused, after its time, or when called again.
   */
  cancel(): void;
}

/** One caller in a queue: an `acquire` waiting, or a reservation booked. */
class Waiter implements Abortable {
  /** Served, aborted or cancelled: it stays in the array, as a gap, until the head. */
  gone = false;

  constructor(
    /** Tokens wanted; 0 once gone, so sums over the queue skip it. */
    public cost: number,
    readonly priority: number,
    /**
     * From this instant on, later callers of a higher priority may no longer overtake it (its
     * predicted turn when it joined): a due waiter is never starved. `-Infinity` for a
     * reservation, whose delay was promised.
     */
    readonly dueAt: number,
    /** When it joined. */
    readonly since: number,
    readonly delay: number,
    readonly resolve: (() => void) | undefined,
    readonly reject: ((reason: unknown) => void) | undefined,
    readonly signal: AbortSignal | undefined,
    readonly key: unknown,
    readonly sink: EventSink | undefined,
    readonly state: WaitState,
  ) {}

  /** Leaves the queue at once, rejecting with `reason`; the limiter serves those behind it. */
  abort(reason: unknown): (() => void) | undefined {
    const { cost } = this;
    if (!this.leave()) return undefined;
    this.state.aborted++;
    this.state.onAbort(this, cost);
    this.reject?.(reason);
    return this.state.queue[this.state.head] === this ? this.state.serve : undefined;
  }

  cancel(): void {
    if (!this.leave()) return;
    if (this.state.queue[this.state.head] === this) this.state.serve();
  }

  /** @returns whether it was still waiting. */
  private leave(): boolean {
    if (this.gone) return false;
    const w = this.state;
    this.gone = true;
    w.queuedCost -= this.cost;
    this.cost = 0;
    w.waiting--;
    w.gaps++;
    if (this.signal !== undefined) unwatch(this.signal, this);
    return true;
  }
}

/** Where a `KeyedLimiter` wants the events of its keys. */
export type EventSink = (event: LimiterEvent) => void;

/** The waiting machinery of one limiter, created on its first wait or pause. */
interface WaitState {
  /** Where the timer is set: the limiter's clock, or a `KeyedLimiter`'s shared timer. */
  timers: Clock;
  /** Waiters in service order, from `head` on; entries before `head` are served. */
  queue: (Waiter | undefined)[];
  head: number;
  /** Waiters in the queue not gone. */
  waiting: number;
  /** Gone waiters still in the queue. */
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
  /** Reports an abort. */
  readonly onAbort: (waiter: Waiter, cost: number) => void;
  /** A drain runs: one started from inside it (an `onEvent` listener asking) does nothing. */
  draining: boolean;
}

// Internal methods are keyed by module symbols, not `#private`: a class with private methods
// carries a brand slot per instance, and every byte counts for a limiter per key.
const kAcquire = Symbol('acquire');
const kNowait = Symbol('nowait');
const kReserve = Symbol('reserve');
const kPause = Symbol('pause');
const kOpen = Symbol('open');
const kWaitState = Symbol('waitState');
const kSlot = Symbol('slot');
const kPredict = Symbol('predict');
const kRefuse = Symbol('refuse');
const kGrantNow = Symbol('grantNow');
const kEnqueue = Symbol('enqueue');
const kDrain = Symbol('drain');
const kServe = Symbol('serve');
const kArm = Symbol('arm');
const kEmit = Symbol('emit');

const RESOLVED: Promise<void> = Promise.resolve();

const noop = (): void => {};

/** The reservation of tokens taken at once: nothing to cancel. */
const GRANTED_NOW: Reservation = Object.freeze({ ok: true, delay: 0, cancel: noop });

const ACQUIRE_OPTIONS = ['signal', 'maxWait', 'priority'] as const;
const RESERVE_OPTIONS = ['maxWait'] as const;

/**
 * Options of {@link RateLimiter.reserve}.
 *
 * @example
 * ```ts
 * bucket.reserve(1, { maxWait: 2_000 });
 * ```
 */
export interface ReserveOptions {
  /** The longest delay in ms accepted, default `Infinity`; longer → refused (`ok: false`). */
  maxWait?: number | undefined;
}

/**
 * `idle` at a given reading of the limiter's clock, so a `KeyedLimiter` sweeping several keys
 * reads the clock once. Internal to the package.
 */
export let idleAt: (limiter: BaseRateLimiter, now: number) => boolean;

/**
 * `timeToAvailable` at a given reading of the limiter's clock, without serving due waiters
 * first. Internal to the package.
 */
export let timeToAvailableFor: (limiter: BaseRateLimiter, cost: number, now: number, priority?: number) => number;

/**
 * `acquireNowait` at a given reading of the limiter's clock, without checking the cost and
 * without counting a refusal (due waiters are served first): what a composite does to each part
 * once all have said yes. Counts in the part's stats. Internal to the package.
 */
export let grantAt: (limiter: BaseRateLimiter, cost: number, now: number) => boolean;

/**
 * `acquire` on behalf of a `KeyedLimiter`: a refusal names the key, a wait uses `timers`, the
 * keyed limiter's shared timer, when given, and events also go to `sink`. Internal.
 */
export let acquireForKey: (
  limiter: BaseRateLimiter,
  key: unknown,
  cost: number,
  options: AcquireOptions | undefined,
  timers: Clock | undefined,
  sink: EventSink | undefined,
) => Promise<void>;

/**
 * Takes `cost` at once when it can (serving due waiters first), without counting a refusal
 * when it cannot: the fast path of a wrapper that will wait otherwise. Checks the cost; events
 * name `key` and go to `sink` too. Internal to the package.
 */
export let grantNowFor: (limiter: BaseRateLimiter, cost: number, key: unknown, sink: EventSink | undefined) => boolean;

/** `acquireNowait` on behalf of a `KeyedLimiter` (events name the key). Internal. */
export let nowaitForKey: (limiter: BaseRateLimiter, key: unknown, cost: number, sink: EventSink | undefined) => boolean;

/**
 * Serves the waiters of `limiter` that are due at `now` (its timer may not have fired yet) and
 * returns how many still wait. Internal to the package.
 */
export let settleAt: (limiter: BaseRateLimiter, now: number) => number;

/** Callers waiting on `limiter` now. Internal to the package. */
export let waitingOf: (limiter: BaseRateLimiter) => number;

/** `reserve` on behalf of a `KeyedLimiter`. Internal. */
export let reserveForKey: (
  limiter: BaseRateLimiter,
  key: unknown,
  cost: number,
  options: ReserveOptions | undefined,
  timers: Clock | undefined,
  sink: EventSink | undefined,
) => Reservation;

/** `pause` on behalf of a `KeyedLimiter`. Internal. */
export let pauseForKey: (limiter: BaseRateLimiter, key: unknown, ms: number, sink: EventSink | undefined) => void;

/**
 * The base every algorithm extends. An algorithm supplies four things, each told the time
 * explicitly so one decision reads the clock once: `capacity`, `availableAt(now)`,
 * `timeToAvailableAt(cost, now)` and `consumeAt(cost, now)`. The base gives it
 * `acquireNowait`, `acquire` (queue with priorities, abort, `maxWait`, `maxQueue`), `reserve`,
 * `pause`, `idle`, `stats` and `onEvent`, with one timer for the head of the queue and none
 * when nobody waits.
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

  /**
   * Tells the base that tokens came back by other means than time (a manual top-up, state
   * shared with another process): waiters that can be served now are, and the timer is re-armed
   * for the rest. Time-driven algorithms never need it.
   */
  protected recheck(): void {
    const w = this.#wait;
    if (w !== undefined && w.waiting > 0) this[kDrain](w, this.#config.clock.now());
  }

  /**
   * Whether `reserve` may book a wait, default `true`. A limiter whose tokens others can take
   * outside its queue (a composite with shared parts) cannot promise a delay: it answers
   * `false`, and its `reserve` grants only at once.
   */
  protected get booksAhead(): boolean {
    return true;
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
    return this[kNowait](cost, undefined, undefined);
  }

  /**
   * Waits for `cost` tokens and takes them. When they are there and nobody waits, it resolves
   * at once without a timer. Otherwise the caller joins the queue: higher `priority` first,
   * call order within a priority — except that a caller whose predicted turn has come is never
   * overtaken again, so a steady stream of higher priorities cannot starve it.
   *
   * Never throws: every failure is a rejected promise.
   *
   * @param cost - tokens, from 0 to `capacity`; default 1. `0` resolves at once.
   * @param options - `signal`, `maxWait` (ms), `priority`.
   * @returns a promise that resolves once the tokens are taken.
   * @throws (rejects) `signal.reason` when aborted, before or during the wait; the caller
   * leaves the queue at once and later callers move up.
   * @throws (rejects) {@link RateLimitError} with `reason: 'max-wait'` when the predicted wait
   * exceeds `maxWait`, decided up front (`retryAfter` is that prediction), or `'queue-full'`
   * when `maxQueue` callers already wait.
   * @throws (rejects) TypeError / RangeError for a bad cost or option.
   * @example
   * ```ts
   * const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 2 });
   * await bucket.acquire(); // at once
   * await bucket.acquire(); // 500 ms later
   * ```
   */
  acquire(cost = 1, options?: AcquireOptions): Promise<void> {
    return this[kAcquire](cost, options, undefined, undefined, undefined);
  }

  /**
   * Books `cost` tokens now and says when the caller may act — the caller waits `delay` ms by
   * itself (like Go's `Reserve`). A booking is served in the queue like an `acquire` and is
   * never overtaken, so the delay holds unless a later `pause` pushes the whole queue back.
   * `cancel()` before its time gives the place back.
   *
   * @param cost - tokens, from 0 to `capacity`; default 1.
   * @param options - `maxWait` (ms): a longer delay is refused (`ok: false`), nothing booked.
   * @returns the {@link Reservation}; when the tokens are there now, `{ ok: true, delay: 0 }`
   * with the tokens already taken.
   * @throws TypeError / RangeError for a bad cost or option.
   * @example
   * ```ts
   * const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1 });
   * bucket.reserve(); //=> { ok: true, delay: 0 }
   * const next = bucket.reserve(); //=> { ok: true, delay: 1000 }
   * next.cancel(); // the next caller gets that second instead
   * ```
   */
  reserve(cost = 1, options?: ReserveOptions): Reservation {
    return this[kReserve](cost, options, undefined, undefined, undefined);
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
    this[kPause](ms, undefined, undefined);
  }

  static {
    acquireForKey = (limiter, key, cost, options, timers, sink) => limiter[kAcquire](cost, options, key, timers, sink);
    nowaitForKey = (limiter, key, cost, sink) => limiter[kNowait](cost, key, sink);
    grantNowFor = (limiter, cost, key, sink) => {
      if (typeof cost !== 'number' || !(cost >= 0 && cost <= limiter.capacity)) checkCost(cost, limiter.capacity);
      return limiter[kGrantNow](cost, limiter.#config.clock.now(), key, sink);
    };
    reserveForKey = (limiter, key, cost, options, timers, sink) => limiter[kReserve](cost, options, key, timers, sink);
    pauseForKey = (limiter, key, ms, sink) => limiter[kPause](ms, key, sink);
    idleAt = (limiter, now) => {
      const w = limiter.#wait;
      return (w === undefined || limiter[kOpen](w, now)) && limiter.isFullAt(now);
    };
    timeToAvailableFor = (limiter, cost, now, priority = 0) => limiter[kPredict](cost, priority, now);
    waitingOf = (limiter) => limiter.#wait?.waiting ?? 0;
    settleAt = (limiter, now) => {
      const w = limiter.#wait;
      if (w === undefined || w.waiting === 0) return 0;
      limiter[kDrain](w, now);
      return w.waiting;
    };
    grantAt = (limiter, cost, now) => limiter[kGrantNow](cost, now, undefined, undefined);
  }

  private [kNowait](cost: number, key: unknown, sink: EventSink | undefined): boolean {
    if (typeof cost !== 'number' || !(cost >= 0 && cost <= this.capacity)) checkCost(cost, this.capacity);
    const config = this.#config;
    const now = config.clock.now();
    const w = this.#wait;
    if (((w === undefined || (w.waiting === 0 && now >= w.pausedUntil)) && this.tryConsumeAt(cost, now)) || cost === 0) {
      this.#granted++;
      if (config.onEvent !== undefined || sink !== undefined) this[kEmit]('granted', cost, 0, key, sink);
      return true;
    }
    this.#rejected++;
    if (config.onEvent !== undefined || sink !== undefined) {
      this[kEmit]('rejected', cost, this[kPredict](cost, 0, now), key, sink);
    }
    return false;
  }

  private [kAcquire](
    cost: number,
    options: AcquireOptions | undefined,
    key: unknown,
    timers: Clock | undefined,
    sink: EventSink | undefined,
  ): Promise<void> {
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
      if (this.#config.onEvent !== undefined || sink !== undefined) this[kEmit]('aborted', cost, 0, key, sink);
      return Promise.reject(signal.reason);
    }
    const now = this.#config.clock.now();
    if (this[kGrantNow](cost, now, key, sink)) return RESOLVED;
    const wait = this[kPredict](cost, priority, now);
    const refusal = this[kRefuse](cost, wait, maxWait, key, sink);
    if (refusal !== undefined) return Promise.reject(refusal);
    const w = this[kWaitState]();
    // Nobody waits, so no timer is armed: the timer may move to the shared one.
    if (timers !== undefined && w.waiting === 0) w.timers = timers;
    return new Promise<void>((resolve, reject) => {
      this[kEnqueue](w, new Waiter(cost, priority, now + wait, now, wait, resolve, reject, signal, key, sink, w), now);
    });
  }

  private [kReserve](
    cost: number,
    options: ReserveOptions | undefined,
    key: unknown,
    timers: Clock | undefined,
    sink: EventSink | undefined,
  ): Reservation {
    checkCost(cost, this.capacity);
    const { maxWait = Infinity } = checkOptions('options', options, RESERVE_OPTIONS);
    checkNumber('maxWait', maxWait, 'a number of milliseconds >= 0', 0, Infinity);
    const now = this.#config.clock.now();
    if (this[kGrantNow](cost, now, key, sink)) return GRANTED_NOW;
    // Nothing can overtake a booking, so it goes to the end of the queue.
    const wait = this[kPredict](cost, -Infinity, now);
    // A delay of `Infinity` promises nothing: refused whatever `maxWait` says.
    const bound = this.booksAhead && wait !== Infinity ? maxWait : -1;
    if (this[kRefuse](cost, wait, bound, key, sink) !== undefined) return { ok: false, delay: wait, cancel: noop };
    const w = this[kWaitState]();
    if (timers !== undefined && w.waiting === 0) w.timers = timers;
    const waiter = new Waiter(cost, -Infinity, -Infinity, now, wait, undefined, undefined, undefined, key, sink, w);
    this[kEnqueue](w, waiter, now);
    return { ok: true, delay: wait, cancel: () => waiter.cancel() };
  }

  /**
   * Serves the waiters due at `now`, then takes `cost` at once if nobody waits, no pause runs
   * and the tokens are there. Counts and reports the grant.
   */
  private [kGrantNow](cost: number, now: number, key: unknown, sink: EventSink | undefined): boolean {
    const w = this.#wait;
    if (w !== undefined && w.waiting > 0) this[kDrain](w, now);
    if (cost === 0 || ((w === undefined || this[kOpen](w, now)) && this.tryConsumeAt(cost, now))) {
      this.#granted++;
      if (this.#config.onEvent !== undefined || sink !== undefined) this[kEmit]('granted', cost, 0, key, sink);
      return true;
    }
    return false;
  }

  private [kPause](ms: number, key: unknown, sink: EventSink | undefined): void {
    checkNumber('ms', ms, 'a number of milliseconds >= 0', 0, Infinity);
    const w = this[kWaitState]();
    const until = this.#config.clock.now() + ms;
    if (until > w.pausedUntil) w.pausedUntil = until;
    if (this.#config.onEvent !== undefined || sink !== undefined) this[kEmit]('paused', 0, ms, key, sink);
  }

  /**
   * The error refusing a caller who would wait `wait` ms, or `undefined` when it may queue.
   * Counts and reports the refusal.
   */
  private [kRefuse](cost: number, wait: number, maxWait: number, key: unknown, sink: EventSink | undefined): RateLimitError | undefined {
    let error: RateLimitError | undefined;
    if (wait > maxWait) {
      error = new RateLimitError(`Rate limit: the wait of ${Math.ceil(wait)} ms exceeds maxWait ${maxWait} ms`, {
        reason: 'max-wait',
        retryAfter: wait,
        key,
      });
    } else if ((this.#wait?.waiting ?? 0) >= this.#config.maxQueue) {
      error = new RateLimitError(`Rate limit: ${this.#config.maxQueue} callers already wait (maxQueue)`, {
        reason: 'queue-full',
        retryAfter: wait,
        key,
      });
    } else {
      return undefined;
    }
    this.#rejected++;
    if (this.#config.onEvent !== undefined || sink !== undefined) this[kEmit]('rejected', cost, wait, key, sink);
    return error;
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
        onAbort: (waiter, cost) => {
          if (this.#config.onEvent !== undefined || waiter.sink !== undefined) {
            this[kEmit]('aborted', cost, this.#config.clock.now() - waiter.since, waiter.key, waiter.sink);
          }
        },
        draining: false,
      };
      this.#wait = state;
    }
    return this.#wait;
  }

  /**
   * Where a caller of this priority joins the queue: after every waiter it may not overtake —
   * one of the same or a higher priority, or one whose turn has come (`dueAt <= now`).
   */
  private [kSlot](w: WaitState, priority: number, now: number): number {
    const { queue } = w;
    let at = queue.length;
    while (at > w.head) {
      const waiter = queue[at - 1]!;
      if (!waiter.gone && (waiter.priority >= priority || waiter.dueAt <= now)) break;
      at--;
    }
    return at;
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
      if (last !== undefined && !last.gone && (last.priority >= priority || last.dueAt <= now)) {
        ahead = w.queuedCost;
      } else {
        const at = this[kSlot](w, priority, now);
        for (let i = w.head; i < at; i++) ahead += queue[i]!.cost;
      }
    }
    return start - now + this.timeToAvailableAt(ahead + cost, start);
  }

  private [kEnqueue](w: WaitState, waiter: Waiter, now: number): void {
    const { queue } = w;
    const at = this[kSlot](w, waiter.priority, now);
    if (at === queue.length) queue.push(waiter);
    else queue.splice(at, 0, waiter);
    w.queuedCost += waiter.cost;
    w.waiting++;
    if (waiter.signal !== undefined) watch(waiter.signal, waiter);
    if (this.#config.onEvent !== undefined || waiter.sink !== undefined) {
      this[kEmit]('queued', waiter.cost, waiter.delay, waiter.key, waiter.sink);
    }
    if (at === w.head) this[kDrain](w, now);
  }

  /**
   * Serves every waiter that is due at `now`, in order, then arms the timer for the next. A
   * drain started from inside one (a listener calling back) returns at once: the outer one
   * goes on with the same queue.
   */
  private [kDrain](w: WaitState, now: number): void {
    if (w.draining) return;
    w.draining = true;
    try {
      this[kServe](w, now);
    } finally {
      w.draining = false;
    }
  }

  private [kServe](w: WaitState, now: number): void {
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
      // A booking is taken at its promised time, never before: its caller acts then.
      wait = waiter.resolve === undefined && now < waiter.since + waiter.delay ? waiter.since + waiter.delay - now : this.timeToAvailableAt(waiter.cost, now);
      if (wait > 0) break;
      this.consumeAt(waiter.cost, now);
      queue[w.head++] = undefined;
      waiter.gone = true;
      w.waiting--;
      w.queuedCost -= waiter.cost;
      this.#granted++;
      if (waiter.signal !== undefined) unwatch(waiter.signal, waiter);
      if (this.#config.onEvent !== undefined || waiter.sink !== undefined) {
        this[kEmit]('granted', waiter.cost, now - waiter.since, waiter.key, waiter.sink);
      }
      waiter.resolve?.();
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

  /** Tells `onEvent` and the keyed sink; an exception they throw is reported, not thrown here. */
  private [kEmit](type: LimiterEventType, cost: number, wait: number, key: unknown, sink: EventSink | undefined): void {
    const event: LimiterEvent = { type, limiter: this, key, cost, wait };
    const { onEvent } = this.#config;
    if (onEvent !== undefined) report(onEvent, event);
    if (sink !== undefined) report(sink, event);
  }
}

/**
 * Calls a listener. Internal to the package. What it throws does not break the limiter: it surfaces as an unhandled
 * promise rejection (Node's `unhandledRejection`, the browser's `unhandledrejection`).
 */
export function report(listener: (event: LimiterEvent) => void, event: LimiterEvent): void {
  try {
    listener(event);
  } catch (error) {
    void Promise.reject(error);
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

/**
 * Whether `value` meets the {@link RateLimiter} protocol. Internal to the package.
 *
 * @param value - anything.
 * @returns `true` for a limiter.
 * @example
 * ```ts
 * isRateLimiter(new TokenBucket({ capacity: 1, refillPerSecond: 1 })); //=> true
 * ```
 */
export function isRateLimiter(value: unknown): value is RateLimiter {
  const candidate = value as Partial<RateLimiter> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.acquire === 'function' &&
    typeof candidate.acquireNowait === 'function' &&
    typeof candidate.timeToAvailable === 'function' &&
    typeof candidate.pause === 'function' &&
    typeof candidate.capacity === 'number'
  );
}
