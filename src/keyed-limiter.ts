import { systemClock, type Clock } from './clock.js';
import { RateLimitError } from './errors.js';
import { acquireForKey, BaseRateLimiter, idleAt, timeToAvailableFor, type AcquireOptions, type RateLimiter } from './rate-limiter.js';
import { createTimerGroup, type TimerGroup } from './timer-group.js';
import { checkClock, checkNumber, checkOptions, invalid } from './validate.js';

/**
 * Options of {@link KeyedLimiter}.
 *
 * @example
 * ```ts
 * new KeyedLimiter(() => new TokenBucket({ capacity: 5, refillPerSecond: 1 }), { maxKeys: 10_000 });
 * ```
 */
export interface KeyedLimiterOptions {
  /**
   * The most keys held at once, default `Infinity`. When full, idle keys are dropped to make
   * room; when none is idle, a new key is refused (`RateLimitError`, `reason: 'max-keys'`).
   */
  maxKeys?: number | undefined;
  /**
   * The clock of the limiters the factory makes, default `systemClock`. Limiters made with
   * this same clock share one timer for all their waiters.
   */
  clock?: Clock | undefined;
}

const OPTION_NAMES = ['maxKeys', 'clock'] as const;

/**
 * Keys looked at each time a key is created. A key goes on its second idle visit, so four
 * visits can drop two keys for the one added: the held keys shrink towards the busy ones.
 */
const SWEEP_STEP = 4;

/**
 * One limiter per key (endpoint, API key, tenant…), created on first use by `factory(key)`
 * and dropped again once it is idle — full, unpaused, nobody waiting — which loses nothing,
 * since a fresh one would be identical. Dropping is lazy, with no timer per key: each new key
 * looks at four existing ones and drops those found idle on two visits in a row, so memory
 * tracks the busy keys (call {@link KeyedLimiter.prune} to drop all idle keys now). All limiters made with the
 * keyed limiter's clock share one timer.
 *
 * Do not keep a limiter from {@link KeyedLimiter.get} across waits: once idle it may be dropped
 * and replaced by a fresh one. Go through the keyed limiter instead.
 *
 * @typeParam K - the key type (any `Map` key).
 * @typeParam L - the limiter type the factory returns.
 * @example
 * ```ts
 * const perTenant = new KeyedLimiter((tenant: string) => new TokenBucket({ capacity: 5, refillPerSecond: 1 }));
 * perTenant.acquireNowait('tenant-42', 5); //=> true
 * perTenant.acquireNowait('tenant-42'); //=> false
 * perTenant.acquireNowait('tenant-7'); //=> true (its own bucket)
 * await perTenant.acquire('tenant-42'); // about 1 s later
 * ```
 */
export class KeyedLimiter<K = string, L extends RateLimiter = RateLimiter> {
  /** The clock given in the options. */
  readonly clock: Clock;
  /** The most keys held at once. */
  readonly maxKeys: number;
  readonly #factory: (key: K) => L;
  readonly #limiters = new Map<K, L>();
  readonly #timers: TimerGroup;
  #cursor: Iterator<[K, L]> | undefined;
  /** Keys a sweep found idle once: the next sweep that finds them idle again drops them. */
  readonly #idleOnce = new Set<K>();
  /** When the last refused new key found no room: milliseconds until a held key is idle. */
  #roomIn = 0;

  /**
   * @param factory - makes the limiter for a key, called on its first use (and again after it
   * was dropped). It must return a {@link RateLimiter}.
   * @param options - `maxKeys`, `clock`.
   * @throws TypeError when `factory` is not a function, or for a bad or unknown option.
   * @throws RangeError when `maxKeys` is not a number >= 1.
   */
  constructor(factory: (key: K) => L, options?: KeyedLimiterOptions) {
    if (typeof factory !== 'function') invalid('factory', 'a function (key) => RateLimiter', factory);
    const { maxKeys = Infinity, clock = systemClock } = checkOptions('KeyedLimiter options', options, OPTION_NAMES);
    checkNumber('maxKeys', maxKeys, 'a number >= 1', 1, Infinity);
    this.#factory = factory;
    this.maxKeys = maxKeys;
    this.clock = checkClock('clock', clock);
    this.#timers = createTimerGroup(clock);
  }

  /** Keys held now. */
  get size(): number {
    return this.#limiters.size;
  }

  /**
   * The limiter of `key`, created when missing.
   *
   * @throws RateLimitError (`reason: 'max-keys'`) when `maxKeys` keys are held and none is idle.
   * @throws TypeError when the factory does not return a RateLimiter.
   */
  get(key: K): L {
    const limiter = this.#limiters.get(key) ?? this.#create(key);
    if (limiter === undefined) throw this.#full(key);
    return limiter;
  }

  /** The limiter of `key` if held, without creating one. */
  peek(key: K): L | undefined {
    return this.#limiters.get(key);
  }

  /**
   * Forgets `key`. Its waiters, if any, are still served by the forgotten limiter; the next call
   * for the key gets a fresh one.
   *
   * @returns whether the key was held.
   */
  delete(key: K): boolean {
    this.#idleOnce.delete(key);
    return this.#limiters.delete(key);
  }

  /** Forgets every key (waiters are still served, as with {@link KeyedLimiter.delete}). */
  clear(): void {
    this.#limiters.clear();
    this.#idleOnce.clear();
    this.#cursor = undefined;
  }

  /**
   * Drops every idle key now, instead of lazily.
   *
   * @returns how many keys were dropped.
   */
  prune(): number {
    let dropped = 0;
    for (const [key, limiter] of this.#limiters) {
      if (limiter.idle) {
        this.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /**
   * Takes `cost` tokens from `key`'s limiter if it can now; see {@link RateLimiter.acquireNowait}.
   *
   * @returns `true` when taken; `false` when not, also when `maxKeys` keys are busy and `key`
   * is not one of them.
   * @throws TypeError / RangeError for a bad cost.
   */
  acquireNowait(key: K, cost = 1): boolean {
    const limiter = this.#limiters.get(key) ?? this.#create(key);
    return limiter !== undefined && limiter.acquireNowait(cost);
  }

  /**
   * Waits for `cost` tokens of `key`'s limiter; see {@link RateLimiter.acquire}. A
   * {@link RateLimitError} it rejects with names the key.
   *
   * @throws (rejects) RateLimitError (`reason: 'max-keys'`) when `maxKeys` keys are busy.
   */
  acquire(key: K, cost = 1, options?: AcquireOptions): Promise<void> {
    let limiter: L | undefined;
    try {
      limiter = this.#limiters.get(key) ?? this.#create(key);
    } catch (error) {
      return Promise.reject(error);
    }
    if (limiter === undefined) return Promise.reject(this.#full(key));
    if (!(limiter instanceof BaseRateLimiter)) return limiter.acquire(cost, options);
    return acquireForKey(limiter, key, cost, options, limiter.clock === this.clock ? this.#timers : undefined);
  }

  /**
   * Milliseconds a call for `key` made now would wait; see {@link RateLimiter.timeToAvailable}.
   * A key not held answers as a fresh limiter would; when `maxKeys` busy keys leave no room
   * for it, the time until one of them is idle.
   */
  timeToAvailable(key: K, cost = 1): number {
    const limiter = this.#limiters.get(key) ?? this.#create(key);
    return limiter === undefined ? this.#roomIn : limiter.timeToAvailable(cost);
  }

  /** Creates the limiter of a new key, making room first; `undefined` when there is none. */
  #create(key: K): L | undefined {
    const limiters = this.#limiters;
    this.#sweep();
    if (limiters.size >= this.maxKeys && !this.#evictOne()) return undefined;
    const limiter = this.#factory(key);
    if (!isRateLimiter(limiter)) invalid('factory(key)', 'a RateLimiter', limiter);
    limiters.set(key, limiter);
    return limiter;
  }

  /**
   * Looks at the next {@link SWEEP_STEP} keys from where the last sweep stopped and drops those
   * found idle twice in a row (a key just created and not used yet survives one pass).
   */
  #sweep(): void {
    const limiters = this.#limiters;
    const now = this.clock.now();
    for (let i = 0; i < SWEEP_STEP && limiters.size > 0; i++) {
      let next = (this.#cursor ??= limiters.entries()).next();
      if (next.done === true) {
        // Wrapped around: start again from the oldest key.
        this.#cursor = limiters.entries();
        next = this.#cursor.next();
        if (next.done === true) break;
      }
      const [key, limiter] = next.value;
      if (!this.#isIdle(limiter, now)) this.#idleOnce.delete(key);
      else if (this.#idleOnce.has(key)) this.delete(key);
      else this.#idleOnce.add(key);
    }
  }

  /**
   * Makes room when `maxKeys` keys are held: drops the oldest idle key at once, or else
   * records in {@link KeyedLimiter.#roomIn} when one will be idle. One pass, one clock read.
   *
   * @returns whether a key was dropped.
   */
  #evictOne(): boolean {
    const now = this.clock.now();
    let victim: { key: K } | undefined;
    let soonest = Infinity;
    this.#limiters.forEach((limiter, key) => {
      if (victim !== undefined) return;
      if (this.#isIdle(limiter, now)) victim = { key };
      else soonest = Math.min(soonest, this.#timeToIdle(limiter, now));
    });
    if (victim !== undefined) return this.delete(victim.key);
    this.#roomIn = soonest;
    return false;
  }

  #isIdle(limiter: L, now: number): boolean {
    return limiter instanceof BaseRateLimiter && limiter.clock === this.clock ? idleAt(limiter, now) : limiter.idle;
  }

  /** Milliseconds until `limiter` is full again with its queue served. */
  #timeToIdle(limiter: L, now: number): number {
    return limiter instanceof BaseRateLimiter && limiter.clock === this.clock
      ? timeToAvailableFor(limiter, limiter.capacity, now)
      : limiter.timeToAvailable(limiter.capacity);
  }

  /** The refusal of a new key when `maxKeys` busy keys leave no room. */
  #full(key: K): RateLimitError {
    return new RateLimitError(`Rate limit: ${this.maxKeys} keys are busy, none can be dropped for a new key`, {
      reason: 'max-keys',
      retryAfter: this.#roomIn,
      key,
    });
  }
}

function isRateLimiter(value: unknown): value is RateLimiter {
  const candidate = value as Partial<RateLimiter> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.acquire === 'function' &&
    typeof candidate.acquireNowait === 'function' &&
    typeof candidate.timeToAvailable === 'function' &&
    typeof candidate.pause === 'function'
  );
}
