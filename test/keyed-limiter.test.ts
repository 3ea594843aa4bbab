import { describe, expect, test } from 'vitest';
import { isRateLimitError, KeyedLimiter, RateLimitError, TokenBucket, type KeyedLimiterOptions, type RateLimiter } from '../src/index.js';
import { createManualClock, type ManualClock } from '../src/testing.js';
import { keyedBuckets } from './keyed-buckets.js';
import { rejection } from './settle.js';

describe('KeyedLimiter: lazy creation', () => {
  test('the factory is called once per key, on first use, with the key', async () => {
    const { keyed, created } = keyedBuckets();
    expect(created).toEqual([]);
    const a = keyed.get('a');
    expect(created).toEqual(['a']);
    expect(keyed.get('a')).toBe(a);
    expect(keyed.acquireNowait('a')).toBe(true);
    expect(keyed.acquireNowait('a')).toBe(false);
    expect(created).toEqual(['a']);
    await keyed.acquire('b');
    expect(keyed.acquireNowait('c')).toBe(true);
    keyed.timeToAvailable('d');
    expect(created).toEqual(['a', 'b', 'c', 'd']);
    expect(keyed.size).toBe(4);
  });

  test('get returns the limiter the factory made, which is the one keyed calls use', () => {
    const { keyed } = keyedBuckets({}, { capacity: 3, refillPerSecond: 1 });
    const limiter = keyed.get('a');
    expect(limiter).toBeInstanceOf(TokenBucket);
    keyed.acquireNowait('a', 2);
    expect(limiter.available).toBe(1);
  });

  test('peek returns the held limiter without creating one', () => {
    const { keyed, created } = keyedBuckets();
    expect(keyed.peek('a')).toBeUndefined();
    expect(created).toEqual([]);
    expect(keyed.size).toBe(0);
    const a = keyed.get('a');
    expect(keyed.peek('a')).toBe(a);
  });

  test('delete forgets a key; the next use gets a fresh limiter', () => {
    const { keyed, created } = keyedBuckets();
    const first = keyed.get('a');
    keyed.acquireNowait('a');
    expect(keyed.delete('a')).toBe(true);
    expect(keyed.delete('a')).toBe(false);
    expect(keyed.delete('never')).toBe(false);
    expect(keyed.size).toBe(0);
    expect(keyed.peek('a')).toBeUndefined();
    const second = keyed.get('a');
    expect(second).not.toBe(first);
    expect(created).toEqual(['a', 'a']);
    expect(keyed.acquireNowait('a')).toBe(true);
  });

  test('clear forgets every key', () => {
    const { keyed } = keyedBuckets();
    for (const key of ['a', 'b', 'c']) keyed.acquireNowait(key);
    expect(keyed.size).toBe(3);
    keyed.clear();
    expect(keyed.size).toBe(0);
    expect(keyed.peek('a')).toBeUndefined();
    expect(keyed.acquireNowait('a')).toBe(true);
  });

  test('waiters of a deleted or cleared key are still served by the forgotten limiter', async () => {
    const { clock, keyed } = keyedBuckets();
    keyed.acquireNowait('a');
    keyed.acquireNowait('b');
    let served = 0;
    void keyed.acquire('a').then(() => served++);
    void keyed.acquire('b').then(() => served++);
    keyed.delete('a');
    keyed.clear();
    await clock.advance(1_000);
    expect(served).toBe(2);
    expect(clock.pendingTimers).toBe(0);
  });

  test('any Map key works; objects are compared by identity', () => {
    const clock = createManualClock();
    const keyed = new KeyedLimiter((_: { id: number }) => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock }), { clock });
    const k1 = { id: 1 };
    expect(keyed.acquireNowait(k1)).toBe(true);
    expect(keyed.acquireNowait(k1)).toBe(false);
    expect(keyed.acquireNowait({ id: 1 })).toBe(true);
    expect(keyed.size).toBe(2);
  });
});

describe('KeyedLimiter: per-key independence', () => {
  test('one key running dry does not touch another', async () => {
    const { clock, keyed } = keyedBuckets({}, { capacity: 2, refillPerSecond: 1 });
    expect(keyed.acquireNowait('a', 2)).toBe(true);
    expect(keyed.acquireNowait('a')).toBe(false);
    expect(keyed.acquireNowait('b', 2)).toBe(true);
    expect(keyed.timeToAvailable('a', 2)).toBe(2_000);
    expect(keyed.timeToAvailable('c', 2)).toBe(0);

    const order: string[] = [];
    void keyed.acquire('a', 2).then(() => order.push('a'));
    void keyed.acquire('b', 1).then(() => order.push('b'));
    await keyed.acquire('c', 2); // not held back by a's or b's queue
    order.push('c');
    await clock.advance(2_000);
    expect(order).toEqual(['c', 'b', 'a']);
  });

  test('pausing one key pauses only that key', () => {
    const { keyed } = keyedBuckets();
    keyed.get('a').pause(10_000);
    expect(keyed.acquireNowait('a')).toBe(false);
    expect(keyed.acquireNowait('b')).toBe(true);
  });
});

describe('KeyedLimiter: idle keys are dropped lazily', () => {
  test('creating many keys whose buckets stay full keeps size bounded', () => {
    const { keyed, created } = keyedBuckets();
    for (let i = 0; i < 10_000; i++) keyed.get(`k${i}`);
    expect(created).toHaveLength(10_000);
    expect(keyed.size).toBeLessThanOrEqual(3);
  });

  test('busy keys that have become full are dropped as new keys arrive', async () => {
    const { clock, keyed } = keyedBuckets();
    for (let i = 0; i < 100; i++) keyed.acquireNowait(`old${i}`);
    expect(keyed.size).toBe(100);
    await clock.advance(1_000); // every old bucket is full again
    expect(keyed.size).toBe(100); // nothing dropped without new keys: no timers per key
    for (let i = 0; i < 200; i++) keyed.get(`new${i}`);
    expect(keyed.size).toBeLessThanOrEqual(3);
    expect(keyed.peek('old0')).toBeUndefined();
  });

  test('a dropped key comes back as a fresh limiter: lossless', () => {
    const { keyed, created } = keyedBuckets();
    const a = keyed.get('a');
    for (let i = 0; i < 10; i++) keyed.get(`other${i}`);
    expect(keyed.peek('a')).toBeUndefined();
    const again = keyed.get('a');
    expect(again).not.toBe(a);
    expect(again.available).toBe(a.available);
    expect(again.idle).toBe(true);
    expect(created.filter((k) => k === 'a')).toHaveLength(2);
  });

  test('never drops a key with waiters, a pause, or tokens missing', async () => {
    const { clock, keyed } = keyedBuckets({}, { capacity: 1, refillPerSecond: 0.001 });
    keyed.acquireNowait('waiting');
    let served = false;
    void keyed.acquire('waiting').then(() => (served = true));
    const paused = keyed.get('paused');
    paused.pause(60_000);
    keyed.acquireNowait('notFull', 0.5);
    const held = ['waiting', 'paused', 'notFull'].map((k) => keyed.peek(k));
    expect(held.every((l) => l !== undefined)).toBe(true);

    for (let i = 0; i < 1_000; i++) keyed.get(`idle${i}`);
    expect(keyed.prune()).toBeGreaterThanOrEqual(0);
    expect(['waiting', 'paused', 'notFull'].map((k) => keyed.peek(k))).toEqual(held);
    expect(keyed.size).toBe(3);

    await clock.advance(1_000_000);
    expect(served).toBe(true);
  });

  test('prune drops every idle key now and says how many', async () => {
    const { clock, keyed } = keyedBuckets();
    keyed.acquireNowait('busy');
    keyed.acquireNowait('soon1', 0.5);
    keyed.acquireNowait('soon2', 0.5);
    await clock.advance(500); // soon1 and soon2 are full again, busy is not
    expect(keyed.size).toBe(3);
    expect(keyed.prune()).toBe(2);
    expect(keyed.size).toBe(1);
    expect(keyed.peek('busy')).toBeDefined();
    expect(keyed.prune()).toBe(0);
    await clock.advance(500);
    expect(keyed.prune()).toBe(1);
    expect(keyed.size).toBe(0);
  });
});

describe('KeyedLimiter: maxKeys', () => {
  test('evicts an idle key first to make room', () => {
    const { keyed } = keyedBuckets({ maxKeys: 2 });
    keyed.acquireNowait('busy');
    keyed.get('idle');
    expect(keyed.size).toBe(2);
    expect(keyed.acquireNowait('new')).toBe(true);
    expect(keyed.size).toBe(2);
    expect(keyed.peek('idle')).toBeUndefined();
    expect(keyed.peek('busy')).toBeDefined();
    expect(keyed.peek('new')).toBeDefined();
  });

  test.each([0, 1, 25, 48, 49])('finds the one idle key wherever it is (position %i of 50)', (position) => {
    const { clock, keyed } = keyedBuckets({ maxKeys: 50 });
    for (let i = 0; i < 50; i++) keyed.acquireNowait(`k${i}`, i === position ? 0.5 : 1);
    expect(keyed.size).toBe(50);
    clock.advanceSync(500); // only k<position> is full again
    expect(keyed.acquireNowait('extra0')).toBe(true);
    expect(keyed.peek(`k${position}`)).toBeUndefined();
    expect(keyed.size).toBe(50);
    expect(keyed.acquireNowait('extra1')).toBe(false);
    expect(keyed.acquireNowait('extra2')).toBe(false);
    expect(keyed.size).toBe(50);
  });

  test('when no key can go, a new key is refused with max-keys naming the key', async () => {
    const { keyed, created } = keyedBuckets({ maxKeys: 2 });
    keyed.acquireNowait('a');
    keyed.acquireNowait('b');

    const error = await rejection(keyed.acquire('c'));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ name: 'RateLimitError', reason: 'max-keys', key: 'c' });
    // Room comes once a held bucket is full again: 1 token at 1/s.
    expect((error as RateLimitError).retryAfter).toBe(1_000);
    expect((error as Error).message).toMatch(/\b2\b/);

    expect(() => keyed.get('c')).toThrow(RateLimitError);
    try {
      keyed.get('c');
    } catch (thrown) {
      expect(isRateLimitError(thrown) && thrown.reason === 'max-keys' && thrown.key === 'c').toBe(true);
    }
    expect(keyed.acquireNowait('c')).toBe(false);
    expect(keyed.timeToAvailable('c')).toBe(1_000);
    expect(created).toEqual(['a', 'b']);
    expect(keyed.size).toBe(2);
  });

  test('held keys keep working while full, and a new key fits once one is idle', async () => {
    const { clock, keyed } = keyedBuckets({ maxKeys: 2 });
    keyed.acquireNowait('a');
    keyed.acquireNowait('b');
    const waitingA = keyed.acquire('a');
    expect(isRateLimitError(await rejection(keyed.acquire('c')))).toBe(true);
    await clock.advance(1_000);
    await waitingA; // 'a' just took its token again: still busy
    expect(keyed.peek('b')?.idle).toBe(true);
    await expect(keyed.acquire('c')).resolves.toBeUndefined();
    expect(keyed.peek('b')).toBeUndefined();
    expect(keyed.size).toBe(2);
  });

  test('maxKeys 1', () => {
    const { keyed } = keyedBuckets({ maxKeys: 1 });
    expect(keyed.acquireNowait('a')).toBe(true);
    expect(keyed.acquireNowait('b')).toBe(false);
    expect(keyed.acquireNowait('a')).toBe(false);
    expect(keyed.maxKeys).toBe(1);
  });

  test('defaults to Infinity', () => {
    const { keyed } = keyedBuckets();
    expect(keyed.maxKeys).toBe(Infinity);
    for (let i = 0; i < 1_000; i++) keyed.acquireNowait(`k${i}`);
    expect(keyed.size).toBe(1_000);
  });
});

describe('KeyedLimiter: acquire', () => {
  test('a max-wait refusal carries the key', async () => {
    const { keyed } = keyedBuckets();
    keyed.acquireNowait('tenant-42');
    const error = await rejection(keyed.acquire('tenant-42', 1, { maxWait: 10 }));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ reason: 'max-wait', retryAfter: 1_000, key: 'tenant-42' });
  });

  test('a max-wait refusal carries an object key by identity', async () => {
    const clock = createManualClock();
    const keyed = new KeyedLimiter((_: object) => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock }), { clock });
    const key = { tenant: 7 };
    keyed.acquireNowait(key);
    const error = (await rejection(keyed.acquire(key, 1, { maxWait: 0 }))) as RateLimitError;
    expect(error.key).toBe(key);
  });

  test('passes cost and options through: abort, priority', async () => {
    const { clock, keyed } = keyedBuckets({}, { capacity: 2, refillPerSecond: 1 });
    keyed.acquireNowait('k', 2);
    const controller = new AbortController();
    const order: string[] = [];
    const aborted = rejection(keyed.acquire('k', 1, { signal: controller.signal }));
    void keyed.acquire('k', 2).then(() => order.push('low'));
    void keyed.acquire('k', 1, { priority: 1 }).then(() => order.push('high'));
    controller.abort('stop');
    expect(await aborted).toBe('stop');
    await clock.advance(10_000);
    expect(order).toEqual(['high', 'low']);
  });

  test('bad costs are rejected, not thrown', async () => {
    const { keyed } = keyedBuckets();
    await expect(keyed.acquire('k', 2)).rejects.toThrow(RangeError);
    expect(() => keyed.acquireNowait('k', -1)).toThrow(RangeError);
  });
});

describe('KeyedLimiter: timers', () => {
  test('10 000 waiters over 10 000 keys share exactly one live timer, and all are served in due order', async () => {
    const clock = createManualClock();
    const keyed = new KeyedLimiter((_: number) => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock }), { clock });
    const n = 10_000;
    const served: number[] = [];
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      // Later keys are emptied less, so they are due sooner: due order is the reverse of call order.
      expect(keyed.acquireNowait(i, (n - i) / n)).toBe(true);
      all.push(keyed.acquire(i).then(() => served.push(i)));
    }
    expect(keyed.size).toBe(n);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(500);
    expect(clock.pendingTimers).toBe(1);
    expect(served.length).toBeGreaterThan(0);
    expect(served.length).toBeLessThan(n);
    await clock.advance(500);
    await Promise.all(all);
    expect(served).toEqual(Array.from({ length: n }, (_, i) => n - 1 - i));
    expect(clock.pendingTimers).toBe(0);
  });

  test('the shared timer re-arms when the clock fires it early: no key is served before its due time', async () => {
    const manual = createManualClock();
    // Fires at half the requested delay (whole milliseconds), as an imprecise host timer might.
    const early = {
      now: () => manual.now(),
      setTimeout: (fn: () => void, ms: number) => manual.setTimeout(fn, ms > 1 ? Math.floor(ms / 2) : ms),
    };
    const keyed = new KeyedLimiter((_: string) => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock: early }), { clock: early });
    keyed.acquireNowait('a');
    manual.advanceSync(400);
    keyed.acquireNowait('b');
    const served: [string, number][] = [];
    void keyed.acquire('a').then(() => served.push(['a', manual.now()]));
    void keyed.acquire('b').then(() => served.push(['b', manual.now()]));
    await manual.advance(599);
    expect(served).toEqual([]);
    await manual.advance(1);
    expect(served).toEqual([['a', 1_000]]);
    await manual.advance(399);
    expect(served).toEqual([['a', 1_000]]);
    await manual.advance(1);
    expect(served).toEqual([
      ['a', 1_000],
      ['b', 1_400],
    ]);
    expect(manual.pendingTimers).toBe(0);
  });

  test('a limiter on a clock other than the keyed limiter clock keeps its own timers', async () => {
    const keyedClock = createManualClock();
    const ownClock: ManualClock = createManualClock();
    const keyed = new KeyedLimiter(() => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock: ownClock }), { clock: keyedClock });
    keyed.acquireNowait('k');
    let served = false;
    void keyed.acquire('k').then(() => (served = true));
    expect(ownClock.pendingTimers).toBe(1);
    expect(keyedClock.pendingTimers).toBe(0);
    await keyedClock.advance(5_000);
    expect(served).toBe(false);
    await ownClock.advance(1_000);
    expect(served).toBe(true);
  });

  test('limiters made on the keyed clock share its one timer across keys with different due times', async () => {
    const { clock, keyed } = keyedBuckets({}, { capacity: 1, refillPerSecond: 1 });
    keyed.acquireNowait('a');
    await clock.advance(300);
    keyed.acquireNowait('b');
    const served: [string, number][] = [];
    void keyed.acquire('b').then(() => served.push(['b', clock.now()]));
    void keyed.acquire('a').then(() => served.push(['a', clock.now()]));
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1_000);
    expect(served).toEqual([
      ['a', 1_000],
      ['b', 1_300],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('KeyedLimiter: a factory must return a RateLimiter', () => {
  test.each([
    ['a plain object', {}, /\[object\] \(object\)/],
    ['undefined', undefined, /undefined \(undefined\)/],
    ['null', null, /null \(null\)/],
    ['a string', 'bucket', /"bucket" \(string\)/],
    // A number where a limiter object is expected is a wrong type, not a value out of range.
    ['a number', 5, /5 \(number\)/],
  ])('returning %s is a TypeError naming factory(key)', async (_, value, shown) => {
    const keyed = new KeyedLimiter(() => value as unknown as RateLimiter, { clock: createManualClock() });
    expect(() => keyed.get('k')).toThrow(TypeError);
    expect(() => keyed.get('k')).toThrow(/`factory\(key\)`/);
    expect(() => keyed.get('k')).toThrow(shown);
    expect(() => keyed.acquireNowait('k')).toThrow(TypeError);
    await expect(keyed.acquire('k')).rejects.toThrow(TypeError);
    expect(keyed.size).toBe(0);
  });

  test('any object with the RateLimiter methods is accepted', async () => {
    const calls: string[] = [];
    const custom: RateLimiter = {
      capacity: 1,
      available: 1,
      idle: false,
      stats: { granted: 0, rejected: 0, aborted: 0, waiting: 0 },
      timeToAvailable: () => 0,
      acquireNowait: (cost = 1) => (calls.push(`nowait ${cost}`), true),
      acquire: async (cost = 1) => void calls.push(`acquire ${cost}`),
      reserve: () => ({ ok: true, delay: 0, cancel: () => undefined }),
      pause: () => undefined,
    };
    const keyed = new KeyedLimiter(() => custom, { clock: createManualClock() });
    expect(keyed.acquireNowait('k', 0.5)).toBe(true);
    await keyed.acquire('k', 1);
    expect(calls).toEqual(['nowait 0.5', 'acquire 1']);
    expect(keyed.get('k')).toBe(custom);
  });
});

describe('KeyedLimiter: bad arguments name the option, the value and its type', () => {
  const factory = () => new TokenBucket({ capacity: 1, refillPerSecond: 1 });
  test.each([
    { name: 'factory missing', factory: undefined, options: undefined, error: TypeError, message: /`factory`.*undefined \(undefined\)/ },
    { name: 'factory a string', factory: 'bucket', options: undefined, error: TypeError, message: /`factory`.*"bucket" \(string\)/ },
    { name: 'factory an object', factory: {}, options: undefined, error: TypeError, message: /`factory`.*\(object\)/ },
    { name: 'maxKeys 0', factory, options: { maxKeys: 0 }, error: RangeError, message: /`maxKeys`.*0 \(number\)/ },
    { name: 'maxKeys negative', factory, options: { maxKeys: -5 }, error: RangeError, message: /`maxKeys`.*-5 \(number\)/ },
    { name: 'maxKeys NaN', factory, options: { maxKeys: Number.NaN }, error: RangeError, message: /`maxKeys`.*NaN \(number\)/ },
    { name: 'maxKeys a string', factory, options: { maxKeys: '10' }, error: TypeError, message: /`maxKeys`.*"10" \(string\)/ },
    { name: 'maxKeys null', factory, options: { maxKeys: null }, error: TypeError, message: /`maxKeys`.*null \(null\)/ },
    { name: 'an unknown option', factory, options: { maxkeys: 10 }, error: TypeError, message: /`maxkeys`/ },
    { name: 'clock a string', factory, options: { clock: 'system' }, error: TypeError, message: /`clock`.*"system" \(string\)/ },
    { name: 'clock without setTimeout', factory, options: { clock: { now: () => 0 } }, error: TypeError, message: /`clock`.*\(object\)/ },
    { name: 'options null', factory, options: null, error: TypeError, message: /`KeyedLimiter options`.*null \(null\)/ },
    { name: 'options a string', factory, options: 'lru', error: TypeError, message: /`KeyedLimiter options`.*"lru" \(string\)/ },
    // A number where a function or an object is expected is a wrong type, not a value out of range.
    { name: 'factory a number', factory: 5, options: undefined, error: TypeError, message: /`factory`.*5 \(number\)/ },
    { name: 'options a number', factory, options: 100, error: TypeError, message: /`KeyedLimiter options`.*100 \(number\)/ },
    { name: 'clock a number', factory, options: { clock: 0 }, error: TypeError, message: /`clock`.*0 \(number\)/ },
  ])('$name', ({ factory: f, options, error, message }) => {
    const make = () => new KeyedLimiter(f as () => RateLimiter, options as KeyedLimiterOptions);
    expect(make).toThrow(error);
    expect(make).toThrow(message);
  });

  test('the unknown-option error lists the known options', () => {
    expect(() => new KeyedLimiter(factory, { max: 1 } as KeyedLimiterOptions)).toThrow(/maxKeys, clock/);
  });

  test('maxKeys Infinity and explicit undefined options are fine', () => {
    expect(new KeyedLimiter(factory, { maxKeys: Infinity }).maxKeys).toBe(Infinity);
    expect(new KeyedLimiter(factory, { maxKeys: undefined, clock: undefined }).maxKeys).toBe(Infinity);
  });
});
