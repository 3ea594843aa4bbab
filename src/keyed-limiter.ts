import { systemClock, type Clock } from './clock.js';
import { RateLimitError } from './errors.js';
import {
  acquireForKey,
  BaseRateLimiter,
  idleAt,
  isRateLimiter,
  nowaitForKey,
  pauseForKey,
  report,
  reserveForKey,
  timeToAvailableFor,
  type AcquireOptions,
  type LimiterEvent,
  type RateLimiter,
  type Reservation,
  type ReserveOptions,
} from './rate-limiter.js';
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
  /**
   * Called on every grant, wait, refusal, abort and pause of every key's limiter, with the key
   * in `event.key` (see {@link LimiterEvent}). Unset, it costs nothing. Limiters that are not
   * built on `BaseRateLimiter` report only `acquireNowait` and `pause` through it.
   */
  onEvent?: ((event: LimiterEvent) => void) | undefined;
}

/**
 * Counters of a {@link KeyedLimiter} since it was created.
 *
 * @example
 * ```ts
 * perTenant.stats; //=> { created: 120, dropped: 100, live: 20 }
 * ```
 */
export interface KeyedLimiterStats {
  /** Limiters the factory made (a key dropped and used again counts again). */
  readonly created: number;
  /** Keys let go: idle ones swept or evicted, `prune`, `delete`, `clear`. */
  readonly dropped: number;
  /** Keys held now (`created - dropped`). */
  readonly live: number;
}

const OPTION_NAMES = ['maxKeys', 'clock', 'onEvent'] as const;

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
  readonly #onEvent: ((event: LimiterEvent) => void) | undefined;
  #created = 0;
  #dropped = 0;

  /**
   * @param factory - makes the limiter for a key, called on its first use (and again after it
   * was dropped). It must return a {@link RateLimiter}.
   * @param options - `maxKeys`, `clock`, `onEvent`.
   * @throws TypeError when `factory` is not a function, or for a bad or unknown option.
   * @throws RangeError when `maxKeys` is not a number >= 1.
   */
  constructor(factory: (key: K) => L, options?: KeyedLimiterOptions) {
    if (typeof factory !== 'function') invalid('factory', 'a function (key) => RateLimiter', factory);
    const { maxKeys = Infinity, clock = systemClock, onEvent } = checkOptions('KeyedLimiter options', options, OPTION_NAMES);
    checkNumber('maxKeys', maxKeys, 'a number >= 1', 1, Infinity);
    if (onEvent !== undefined && typeof onEvent !== 'function') invalid('onEvent', 'a function (event) => void', onEvent);
    this.#onEvent = onEvent;
    this.#factory = factory;
    this.maxKeys = maxKeys;
    this.clock = checkClock('clock', clock);
    this.#timers = createTimerGroup(clock);
  }

  /** The `onEvent` listener given in the options, if any. */
  get onEvent(): ((event: LimiterEvent) => void) | undefined {
    return this.#onEvent;
  }

  /** Keys held now. */
  get size(): number {
    return this.#limiters.size;
  }

  /** Keys created, dropped and held since creation (a snapshot). */
  get stats(): KeyedLimiterStats {
    return { created: this.#created, dropped: this.#dropped, live: this.#limiters.size };
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
    if (!this.#limiters.delete(key)) return false;
    this.#dropped++;
    return true;
  }

  /** Forgets every key (waiters are still served, as with {@link KeyedLimiter.delete}). */
  clear(): void {
    this.#dropped += this.#limiters.size;
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
    return limiter !== undefined && this.#nowaitOn(limiter, key, cost);
  }

  /** `acquireNowait` on a key's limiter, its events naming the key. */
  #nowaitOn(limiter: L, key: K, cost: number): boolean {
    if (limiter instanceof BaseRateLimiter) return nowaitForKey(limiter, key, cost, this.#onEvent);
    const granted = limiter.acquireNowait(cost);
    if (this.#onEvent !== undefined) {
      report(this.#onEvent, { type: granted ? 'granted' : 'rejected', limiter, key, cost, wait: granted ? 0 : limiter.timeToAvailable(cost) });
    }
    return granted;
  }

  /**
   * Takes `cost` tokens from the first of `keys` whose limiter can grant them now — the
   * "several API keys, one job" case. Keys are tried in the order given: pass them rotated to
   * spread the load.
   *
   * @param keys - the candidates, at least one.
   * @param cost - tokens; default 1.
   * @returns the key granted, or `undefined` when none can grant now.
   * @throws TypeError when `keys` is not an iterable; RangeError when it is empty.
   * @example
   * ```ts
   * const perApiKey = new KeyedLimiter(() => new TokenBucket({ capacity: 1, refillPerSecond: 1 }));
   * perApiKey.acquireNowaitAny(['key-a', 'key-b']); //=> 'key-a'
   * perApiKey.acquireNowaitAny(['key-a', 'key-b']); //=> 'key-b'
   * perApiKey.acquireNowaitAny(['key-a', 'key-b']); //=> undefined
   * ```
   */
  acquireNowaitAny(keys: Iterable<K>, cost = 1): K | undefined {
    let first: K | undefined;
    let any = false;
    let fits = false;
    for (const key of checkKeys(keys)) {
      if (!any) first = key;
      any = true;
      const limiter = this.#limiters.get(key) ?? this.#create(key);
      if (limiter === undefined || !(cost <= limiter.capacity)) continue;
      fits = true;
      if (this.#nowaitOn(limiter, key, cost)) return key;
    }
    if (!any) invalid('keys', 'a non-empty iterable of keys', keys, RangeError);
    // No key can ever take the cost: let the first one say why.
    if (!fits) this.acquireNowait(first as K, cost);
    return undefined;
  }

  /**
   * Waits for `cost` tokens from whichever of `keys` can serve soonest, and resolves with that
   * key. The choice is made at the call, by the waits predicted then (ties go to the earlier
   * key); the caller then waits on that key alone, so nothing is taken from the others.
   *
   * @param keys - the candidates, at least one.
   * @param cost - tokens; default 1.
   * @param options - as for {@link KeyedLimiter.acquire}; `maxWait` applies to the chosen key.
   * @returns a promise of the key granted.
   * @throws (rejects) as {@link KeyedLimiter.acquire}; `'max-keys'` only when no candidate
   * fits; TypeError / RangeError for `keys` that is not a non-empty iterable.
   * @example
   * ```ts
   * const perApiKey = new KeyedLimiter(() => new TokenBucket({ capacity: 10, refillPerSecond: 1 }));
   * const apiKey = await perApiKey.acquireAny(['key-a', 'key-b']); //=> 'key-a'
   * ```
   */
  acquireAny(keys: Iterable<K>, cost = 1, options?: AcquireOptions): Promise<K> {
    let best: K | undefined;
    let bestWait = Infinity;
    let found = false;
    let fits = false;
    try {
      const now = this.clock.now();
      const priority = options?.priority ?? 0;
      for (const key of checkKeys(keys)) {
        const limiter = this.#limiters.get(key) ?? this.#create(key);
        if (!found) best = key;
        found = true;
        if (limiter === undefined || !(cost <= limiter.capacity)) continue;
        const wait =
          limiter instanceof BaseRateLimiter && limiter.clock === this.clock && typeof priority === 'number'
            ? timeToAvailableFor(limiter, cost, now, priority)
            : limiter.timeToAvailable(cost);
        if (!fits || wait < bestWait) {
          best = key;
          bestWait = wait;
          fits = true;
        }
        if (wait === 0) break;
      }
      if (!found) invalid('keys', 'a non-empty iterable of keys', keys, RangeError);
    } catch (error) {
      return Promise.reject(error);
    }
    const key = best as K;
    return this.acquire(key, cost, options).then(() => key);
  }

  /**
   * Books `cost` tokens of `key`'s limiter; see {@link RateLimiter.reserve}.
   *
   * @throws RateLimitError (`reason: 'max-keys'`) when `maxKeys` keys are busy.
   */
  reserve(key: K, cost = 1, options?: ReserveOptions): Reservation {
    const limiter = this.get(key);
    if (!(limiter instanceof BaseRateLimiter)) return limiter.reserve(cost, options);
    return reserveForKey(limiter, key, cost, options, limiter.clock === this.clock ? this.#timers : undefined, this.#onEvent);
  }

  /**
   * Pauses `key`'s limiter for `ms` milliseconds; see {@link RateLimiter.pause}. This is how a
   * server's "slow down" for one key is applied.
   *
   * @throws RateLimitError (`reason: 'max-keys'`) when `maxKeys` keys are busy.
   * @throws TypeError / RangeError when `ms` is not a number >= 0.
   */
  pause(key: K, ms: number): void {
    const limiter = this.get(key);
    if (limiter instanceof BaseRateLimiter) {
      pauseForKey(limiter, key, ms, this.#onEvent);
    } else {
      limiter.pause(ms);
      if (this.#onEvent !== undefined) report(this.#onEvent, { type: 'paused', limiter, key, cost: 0, wait: ms });
    }
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
    return acquireForKey(limiter, key, cost, options, limiter.clock === this.clock ? this.#timers : undefined, this.#onEvent);
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
    this.#created++;
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


function checkKeys<K>(keys: Iterable<K>): Iterable<K> {
  if (typeof (keys as Partial<Iterable<K>> | null)?.[Symbol.iterator] !== 'function' || typeof keys === 'string') {
    invalid('keys', 'an iterable of keys (an array, a Set…)', keys);
  }
  return keys;
}
