import { describe, expect, test } from 'vitest';
import { isRateLimitError, KeyedLimiter, RateLimitError, throttle, TokenBucket, type RateLimiter } from '../src/index.js';
import { createManualClock, type ManualClock } from '../src/testing.js';
import { gateOf } from '../src/throttle.js';
import { rejection, track } from './settle.js';

function bucket(clock: ManualClock, capacity = 2, refillPerSecond = 1): TokenBucket {
  return new TokenBucket({ capacity, refillPerSecond, clock });
}

function perKey(clock: ManualClock, capacity = 2, refillPerSecond = 1): KeyedLimiter<string, TokenBucket> {
  return new KeyedLimiter((_key: string) => new TokenBucket({ capacity, refillPerSecond, clock }), { clock });
}

/** A promise settled from outside, for calls that stay in flight until a test ends them. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Flushes promise callbacks (p-queue frees a slot a microtask after a task settles). */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await undefined;
}

describe('throttle: wait mode', () => {
  test('calls go through at once while tokens are there, then wait for the refill', async () => {
    const clock = createManualClock();
    const calls: [number, number][] = [];
    const fn = throttle(async (n: number) => (calls.push([n, clock.now()]), n * 10), { limiter: bucket(clock) });
    const results = [fn(1), fn(2), fn(3), fn(4)];
    await clock.advance(0);
    expect(calls).toEqual([
      [1, 0],
      [2, 0],
    ]);
    await clock.advance(999);
    expect(calls).toHaveLength(2);
    await clock.advance(1);
    expect(calls).toEqual([
      [1, 0],
      [2, 0],
      [3, 1000],
    ]);
    await clock.advance(1000);
    expect(calls.map(([, at]) => at)).toEqual([0, 0, 1000, 2000]);
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
  });

  test('with tokens there, fn is called synchronously, sets no timer, and its promise is returned as is', async () => {
    const clock = createManualClock();
    let called = false;
    const result = Promise.resolve('x');
    const fn = throttle(() => ((called = true), result), { limiter: bucket(clock) });
    const returned = fn();
    expect(called).toBe(true);
    expect(returned).toBe(result);
    expect(clock.pendingTimers).toBe(0);
  });

  test('a synchronous fn gets its result wrapped in a promise', async () => {
    const clock = createManualClock();
    const fn = throttle((a: number, b: number) => a + b, { limiter: bucket(clock) });
    const returned = fn(1, 2);
    expect(returned).toBeInstanceOf(Promise);
    expect(await returned).toBe(3);
  });

  test('cost: a fixed number or a function of the arguments', async () => {
    const clock = createManualClock();
    const limiter = bucket(clock, 10, 1);
    const byLength = throttle(async (items: string[]) => items.length, { limiter, cost: (items) => items.length });
    await byLength(['a', 'b', 'c']);
    expect(limiter.available).toBe(7);
    const heavy = throttle(async () => 'ok', { limiter, cost: 5 });
    await heavy();
    expect(limiter.available).toBe(2);
    const pending = track(heavy());
    await clock.advance(2_999);
    expect(pending.settled).toBe(false);
    await clock.advance(1);
    expect(pending).toEqual({ settled: true, value: 'ok' });
  });

  test('a cost the limiter refuses rejects with its RangeError, fn not called', async () => {
    const clock = createManualClock();
    let called = 0;
    const fn = throttle(async (n: number) => void called++, { limiter: bucket(clock), cost: (n) => n });
    expect(await rejection(fn(3))).toBeInstanceOf(RangeError);
    expect(await rejection(fn(-1))).toBeInstanceOf(RangeError);
    expect(called).toBe(0);
  });

  test('a call that waits counts no refusal in the limiter', async () => {
    const clock = createManualClock();
    const limiter = bucket(clock, 1, 1);
    const fn = throttle(async () => 'ok', { limiter });
    const results = [fn(), fn(), fn()];
    await clock.advance(2_000);
    expect(await Promise.all(results)).toEqual(['ok', 'ok', 'ok']);
    expect(limiter.stats).toMatchObject({ granted: 3, rejected: 0 });
  });

  test("the limiter's events: a grant per call, a wait is queued, never a refusal", async () => {
    const clock = createManualClock();
    const events: string[] = [];
    const limiter = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock, onEvent: (event) => events.push(event.type) });
    const fn = throttle(async () => 'ok', { limiter });
    const calls = [fn(), fn()];
    await clock.advance(1_000);
    await Promise.all(calls);
    expect(events).toEqual(['granted', 'queued', 'granted']);
  });

  test('priority: higher priority waiters of the same limiter go first', async () => {
    const clock = createManualClock();
    const limiter = bucket(clock, 1, 1);
    const order: string[] = [];
    const low = throttle(async (name: string) => void order.push(name), { limiter });
    const high = throttle(async (name: string) => void order.push(name), { limiter, priority: 5 });
    await low('first');
    const all = [low('low-1'), low('low-2'), high('high')];
    await clock.advance(3_000);
    await Promise.all(all);
    expect(order).toEqual(['first', 'high', 'low-1', 'low-2']);
  });
});

describe('throttle: reject mode', () => {
  test('no token: rejects at once with RateLimitError reason rejected and retryAfter, fn not called', async () => {
    const clock = createManualClock();
    const limiter = bucket(clock, 2, 4);
    let called = 0;
    const fn = throttle(async () => ++called, { limiter, mode: 'reject' });
    expect(await fn()).toBe(1);
    expect(await fn()).toBe(2);
    await clock.advance(100);
    const error = await rejection(fn());
    expect(error).toBeInstanceOf(RateLimitError);
    expect(isRateLimitError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'RateLimitError', reason: 'rejected', retryAfter: 150, key: undefined });
    expect(called).toBe(2);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(150);
    expect(await fn()).toBe(3);
  });

  test('with a KeyedLimiter the refusal names the key; other keys are not affected', async () => {
    const clock = createManualClock();
    const fn = throttle(async (tenant: string) => tenant, { limiter: perKey(clock, 1, 1), key: (tenant) => tenant, mode: 'reject' });
    expect(await fn('a')).toBe('a');
    expect(await rejection(fn('a'))).toMatchObject({ reason: 'rejected', retryAfter: 1000, key: 'a' });
    expect(await fn('b')).toBe('b');
  });
});

describe('throttle: maxWait', () => {
  test('a predicted wait over maxWait rejects at once (max-wait), fn not called, no token taken', async () => {
    const clock = createManualClock();
    const limiter = bucket(clock, 1, 1);
    let called = 0;
    const fn = throttle(async () => ++called, { limiter, maxWait: 500 });
    await fn();
    const error = await rejection(fn());
    expect(error).toMatchObject({ name: 'RateLimitError', reason: 'max-wait', retryAfter: 1000 });
    expect(called).toBe(1);
    expect(limiter.stats.waiting).toBe(0);
    await clock.advance(1_000);
    expect(limiter.available).toBe(1);
    expect(await fn()).toBe(2);
  });

  test('a wait within maxWait is waited', async () => {
    const clock = createManualClock();
    const fn = throttle(async () => clock.now(), { limiter: bucket(clock, 1, 1), maxWait: 1_000 });
    await fn();
    const second = fn();
    await clock.advance(1_000);
    expect(await second).toBe(1_000);
  });
});

describe('throttle: signal', () => {
  test('aborting rejects every waiting call with signal.reason and takes no token', async () => {
    const clock = createManualClock();
    const limiter = bucket(clock, 1, 1);
    const controller = new AbortController();
    let called = 0;
    const fn = throttle(async () => ++called, { limiter, signal: controller.signal });
    await fn();
    const waiting = [fn(), fn(), fn()].map((call) => rejection(call));
    await clock.advance(500);
    const reason = new Error('page closed');
    controller.abort(reason);
    for (const error of await Promise.all(waiting)) expect(error).toBe(reason);
    expect(limiter.stats.waiting).toBe(0);
    await clock.advance(500);
    // The token that came back is there: the aborted calls took none.
    expect(limiter.available).toBe(1);
    expect(called).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  test('once aborted, new calls reject at once without calling fn', async () => {
    const clock = createManualClock();
    const limiter = bucket(clock);
    const controller = new AbortController();
    let called = 0;
    const fn = throttle(async () => ++called, { limiter, signal: controller.signal });
    controller.abort();
    const error = await rejection(fn());
    expect(error).toBe(controller.signal.reason);
    expect((error as Error).name).toBe('AbortError');
    expect(called).toBe(0);
    expect(limiter.available).toBe(2);
  });

  test('also aborts calls waiting for a concurrency slot; running calls finish', async () => {
    const clock = createManualClock();
    const limiter = bucket(clock, 10, 1);
    const controller = new AbortController();
    const gates = [deferred<string>(), deferred<string>()];
    let started = 0;
    const fn = throttle(() => gates[started++]!.promise, { limiter, signal: controller.signal, maxConcurrent: 1 });
    const running = fn();
    const queued = rejection(fn());
    await flush();
    expect(started).toBe(1);
    controller.abort(new Error('stop'));
    expect(await queued).toMatchObject({ message: 'stop' });
    gates[0]!.resolve('done');
    expect(await running).toBe('done');
    await flush();
    expect(started).toBe(1);
    expect(limiter.available).toBe(9);
    expect(gateOf(fn)!.queues).toBe(0);
  });

  test('one listener on the signal however many calls wait', async () => {
    const clock = createManualClock();
    const controller = new AbortController();
    let listeners = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => {
      listeners++;
      add(...args);
    }) as AbortSignal['addEventListener'];
    const fn = throttle(async () => 'x', { limiter: bucket(clock, 1, 1), signal: controller.signal, maxConcurrent: 2 });
    const calls = Array.from({ length: 50 }, () => rejection(fn()).catch(() => undefined));
    await flush();
    expect(listeners).toBe(1);
    controller.abort();
    await Promise.all(calls);
  });
});

describe('throttle: maxConcurrent', () => {
  test('never more than N in flight; a slot is taken before the tokens', async () => {
    const clock = createManualClock();
    const limiter = bucket(clock, 10, 1);
    let inFlight = 0;
    let most = 0;
    const ends: (() => void)[] = [];
    const fn = throttle(
      () => {
        inFlight++;
        most = Math.max(most, inFlight);
        const end = deferred();
        ends.push(() => {
          inFlight--;
          end.resolve();
        });
        return end.promise;
      },
      { limiter, maxConcurrent: 2 },
    );
    const calls = Array.from({ length: 6 }, () => fn());
    await flush();
    expect(inFlight).toBe(2);
    // Calls waiting for a slot hold no tokens.
    expect(limiter.available).toBe(8);
    while (ends.length > 0) {
      ends.shift()!();
      await flush();
      expect(inFlight).toBeLessThanOrEqual(2);
    }
    await Promise.all(calls);
    expect(most).toBe(2);
    expect(limiter.available).toBe(4);
    expect(gateOf(fn)!.queues).toBe(0);
  });

  test('per key with a KeyedLimiter: each key has its own N', async () => {
    const clock = createManualClock();
    const inFlight = new Map<string, number>();
    const most = new Map<string, number>();
    const ends: (() => void)[] = [];
    const fn = throttle(
      (tenant: string) => {
        inFlight.set(tenant, (inFlight.get(tenant) ?? 0) + 1);
        most.set(tenant, Math.max(most.get(tenant) ?? 0, inFlight.get(tenant)!));
        const end = deferred();
        ends.push(() => {
          inFlight.set(tenant, inFlight.get(tenant)! - 1);
          end.resolve();
        });
        return end.promise;
      },
      { limiter: perKey(clock, 100, 100), key: (tenant) => tenant, maxConcurrent: 1 },
    );
    const calls = ['a', 'a', 'b', 'a', 'b', 'c'].map((tenant) => fn(tenant));
    await flush();
    expect(Object.fromEntries(inFlight)).toEqual({ a: 1, b: 1, c: 1 });
    expect(gateOf(fn)!.queues).toBe(3);
    while (ends.length > 0) {
      ends.shift()!();
      await flush();
    }
    await Promise.all(calls);
    expect(Object.fromEntries(most)).toEqual({ a: 1, b: 1, c: 1 });
    expect(gateOf(fn)!.queues).toBe(0);
  });

  test('the token wait happens inside the slot: rate and concurrency both hold', async () => {
    const clock = createManualClock();
    const starts: number[] = [];
    const fn = throttle(async () => void starts.push(clock.now()), { limiter: bucket(clock, 1, 10), maxConcurrent: 1 });
    const calls = Array.from({ length: 4 }, () => fn());
    await clock.advance(1_000);
    await Promise.all(calls);
    expect(starts).toEqual([0, 100, 200, 300]);
    expect(gateOf(fn)!.queues).toBe(0);
  });

  test('a throw, sync or async, rejects the call and frees the slot', async () => {
    const clock = createManualClock();
    let n = 0;
    const fn = throttle(
      (kind: 'sync' | 'async' | 'ok') => {
        n++;
        if (kind === 'sync') throw new Error('sync');
        if (kind === 'async') return Promise.reject(new Error('async'));
        return Promise.resolve('ok');
      },
      { limiter: bucket(clock, 10, 1), maxConcurrent: 1 },
    );
    const results = [rejection(fn('sync')), rejection(fn('async')), fn('ok')];
    await flush();
    expect(await results[0]).toMatchObject({ message: 'sync' });
    expect(await results[1]).toMatchObject({ message: 'async' });
    expect(await results[2]).toBe('ok');
    expect(n).toBe(3);
    expect(gateOf(fn)!.queues).toBe(0);
  });

  test('reject mode waits for a slot, then refuses if no token is there', async () => {
    const clock = createManualClock();
    const first = deferred();
    const fn = throttle(() => first.promise, { limiter: bucket(clock, 1, 1), maxConcurrent: 1, mode: 'reject' });
    const a = fn();
    const b = rejection(fn());
    await flush();
    first.resolve();
    await a;
    expect(await b).toMatchObject({ reason: 'rejected', retryAfter: 1000 });
    expect(gateOf(fn)!.queues).toBe(0);
  });

  test('each wrapper has its own slots; calls of one wrapper start in call order', async () => {
    const clock = createManualClock();
    const order: string[] = [];
    const first = deferred();
    const opts = { limiter: bucket(clock, 10, 1), maxConcurrent: 1 };
    const shared = throttle(async (name: string) => {
      order.push(name);
      if (name === 'block') await first.promise;
    }, opts);
    const other = throttle(async (name: string) => void order.push(name), opts);
    const calls = [shared('block'), shared('b'), shared('c'), other('other')];
    await flush();
    expect(order).toEqual(['block', 'other']);
    first.resolve();
    await Promise.all(calls);
    expect(order).toEqual(['block', 'other', 'b', 'c']);
  });

  test('no per-key queue is left once calls finish, after many keys', async () => {
    const clock = createManualClock();
    const fn = throttle(async (key: string) => key, { limiter: perKey(clock), key: (key) => key, maxConcurrent: 2 });
    const calls = Array.from({ length: 200 }, (_, i) => fn(`k${i % 50}`));
    expect(gateOf(fn)!.queues).toBe(50);
    await clock.advance(100_000);
    await Promise.all(calls);
    await flush();
    expect(gateOf(fn)!.queues).toBe(0);
  });
});

describe('throttle: this and arguments', () => {
  class Api {
    constructor(readonly name: string) {}
    async get(this: Api, id: number): Promise<string> {
      return `${this.name}/${id}`;
    }
  }

  test('this is passed through, on the fast path and after a wait, plain and keyed', async () => {
    const clock = createManualClock();
    const api = new Api('users');
    const plain = throttle(Api.prototype.get, { limiter: bucket(clock, 1, 1) });
    const keyed = throttle(Api.prototype.get, { limiter: perKey(clock, 1, 1), key: (id) => String(id), maxConcurrent: 1 });
    expect(await plain.call(api, 1)).toBe('users/1');
    const later = plain.call(api, 2);
    await clock.advance(1_000);
    expect(await later).toBe('users/2');
    expect(await keyed.call(api, 3)).toBe('users/3');
    const keyedLater = keyed.call(api, 3);
    await clock.advance(1_000);
    expect(await keyedLater).toBe('users/3');
  });

  test('as a method: assigned onto an object', async () => {
    const clock = createManualClock();
    const api = new Api('orders');
    const wrapped = Object.assign(api, { throttledGet: throttle(api.get, { limiter: bucket(clock) }) });
    expect(await wrapped.throttledGet(7)).toBe('orders/7');
  });

  test('key and cost receive the arguments; a throwing key rejects the call', async () => {
    const clock = createManualClock();
    const seen: unknown[][] = [];
    const fn = throttle(async (tenant: string, n: number) => `${tenant}:${n}`, {
      limiter: perKey(clock, 10, 1),
      key: (tenant, n) => (seen.push(['key', tenant, n]), tenant),
      cost: (tenant, n) => (seen.push(['cost', tenant, n]), n),
    });
    expect(await fn('a', 3)).toBe('a:3');
    expect(seen).toEqual([
      ['key', 'a', 3],
      ['cost', 'a', 3],
    ]);
    const failing = throttle(async (x: number) => x, {
      limiter: perKey(clock),
      key: () => {
        throw new Error('no key');
      },
    });
    expect(await rejection(failing(1))).toMatchObject({ message: 'no key' });
  });
});

describe('throttle: options', () => {
  const clock = createManualClock();
  const limiter: RateLimiter = bucket(clock);
  const keyed = perKey(clock);
  const fn = async (x: string) => x;

  test.each([
    ['fn not a function', () => throttle(42 as never, { limiter }), TypeError, /`fn`.*42 \(number\)/],
    ['options missing', () => throttle(fn, undefined as never), TypeError, /`limiter`/],
    ['limiter missing', () => throttle(fn, {} as never), TypeError, /`limiter` to be a RateLimiter or a KeyedLimiter, got undefined/],
    ['limiter not a limiter', () => throttle(fn, { limiter: {} as never }), TypeError, /`limiter`.*\[object\]/],
    ['unknown option', () => throttle(fn, { limiter, maxwait: 5 } as never), TypeError, /Unknown option `maxwait`/],
    ['key without a KeyedLimiter', () => throttle(fn, { limiter, key: (x: string) => x } as never), TypeError, /`key` to be omitted/],
    ['KeyedLimiter without key', () => throttle(fn, { limiter: keyed } as never), TypeError, /`key` to be a function/],
    ['key not a function', () => throttle(fn, { limiter: keyed, key: 'x' } as never), TypeError, /`key`.*"x" \(string\)/],
    ['bad mode', () => throttle(fn, { limiter, mode: 'drop' as never }), TypeError, /`mode` to be 'wait' or 'reject', got "drop"/],
    ['negative maxWait', () => throttle(fn, { limiter, maxWait: -1 }), RangeError, /`maxWait`.*-1 \(number\)/],
    ['maxWait a string', () => throttle(fn, { limiter, maxWait: '5' as never }), TypeError, /`maxWait`/],
    ['priority not finite', () => throttle(fn, { limiter, priority: Infinity }), RangeError, /`priority`/],
    ['maxConcurrent 0', () => throttle(fn, { limiter, maxConcurrent: 0 }), RangeError, /`maxConcurrent`.*0 \(number\)/],
    ['maxConcurrent NaN', () => throttle(fn, { limiter, maxConcurrent: NaN }), RangeError, /`maxConcurrent`/],
    ['cost above capacity', () => throttle(fn, { limiter, cost: 3 }), RangeError, /`cost` to be a number from 0 to the capacity 2, got 3/],
    ['cost a string', () => throttle(fn, { limiter, cost: '1' as never }), TypeError, /`cost`/],
    ['signal not a signal', () => throttle(fn, { limiter, signal: new AbortController() as never }), TypeError, /`signal`/],
  ])('%s', (_name, make, ErrorClass, message) => {
    expect(make).toThrow(ErrorClass);
    expect(make).toThrow(message);
  });

  test('the options object is not mutated and may be reused', async () => {
    const options = Object.freeze({ limiter: bucket(createManualClock(), 5, 1), maxConcurrent: 2 });
    const a = throttle(fn, options);
    const b = throttle(fn, options);
    expect(await a('x')).toBe('x');
    expect(await b('y')).toBe('y');
    expect(Object.keys(options)).toEqual(['limiter', 'maxConcurrent']);
  });

  test('undefined values count as unset', async () => {
    const f = throttle(fn, { limiter, mode: undefined, maxWait: undefined, priority: undefined, signal: undefined, maxConcurrent: undefined, cost: undefined });
    expect(await f('z')).toBe('z');
  });
});
