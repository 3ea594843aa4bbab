// KeyedLimiter over a pool of keys (several API keys for one job): acquireNowaitAny and
// acquireAny; and the per-key pause, reserve and stats. On the manual clock.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyedLimiter, RateLimitError, TokenBucket, type RateLimiter } from '../src/index.js';
import { createManualClock } from '../src/testing.js';
import { keyedBuckets } from './keyed-buckets.js';
import { rejection } from './settle.js';

describe('acquireNowaitAny', () => {
  it('takes from the first key, in the order given, that can grant now (table)', () => {
    const { clock, keyed } = keyedBuckets();
    const table = [
      { at: 0, keys: ['a', 'b'], want: 'a' },
      { at: 0, keys: ['a', 'b'], want: 'b' },
      { at: 0, keys: ['a', 'b'], want: undefined },
      { at: 999, keys: ['a', 'b'], want: undefined },
      { at: 1_000, keys: ['b', 'a'], want: 'b' },
      { at: 1_000, keys: ['b', 'a'], want: 'a' },
      { at: 1_000, keys: ['b', 'a', 'c'], want: 'c' },
      { at: 1_500, keys: ['a', 'b', 'c'], want: undefined },
    ];
    const got = table.map(({ at, keys }) => {
      clock.advanceSync(at - clock.now());
      return { at, keys, want: keyed.acquireNowaitAny(keys) };
    });
    expect(got).toEqual(table);
  });

  it('takes cost tokens from one key only', () => {
    const { keyed } = keyedBuckets({}, { capacity: 3, refillPerSecond: 1 });
    keyed.acquireNowait('a', 2);
    expect(keyed.acquireNowaitAny(['a', 'b'], 2)).toBe('b');
    expect([keyed.get('a').available, keyed.get('b').available]).toEqual([1, 1]);
    expect(keyed.acquireNowaitAny(['a', 'b'], 1.5)).toBeUndefined();
    expect([keyed.get('a').available, keyed.get('b').available]).toEqual([1, 1]);
  });

  it('stops at the first key that grants: later keys are not created', () => {
    const { keyed, created } = keyedBuckets();
    expect(keyed.acquireNowaitAny(['a', 'b', 'c'])).toBe('a');
    expect(created).toEqual(['a']);
  });

  it('does not overtake the waiters of a key', () => {
    const { clock, keyed } = keyedBuckets({}, { capacity: 2, refillPerSecond: 1 });
    keyed.acquireNowait('a', 2);
    void keyed.acquire('a', 2);
    clock.advanceSync(1_000); // a holds 1 token, for its waiter
    expect(keyed.acquireNowaitAny(['a'])).toBeUndefined();
    expect(keyed.acquireNowaitAny(['a', 'b'])).toBe('b');
  });

  it('skips a key that maxKeys leaves no room for', () => {
    const { keyed, created } = keyedBuckets({ maxKeys: 1 });
    keyed.acquireNowait('a');
    expect(keyed.acquireNowaitAny(['b', 'a'])).toBeUndefined();
    expect(created).toEqual(['a']);
  });

  it('accepts any iterable of keys, also objects compared by identity', () => {
    const { keyed } = keyedBuckets();
    expect(keyed.acquireNowaitAny(new Set(['s']))).toBe('s');
    expect(keyed.acquireNowaitAny(new Map([['m', 1]]).keys())).toBe('m');
    function* gen() {
      yield 's';
      yield 'g';
    }
    expect(keyed.acquireNowaitAny(gen())).toBe('g');
    const clock = createManualClock();
    const byObject = new KeyedLimiter((_: { id: number }) => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock }), { clock });
    const k1 = { id: 1 };
    const k2 = { id: 1 };
    expect(byObject.acquireNowaitAny([k1, k2])).toBe(k1);
    expect(byObject.acquireNowaitAny([k1, k2])).toBe(k2);
  });

  it.each([
    { name: 'an empty array', keys: [], error: RangeError, message: /`keys` to be a non-empty iterable of keys, got \[array\]/ },
    { name: 'an empty Set', keys: new Set(), error: RangeError, message: /`keys`.*non-empty/ },
    { name: 'a string', keys: 'ab', error: TypeError, message: /`keys` to be an iterable of keys.*"ab" \(string\)/ },
    { name: 'a number', keys: 5, error: TypeError, message: /`keys`.*5 \(number\)/ },
    { name: 'null', keys: null, error: TypeError, message: /`keys`.*null/ },
    { name: 'a plain object', keys: { a: 1 }, error: TypeError, message: /`keys`.*\[object\]/ },
  ])('$name as keys throws a $error.name', ({ keys, error, message }) => {
    const { keyed } = keyedBuckets();
    expect(() => keyed.acquireNowaitAny(keys as never)).toThrow(error);
    expect(() => keyed.acquireNowaitAny(keys as never)).toThrow(message);
  });

  it('a bad cost throws a RangeError naming it', () => {
    const { keyed } = keyedBuckets();
    expect(() => keyed.acquireNowaitAny(['a'], 2)).toThrow(RangeError);
    expect(() => keyed.acquireNowaitAny(['a'], -1)).toThrow(/`cost`/);
  });
});

describe('acquireAny', () => {
  /** Keys a, b, c, each with a different wait: a 2000, b 1000, c 1500 (capacity 2, 1/s). */
  function pool() {
    const env = keyedBuckets({}, { capacity: 2, refillPerSecond: 1 });
    env.keyed.acquireNowait('a', 2); // 1 token at 1000, 2 at 2000
    env.keyed.acquireNowait('b', 1); // 1 token now, 2 at 1000
    env.keyed.acquireNowait('c', 1.5); // 2 at 1500
    return env;
  }

  it.each([
    { cost: 2, keys: ['a', 'b', 'c'], want: 'b', at: 1_000 },
    { cost: 2, keys: ['a', 'c'], want: 'c', at: 1_500 },
    { cost: 2, keys: ['a'], want: 'a', at: 2_000 },
    { cost: 1, keys: ['a', 'c', 'b'], want: 'b', at: 0 },
    { cost: 1, keys: ['a', 'c'], want: 'c', at: 500 },
    { cost: 1.5, keys: ['a', 'c'], want: 'c', at: 1_000 },
    { cost: 1.5, keys: ['c', 'a'], want: 'c', at: 1_000 },
  ])('cost $cost over $keys: resolves with $want at $at', async ({ cost, keys, want, at }) => {
    const { clock, keyed } = pool();
    let got: { key: string; at: number } | undefined;
    void keyed.acquireAny(keys, cost).then((key) => (got = { key, at: clock.now() }));
    await clock.advance(3_000);
    expect(got).toEqual({ key: want, at });
  });

  it('ties go to the earlier key', async () => {
    const { clock, keyed } = keyedBuckets();
    keyed.acquireNowait('x');
    keyed.acquireNowait('y');
    const chosen = keyed.acquireAny(['y', 'x']);
    expect(keyed.get('y').stats.waiting).toBe(1);
    expect(keyed.get('x').stats.waiting).toBe(0);
    await clock.advance(1_000);
    await expect(chosen).resolves.toBe('y');
  });

  it('a key that can grant now is taken at once, without a timer, and later keys are not created', async () => {
    const { clock, keyed, created } = keyedBuckets();
    keyed.acquireNowait('a');
    await expect(keyed.acquireAny(['a', 'b', 'c'])).resolves.toBe('b');
    expect(created).toEqual(['a', 'b']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('the choice is made at the call: it waits on that key alone, and takes nothing from the others', async () => {
    const { clock, keyed } = pool();
    let got: { key: string; at: number } | undefined;
    void keyed.acquireAny(['a', 'b'], 2).then((key) => (got = { key, at: clock.now() })); // b, at 1000
    expect([keyed.get('a').stats.waiting, keyed.get('b').stats.waiting]).toEqual([0, 1]);
    keyed.pause('b', 5_000); // b is slower now than a (2000): the call stays with b
    await clock.advance(5_000);
    expect(got).toEqual({ key: 'b', at: 5_000 });
    expect(keyed.get('a').stats.granted).toBe(1);
    expect(keyed.get('a').available).toBe(2);
  });

  it('counts the queue ahead and a pause of each key', async () => {
    const { clock, keyed } = keyedBuckets();
    keyed.acquireNowait('queued');
    void keyed.acquire('queued'); // 1000; the next at 2000
    keyed.pause('paused', 1_500);
    let got: string | undefined;
    void keyed.acquireAny(['queued', 'paused']).then((key) => (got = key));
    await clock.advance(1_500);
    expect(got).toBe('paused');
  });

  it('maxWait applies to the chosen key; the refusal names it', async () => {
    const { keyed } = pool();
    const error = await rejection(keyed.acquireAny(['a', 'c'], 2, { maxWait: 1_000 }));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ reason: 'max-wait', key: 'c', retryAfter: 1_500 });
    expect(keyed.get('a').stats.waiting + keyed.get('c').stats.waiting).toBe(0);
  });

  it('an abort rejects with the reason and frees the place', async () => {
    const { clock, keyed } = pool();
    const controller = new AbortController();
    const chosen = keyed.acquireAny(['a', 'b'], 2, { signal: controller.signal });
    controller.abort(new Error('gone'));
    await expect(chosen).rejects.toThrow('gone');
    expect(keyed.get('b').stats.waiting).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('passes the priority on to the chosen key', async () => {
    const { clock, keyed } = keyedBuckets();
    keyed.acquireNowait('k');
    const order: string[] = [];
    void keyed.acquire('k').then(() => order.push('low'));
    void keyed.acquireAny(['k'], 1, { priority: 1 }).then(() => order.push('high'));
    await clock.advance(2_000);
    expect(order).toEqual(['high', 'low']);
  });

  it('with maxKeys full, a candidate that does not fit is passed over', async () => {
    const { clock, keyed, created } = keyedBuckets({ maxKeys: 1 });
    keyed.acquireNowait('a');
    const chosen = keyed.acquireAny(['b', 'a']);
    expect(created).toEqual(['a']);
    await clock.advance(1_000);
    await expect(chosen).resolves.toBe('a');
  });

  it('with maxKeys full and no candidate fitting, rejects with max-keys naming the first key', async () => {
    const { keyed } = keyedBuckets({ maxKeys: 1 });
    keyed.acquireNowait('a');
    const error = await rejection(keyed.acquireAny(['b', 'c']));
    expect(error).toMatchObject({ reason: 'max-keys', key: 'b', retryAfter: 1_000 });
  });

  it.each([
    { name: 'an empty array', keys: [], error: RangeError },
    { name: 'a string', keys: 'ab', error: TypeError },
    { name: 'undefined', keys: undefined, error: TypeError },
  ])('$name as keys rejects (never throws) with a $error.name', async ({ keys, error }) => {
    const { keyed } = keyedBuckets();
    let promise: Promise<string> | undefined;
    expect(() => (promise = keyed.acquireAny(keys as never))).not.toThrow();
    expect(await rejection(promise!)).toBeInstanceOf(error);
  });

  it('a bad cost or option rejects (never throws)', async () => {
    const { keyed } = keyedBuckets();
    expect(await rejection(keyed.acquireAny(['a'], 2))).toBeInstanceOf(RangeError);
    expect(await rejection(keyed.acquireAny(['a'], 1, { maxWait: -1 }))).toBeInstanceOf(RangeError);
    expect(await rejection(keyed.acquireAny(['a'], 1, { priorty: 1 } as never))).toBeInstanceOf(TypeError);
  });

  // The doc: "resolves with the key whose limiter can serve soonest". When keys have different
  // capacities, a key whose capacity is below the cost is predicted a finite wait (as if the cost
  // were taken in parts), may be chosen, and the call then rejects with a RangeError — while
  // another candidate could serve it. Whether it rejects depends on the other key's tokens.
  it('a key whose capacity is below the cost is never chosen over one that can serve', async () => {
    const clock = createManualClock();
    const keyed = new KeyedLimiter((key: string) => new TokenBucket({ capacity: key === 'small' ? 1 : 5, refillPerSecond: 1, clock }), { clock });
    keyed.acquireNowait('big', 5); // 3 tokens at 3000
    const chosen = keyed.acquireAny(['small', 'big'], 3);
    await clock.advance(3_000);
    await expect(chosen).resolves.toBe('big');
  });

  // The waits are predicted for priority 0 whatever the caller's priority: a caller of priority
  // 5 is sent to `b` (served at 2000) while on `a` it would pass the three waiters of priority 0
  // and be served at 1000.
  it("the choice counts the caller's priority", async () => {
    const { clock, keyed } = keyedBuckets();
    keyed.acquireNowait('a');
    keyed.acquireNowait('b');
    for (let i = 0; i < 3; i++) void keyed.acquire('a');
    void keyed.acquire('b', 1, { priority: 5 });
    let got: { key: string; at: number } | undefined;
    void keyed.acquireAny(['a', 'b'], 1, { priority: 5 }).then((key) => (got = { key, at: clock.now() }));
    await clock.advance(5_000);
    expect(got).toEqual({ key: 'a', at: 1_000 });
  });
});

describe('KeyedLimiter.pause', () => {
  it('pauses one key: its calls wait, other keys go on', () => {
    const { keyed } = keyedBuckets();
    keyed.pause('a', 2_000);
    expect(keyed.acquireNowait('a')).toBe(false);
    expect(keyed.timeToAvailable('a')).toBe(2_000);
    expect(keyed.acquireNowait('b')).toBe(true);
  });

  it('waiters of the key keep their places and are served when it ends, at the end of the pause', async () => {
    const { clock, keyed } = keyedBuckets({}, { capacity: 2, refillPerSecond: 1 });
    const served: [string, number][] = [];
    keyed.acquireNowait('a', 2);
    void keyed.acquire('a').then(() => served.push(['first', clock.now()])); // 1000
    void keyed.acquire('a').then(() => served.push(['second', clock.now()])); // 2000
    await clock.advance(500);
    keyed.pause('a', 2_000); // until 2500: both tokens are there by then
    await clock.advance(3_000);
    expect(served).toEqual([
      ['first', 2_500],
      ['second', 2_500],
    ]);
  });

  it('never shortens a running pause', () => {
    const { clock, keyed } = keyedBuckets();
    keyed.pause('a', 1_000);
    keyed.pause('a', 100);
    clock.advanceSync(999);
    expect(keyed.acquireNowait('a')).toBe(false);
    clock.advanceSync(1);
    expect(keyed.acquireNowait('a')).toBe(true);
  });

  it('creates the key; a paused key is not idle, so it is kept until the pause ends', () => {
    const { clock, keyed, created } = keyedBuckets();
    keyed.pause('a', 1_000);
    expect(created).toEqual(['a']);
    expect(keyed.prune()).toBe(0);
    expect(keyed.size).toBe(1);
    clock.advanceSync(1_000);
    expect(keyed.prune()).toBe(1);
  });

  it.each([
    { ms: -1, error: RangeError },
    { ms: Number.NaN, error: RangeError },
    { ms: '5', error: TypeError },
  ])('pause(key, $ms) throws a $error.name naming ms', ({ ms, error }) => {
    const { keyed } = keyedBuckets();
    expect(() => keyed.pause('a', ms as number)).toThrow(error);
    expect(() => keyed.pause('a', ms as number)).toThrow(/`ms`/);
  });

  it('with maxKeys full, pausing a new key throws max-keys', () => {
    const { keyed } = keyedBuckets({ maxKeys: 1 });
    keyed.acquireNowait('a');
    expect(() => keyed.pause('b', 10)).toThrow(RateLimitError);
    expect(() => keyed.pause('b', 10)).toThrow(expect.objectContaining({ reason: 'max-keys', key: 'b' }));
  });
});

describe('KeyedLimiter.reserve', () => {
  it('books on the key; a booked key is not idle and is kept', async () => {
    const { clock, keyed } = keyedBuckets();
    expect(keyed.reserve('a').delay).toBe(0);
    const r = keyed.reserve('a');
    expect({ ok: r.ok, delay: r.delay }).toEqual({ ok: true, delay: 1_000 });
    expect(keyed.prune()).toBe(0);
    await clock.advance(1_000);
    expect(keyed.get('a').available).toBe(0);
    await clock.advance(1_000);
    expect(keyed.prune()).toBe(1);
  });

  it('with maxKeys full, booking on a new key throws max-keys', () => {
    const { keyed } = keyedBuckets({ maxKeys: 1 });
    keyed.acquireNowait('a');
    expect(() => keyed.reserve('b')).toThrow(expect.objectContaining({ name: 'RateLimitError', reason: 'max-keys', key: 'b' }));
  });

  it('bad cost and options throw', () => {
    const { keyed } = keyedBuckets();
    expect(() => keyed.reserve('a', 2)).toThrow(RangeError);
    expect(() => keyed.reserve('a', 1, { maxWait: -1 })).toThrow(RangeError);
    expect(() => keyed.reserve('a', 1, { priority: 1 } as never)).toThrow(/Unknown option `priority`/);
  });

  it('a limiter of a different clock keeps its own timer', () => {
    const clock = createManualClock();
    const other = createManualClock();
    const keyed = new KeyedLimiter((_: string) => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock: other }), { clock });
    keyed.acquireNowait('a');
    expect(keyed.reserve('a').delay).toBe(1_000);
    expect(clock.pendingTimers).toBe(0);
    expect(other.pendingTimers).toBe(1);
  });
});

describe('KeyedLimiter.stats', () => {
  const check = (keyed: KeyedLimiter<string, RateLimiter>, want: { created: number; dropped: number; live: number }) => {
    expect(keyed.stats).toEqual(want);
    expect(keyed.stats.live).toBe(keyed.size);
    expect(keyed.stats.created - keyed.stats.dropped).toBe(keyed.stats.live);
  };

  it('counts keys created, dropped by delete, prune and clear, and held', async () => {
    const { clock, keyed } = keyedBuckets();
    check(keyed, { created: 0, dropped: 0, live: 0 });
    for (const key of ['a', 'b', 'c']) keyed.acquireNowait(key); // busy: no sweep drops them
    check(keyed, { created: 3, dropped: 0, live: 3 });
    expect(keyed.delete('a')).toBe(true);
    expect(keyed.delete('a')).toBe(false);
    expect(keyed.delete('never')).toBe(false);
    check(keyed, { created: 3, dropped: 1, live: 2 });
    keyed.acquireNowait('a'); // a fresh limiter for a: counted again
    check(keyed, { created: 4, dropped: 1, live: 3 });
    await clock.advance(1_000);
    expect(keyed.prune()).toBe(3);
    check(keyed, { created: 4, dropped: 4, live: 0 });
    keyed.acquireNowait('x');
    keyed.acquireNowait('y');
    check(keyed, { created: 6, dropped: 4, live: 2 });
    keyed.clear();
    check(keyed, { created: 6, dropped: 6, live: 0 });
    keyed.clear();
    check(keyed, { created: 6, dropped: 6, live: 0 });
  });

  it('counts keys dropped by the lazy sweep', async () => {
    const { clock, keyed } = keyedBuckets();
    for (let i = 0; i < 100; i++) keyed.acquireNowait(`old${i}`);
    check(keyed, { created: 100, dropped: 0, live: 100 });
    await clock.advance(1_000); // all idle now, none dropped yet
    check(keyed, { created: 100, dropped: 0, live: 100 });
    for (let i = 0; i < 200; i++) keyed.get(`new${i}`);
    expect(keyed.stats.created).toBe(300);
    expect(keyed.stats.live).toBeLessThanOrEqual(3);
    expect(keyed.stats.dropped).toBe(300 - keyed.stats.live);
  });

  it('counts an eviction at maxKeys; a refused key is not counted', async () => {
    const { clock, keyed } = keyedBuckets({ maxKeys: 2 });
    keyed.acquireNowait('a');
    keyed.acquireNowait('b');
    expect(keyed.acquireNowait('c')).toBe(false); // no room
    check(keyed, { created: 2, dropped: 0, live: 2 });
    clock.advanceSync(500);
    keyed.acquireNowait('a', 0); // nothing changes while none is idle
    clock.advanceSync(500); // both idle
    expect(keyed.acquireNowait('c')).toBe(true);
    expect(keyed.stats.created).toBe(3);
    expect(keyed.stats.live).toBeLessThanOrEqual(2);
    check(keyed, { created: 3, dropped: 3 - keyed.size, live: keyed.size });
    expect(keyed.peek('c')).toBeDefined();
  });

  it('is a snapshot', () => {
    const { keyed } = keyedBuckets();
    const before = keyed.stats;
    keyed.acquireNowait('a');
    expect(before).toEqual({ created: 0, dropped: 0, live: 0 });
  });

  it('created - dropped = live = size after any sequence of calls (property)', async () => {
    const ops = fc.array(
      fc.oneof(
        fc.record({ op: fc.constantFrom('nowait' as const, 'acquire' as const, 'get' as const, 'delete' as const, 'pause' as const, 'reserve' as const), key: fc.nat(6) }),
        fc.record({ op: fc.constantFrom('prune' as const, 'clear' as const) }),
        fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 1_500 }) }),
      ),
      { maxLength: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(1, 2, 3, Infinity), ops, async (maxKeys, script) => {
        const { clock, keyed } = keyedBuckets({ maxKeys });
        for (const step of script) {
          const key = 'key' in step ? `k${step.key}` : '';
          try {
            if (step.op === 'nowait') keyed.acquireNowait(key);
            else if (step.op === 'acquire') keyed.acquire(key).catch(() => undefined);
            else if (step.op === 'get') keyed.get(key);
            else if (step.op === 'delete') keyed.delete(key);
            else if (step.op === 'pause') keyed.pause(key, 300);
            else if (step.op === 'reserve') keyed.reserve(key);
            else if (step.op === 'prune') keyed.prune();
            else if (step.op === 'clear') keyed.clear();
            else if (step.op === 'advance') await clock.advance(step.ms);
          } catch (error) {
            if (!(error instanceof RateLimitError && error.reason === 'max-keys')) throw error;
          }
          const { created, dropped, live } = keyed.stats;
          if (created - dropped !== live || live !== keyed.size || live > maxKeys) {
            throw new Error(`stats ${JSON.stringify(keyed.stats)} with size ${keyed.size} after ${JSON.stringify(step)}`);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
