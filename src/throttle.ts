import PQueue from 'p-queue';
import { unwatch, watch, type Abortable } from './abort-watch.js';
import { RateLimitError } from './errors.js';
import { KeyedLimiter } from './keyed-limiter.js';
import { BaseRateLimiter, grantAt, grantNowFor, isRateLimiter, type AcquireOptions, type RateLimiter } from './rate-limiter.js';
import { checkNumber, checkOptions, invalid } from './validate.js';

/**
 * What a throttled call does when no token is there: `'wait'` for it, or `'reject'` at once
 * with a {@link RateLimitError} (`reason: 'rejected'`).
 *
 * @example
 * ```ts
 * const mode: ThrottleMode = 'reject';
 * ```
 */
export type ThrottleMode = 'wait' | 'reject';

/**
 * Any function; `this` and parameters are kept by {@link throttle}.
 *
 * @example
 * ```ts
 * const fn: AnyFunction = (a: number) => a * 2;
 * ```
 */
export type AnyFunction = (this: any, ...args: any[]) => any;

/**
 * The function {@link throttle} returns: `fn`'s `this` and parameters, and a promise of what
 * `fn` returns (a promise-returning `fn` keeps its result type).
 *
 * @example
 * ```ts
 * const get: Throttled<(id: number) => Promise<string>> = throttle(async (id: number) => `#${id}`, { limiter });
 * await get(1); //=> '#1'
 * ```
 */
export type Throttled<F extends AnyFunction> = (this: ThisParameterType<F>, ...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>;

/**
 * Options of {@link throttle} shared by plain and keyed limiters.
 *
 * @example
 * ```ts
 * const common: ThrottleCommonOptions<(q: string) => Promise<unknown>> = { cost: (q) => (q.length > 100 ? 2 : 1), maxWait: 5_000 };
 * ```
 */
export interface ThrottleCommonOptions<F extends AnyFunction> {
  /**
   * Tokens a call takes: a number, or a function of the call's arguments returning one, from 0
   * to the limiter's capacity. Default `1`.
   */
  cost?: number | ((...args: Parameters<F>) => number) | undefined;
  /**
   * `'wait'` (default): a call waits for its tokens. `'reject'`: a call that finds no token
   * rejects at once with a {@link RateLimitError} (`reason: 'rejected'`, `retryAfter` in ms)
   * and `fn` is not called.
   */
  mode?: ThrottleMode | undefined;
  /**
   * The longest wait for tokens, in ms, default `Infinity`. A call whose predicted wait is
   * longer rejects at once with a {@link RateLimitError} (`reason: 'max-wait'`). The wait for
   * a concurrency slot is not counted.
   */
  maxWait?: number | undefined;
  /** Higher is served first, for tokens and for concurrency slots; default `0`. */
  priority?: number | undefined;
  /**
   * Aborts every call of this wrapper that waits (for a slot or for tokens): each rejects
   * with `signal.reason` and leaves no trace. Calls already running `fn` finish. Once
   * aborted, new calls reject at once.
   */
  signal?: AbortSignal | undefined;
  /**
   * The most calls running `fn` at once, default `Infinity`; per key with a `KeyedLimiter`.
   * A call first takes a slot, then its tokens, then calls `fn`, and gives the slot back when
   * `fn` settles, so a call waiting for a slot holds no token.
   */
  maxConcurrent?: number | undefined;
}

/**
 * {@link throttle} options with one {@link RateLimiter} for every call.
 *
 * @example
 * ```ts
 * const options: ThrottleLimiterOptions<typeof fetchUser> = { limiter: new TokenBucket({ capacity: 5, refillPerSecond: 5 }) };
 * ```
 */
export interface ThrottleLimiterOptions<F extends AnyFunction> extends ThrottleCommonOptions<F> {
  /** The limiter every call takes its tokens from. */
  limiter: RateLimiter;
  /** Not with a plain limiter: it has one bucket for all calls. */
  key?: undefined;
}

/**
 * {@link throttle} options with a {@link KeyedLimiter}: each call is charged to the limiter
 * of `key(...args)`.
 *
 * @example
 * ```ts
 * const options: ThrottleKeyedOptions<(tenant: string) => Promise<void>, string> = {
 *   limiter: new KeyedLimiter(() => new TokenBucket({ capacity: 5, refillPerSecond: 1 })),
 *   key: (tenant) => tenant,
 * };
 * ```
 */
export interface ThrottleKeyedOptions<F extends AnyFunction, K> extends ThrottleCommonOptions<F> {
  /** The keyed limiter; a call takes its tokens from `limiter.get(key(...args))`. */
  limiter: KeyedLimiter<K, any>;
  /** The key of a call, from its arguments. Required with a `KeyedLimiter`. */
  key: (...args: Parameters<F>) => K;
}

/**
 * Options of {@link throttle}: a plain limiter, or a keyed one with its `key` function.
 *
 * @example
 * ```ts
 * const options: ThrottleOptions<typeof search> = { limiter: bucket, mode: 'reject' };
 * ```
 */
export type ThrottleOptions<F extends AnyFunction, K = any> = ThrottleLimiterOptions<F> | ThrottleKeyedOptions<F, K>;

const OPTION_NAMES = ['limiter', 'key', 'cost', 'mode', 'maxWait', 'priority', 'signal', 'maxConcurrent'] as const;

/**
 * Wraps `fn` so every call first takes its tokens from a limiter — waiting for them, or
 * failing fast — and, with `maxConcurrent`, a concurrency slot. The wrapper keeps `fn`'s
 * parameters and `this`, and returns a promise of `fn`'s result; an error `fn` throws (or its
 * promise rejects with) rejects the call.
 *
 * When the tokens are there and no slot is needed, `fn` is called at once, synchronously,
 * without a timer or an extra promise.
 *
 * @param fn - the function to throttle (sync or async).
 * @param options - `limiter` (required), `key` (required with a `KeyedLimiter`), `cost`,
 * `mode`, `maxWait` (ms), `priority`, `signal`, `maxConcurrent`; see {@link ThrottleCommonOptions}.
 * @returns the throttled function.
 * @throws TypeError when `fn` is not a function, `limiter` is missing or not a limiter, `key`
 * is missing with a `KeyedLimiter` or given with a plain one, or an option has the wrong type
 * or is unknown.
 * @throws RangeError when `maxWait` is negative, `priority` not finite, `maxConcurrent` below 1,
 * or a fixed `cost` outside 0 to the capacity.
 * @throws (rejects) `signal.reason` when the wrapper's signal aborts a waiting call.
 * @throws (rejects) {@link RateLimitError} in `'reject'` mode when no token is there, and when
 * `maxWait` cannot be met.
 * @example
 * ```ts
 * const perTenant = new KeyedLimiter(() => new TokenBucket({ capacity: 2, refillPerSecond: 1 }));
 * const report = throttle(api.report.bind(api), { limiter: perTenant, key: (tenant) => tenant, maxConcurrent: 1 });
 * await report('acme'); // at once
 * await report('acme'); // at once (a burst of 2)
 * await report('acme'); // about 1 s later
 * ```
 */
export function throttle<F extends AnyFunction, K>(fn: F, options: ThrottleOptions<F, K>): Throttled<F> {
  if (typeof fn !== 'function') invalid('fn', 'a function', fn);
  const { key: keyOf, cost = 1, mode = 'wait', maxWait, priority, signal, maxConcurrent = Infinity, limiter } = checkOptions(
    'throttle options',
    options as ThrottleCommonOptions<F> & { limiter?: unknown; key?: unknown },
    OPTION_NAMES,
  );
  const keyed = checkLimiter(limiter, keyOf);
  if (typeof cost === 'number') {
    const capacity = keyed ? Infinity : (limiter as RateLimiter).capacity;
    checkNumber('cost', cost, `a number from 0 to the capacity ${capacity}`, 0, capacity);
  } else if (typeof cost !== 'function') {
    invalid('cost', 'a number or a function (...args) => number', cost);
  }
  if (signal !== undefined && !isAbortSignal(signal)) invalid('signal', 'an AbortSignal', signal);
  const gate = createGate({
    limiter: limiter as RateLimiter | KeyedLimiter<unknown>,
    keyed,
    mode,
    maxWait,
    priority,
    maxConcurrent,
  });

  const fixedCost = typeof cost === 'number' ? cost : -1;
  const costOf = cost as (...args: Parameters<F>) => number;
  const key = keyOf as ((...args: Parameters<F>) => unknown) | undefined;
  const plain = keyed ? undefined : (limiter as RateLimiter);
  const run = gate.run;

  let throttled: Throttled<F>;
  if (gate.direct && plain !== undefined && fixedCost >= 0) {
    // The common case, kept lean: one limiter, one cost (checked above), no slots. A limiter of
    // this package is asked once, at one reading of its clock, and a call that must wait counts
    // no refusal; any other limiter is asked `timeToAvailable` first for the same reason.
    const base = plain instanceof BaseRateLimiter ? plain : undefined;
    const clock = base?.clock;
    throttled = function (this: ThisParameterType<F>): Promise<Awaited<ReturnType<F>>> {
      // `arguments` instead of rest parameters: no array is made on the fast path.
      const args = arguments as unknown as Parameters<F>;
      if (signal === undefined || !signal.aborted) {
        try {
          if (
            base !== undefined
              ? grantAt(base, fixedCost, clock!.now())
              : plain.timeToAvailable(fixedCost) === 0 && plain.acquireNowait(fixedCost)
          ) {
            return Promise.resolve(fn.apply(this, args) as ReturnType<F>);
          }
        } catch (error) {
          return Promise.reject(error);
        }
      }
      return run(undefined, fixedCost, signal, () => fn.apply(this, args) as ReturnType<F>);
    };
  } else {
    const ready = gate.direct ? gate.ready : undefined;
    throttled = function (this: ThisParameterType<F>, ...args: Parameters<F>): Promise<Awaited<ReturnType<F>>> {
      let k: unknown;
      let c: number;
      try {
        k = key === undefined ? undefined : key(...args);
        c = fixedCost >= 0 ? fixedCost : costOf(...args);
        if (ready !== undefined && (signal === undefined || !signal.aborted) && ready(k, c)) {
          return Promise.resolve(fn.apply(this, args) as ReturnType<F>);
        }
      } catch (error) {
        return Promise.reject(error);
      }
      return run(k, c, signal, () => fn.apply(this, args) as ReturnType<F>);
    };
  }
  gates.set(throttled, gate);
  return throttled;
}

const gates = new WeakMap<AnyFunction, Gate>();

/**
 * The {@link Gate} behind a function {@link throttle} made. Internal to the package (tests).
 *
 * @param throttled - a function `throttle` returned.
 * @returns its gate, `undefined` for any other function.
 * @example
 * ```ts
 * gateOf(throttle(fn, { limiter, maxConcurrent: 2 }))!.queues; //=> 0
 * ```
 */
export function gateOf(throttled: AnyFunction): Gate | undefined {
  return gates.get(throttled);
}

/** Whether `limiter` is keyed; throws when it is no limiter or `key` does not fit it. */
function checkLimiter(limiter: unknown, key: unknown): boolean {
  const keyed = isKeyedLimiter(limiter);
  if (!keyed && !isRateLimiter(limiter)) invalid('limiter', 'a RateLimiter or a KeyedLimiter', limiter);
  if (keyed && typeof key !== 'function') invalid('key', 'a function (...args) => key, required with a KeyedLimiter', key);
  if (!keyed && key !== undefined) invalid('key', 'omitted with a plain RateLimiter (it has one bucket for all calls)', key);
  return keyed;
}

/**
 * Whether `value` is a `KeyedLimiter`, also one from another copy of this package. Internal.
 *
 * @param value - anything.
 * @returns `true` for a keyed limiter.
 * @example
 * ```ts
 * isKeyedLimiter(new KeyedLimiter(() => bucket)); //=> true
 * ```
 */
export function isKeyedLimiter(value: unknown): value is KeyedLimiter<unknown> {
  if (value instanceof KeyedLimiter) return true;
  const candidate = value as Partial<KeyedLimiter<unknown>> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.get === 'function' &&
    typeof candidate.peek === 'function' &&
    typeof candidate.prune === 'function' &&
    typeof candidate.acquire === 'function'
  );
}

function isAbortSignal(value: unknown): value is AbortSignal {
  const candidate = value as Partial<AbortSignal> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.addEventListener === 'function' && 'aborted' in candidate;
}

/** How a {@link Gate} admits calls. Checked here, except `limiter`, which the caller checks. */
export interface GateOptions {
  limiter: RateLimiter | KeyedLimiter<unknown>;
  keyed: boolean;
  mode: unknown;
  maxWait: unknown;
  priority: unknown;
  maxConcurrent: unknown;
}

/**
 * The admission of calls, shared by {@link throttle} and `throttleFetch`: a concurrency slot
 * per key (p-queue, created on demand and dropped once empty), then tokens, then the task.
 */
export interface Gate {
  /**
   * Takes a slot, then `cost` tokens of `key`, then runs `task`; the slot is held until the
   * task settles. `wait` makes the call wait for its tokens even in `'reject'` mode. Never
   * throws.
   */
  run<T>(key: unknown, cost: number, signal: AbortSignal | undefined, task: () => T, wait?: boolean): Promise<Awaited<T>>;
  /** `true` when no slot is needed and calls wait for tokens: `ready` may then admit a call. */
  readonly direct: boolean;
  /**
   * Takes the tokens of a call now if they are there and nobody waits for them, without
   * counting a refusal when they are not. Throws for a bad cost.
   */
  ready(key: unknown, cost: number): boolean;
  /** Keys with a slot queue now (for tests: queues are dropped once empty). */
  readonly queues: number;
}

interface SlotQueue {
  readonly queue: PQueue;
  /** Calls in the queue or running. */
  count: number;
}

/** Ends a call's wait for a slot when its signal aborts, and is let go once the call runs. */
class SlotWait implements Abortable {
  readonly controller = new AbortController();

  abort(reason: unknown): undefined {
    this.controller.abort(reason);
    return undefined;
  }
}

const MODES: readonly string[] = ['wait', 'reject'];

/**
 * Builds a {@link Gate} over a limiter. Internal to the package.
 *
 * @param options - the limiter (checked by the caller) and how calls are admitted.
 * @returns the gate.
 * @throws TypeError / RangeError for a bad `mode`, `maxWait`, `priority` or `maxConcurrent`.
 * @example
 * ```ts
 * const gate = createGate({ limiter: bucket, keyed: false, mode: 'wait', maxWait: undefined, priority: undefined, maxConcurrent: 4 });
 * await gate.run(undefined, 1, undefined, () => send());
 * ```
 */
export function createGate(options: GateOptions): Gate {
  const { limiter, keyed, mode = 'wait', maxWait, priority, maxConcurrent = Infinity } = options;
  if (typeof mode !== 'string' || !MODES.includes(mode)) invalid('mode', "'wait' or 'reject'", mode);
  if (maxWait !== undefined) checkNumber('maxWait', maxWait, 'a number of milliseconds >= 0', 0, Infinity);
  if (priority !== undefined) checkNumber('priority', priority, 'a finite number', -Number.MAX_VALUE, Number.MAX_VALUE);
  checkNumber('maxConcurrent', maxConcurrent, 'a number >= 1 (Infinity for no limit)', 1, Infinity);
  const reject = mode === 'reject';
  const plain = keyed ? undefined : (limiter as RateLimiter);
  const perKey = keyed ? (limiter as KeyedLimiter<unknown>) : undefined;
  const slots = new Map<unknown, SlotQueue>();
  const addOptions = priority === undefined ? {} : { priority: priority as number };

  /** Acquire options for a call with this signal; `undefined` when there are none. */
  const acquireOptions = (signal: AbortSignal | undefined): AcquireOptions | undefined =>
    signal === undefined && maxWait === undefined && priority === undefined
      ? undefined
      : { signal, maxWait: maxWait as number | undefined, priority: priority as number | undefined };
  const fixedOptions = acquireOptions(undefined);

  const nowait = (key: unknown, cost: number): boolean =>
    perKey === undefined ? plain!.acquireNowait(cost) : perKey.acquireNowait(key, cost);
  const timeToAvailable = (key: unknown, cost: number): number =>
    perKey === undefined ? plain!.timeToAvailable(cost) : perKey.timeToAvailable(key, cost);

  // One clock read when the limiter is this package's: no refusal is counted for a call that
  // will wait instead.
  const ready =
    perKey instanceof KeyedLimiter
      ? (key: unknown, cost: number): boolean => {
          const limiter = perKey.get(key);
          return limiter instanceof BaseRateLimiter
            ? grantNowFor(limiter, cost, key, perKey.onEvent)
            : limiter.timeToAvailable(cost) === 0 && perKey.acquireNowait(key, cost);
        }
      : plain instanceof BaseRateLimiter
        ? (_key: unknown, cost: number): boolean => grantNowFor(plain, cost, undefined, undefined)
        : (key: unknown, cost: number): boolean => timeToAvailable(key, cost) === 0 && nowait(key, cost);

  /** Tokens, then the task. */
  const admit = <T>(key: unknown, cost: number, signal: AbortSignal | undefined, task: () => T, wait: boolean): Promise<Awaited<T>> => {
    if (reject && !wait) {
      try {
        if (!nowait(key, cost)) return Promise.reject(refusal(key, cost, timeToAvailable(key, cost)));
        return Promise.resolve(task()) as Promise<Awaited<T>>;
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const options = signal === undefined ? fixedOptions : acquireOptions(signal);
    const granted = perKey === undefined ? plain!.acquire(cost, options) : perKey.acquire(key, cost, options);
    return granted.then(task) as Promise<Awaited<T>>;
  };

  const run = <T>(key: unknown, cost: number, signal: AbortSignal | undefined, task: () => T, wait = false): Promise<Awaited<T>> => {
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    if (maxConcurrent === Infinity) return admit(key, cost, signal, task, wait);
    let slot = slots.get(key);
    if (slot === undefined) {
      slot = { queue: new PQueue({ concurrency: maxConcurrent as number }), count: 0 };
      slots.set(key, slot);
    }
    const held = slot;
    held.count++;
    const release = (): void => {
      if (--held.count === 0 && slots.get(key) === held) slots.delete(key);
    };
    // The queue sees a signal of its own that aborts only while the call waits for a slot:
    // once running, the call keeps its slot until the task settles.
    let slotWait: SlotWait | undefined;
    if (signal !== undefined) {
      slotWait = new SlotWait();
      watch(signal, slotWait);
    }
    const added = held.queue.add(
      () => {
        if (slotWait !== undefined) unwatch(signal!, slotWait);
        return admit(key, cost, signal, task, wait);
      },
      slotWait === undefined ? addOptions : { ...addOptions, signal: slotWait.controller.signal },
    ) as Promise<Awaited<T>>;
    return added.then(
      (value) => {
        release();
        return value;
      },
      (error: unknown) => {
        release();
        throw error;
      },
    );
  };

  return {
    run,
    direct: maxConcurrent === Infinity && !reject,
    ready,
    get queues() {
      return slots.size;
    },
  };
}

/** The refusal of a call in `'reject'` mode. */
function refusal(key: unknown, cost: number, retryAfter: number): RateLimitError {
  const when = retryAfter === Infinity ? 'never' : `in ${Math.ceil(retryAfter)} ms`;
  return new RateLimitError(`Rate limit: no token for a cost of ${cost} now (mode 'reject'); available ${when}`, {
    reason: 'rejected',
    retryAfter,
    key,
  });
}
