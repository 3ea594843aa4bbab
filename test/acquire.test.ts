// The waiting machinery of BaseRateLimiter (queue, priorities, abort, maxWait, pause, stats,
// timers), driven through TokenBucket on the manual clock.
import { describe, expect, test } from 'vitest';
import { RateLimitError, TokenBucket, type AcquireOptions, type Clock } from '../src/index.js';
import { createManualClock, type ManualClock } from '../src/testing.js';
import { rejection } from './settle.js';

function setup(capacity: number, refillPerSecond: number, clock: Clock = createManualClock()) {
  return { clock: clock as ManualClock, bucket: new TokenBucket({ capacity, refillPerSecond, clock }) };
}

/** Runs pending promise callbacks. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Records when (by the clock) each labelled promise settled, in settlement order. */
function tracker(clock: Clock) {
  const log: { label: string; at: number; ok: boolean }[] = [];
  const track = (label: string, promise: Promise<unknown>): Promise<unknown> =>
    promise.then(
      () => void log.push({ label, at: clock.now(), ok: true }),
      () => void log.push({ label, at: clock.now(), ok: false }),
    );
  return { log, track, order: () => log.map((e) => e.label) };
}


describe('acquire when tokens are there', () => {
  test('resolves without a timer, with an already resolved promise', async () => {
    const { clock, bucket } = setup(3, 1);
    let resolved = false;
    void bucket.acquire().then(() => (resolved = true));
    expect(clock.pendingTimers).toBe(0);
    await Promise.resolve();
    await Promise.resolve();
    expect(resolved).toBe(true);
    expect(clock.now()).toBe(0);
    expect(bucket.available).toBe(2);
  });

  test('a burst of acquires up to capacity creates no timer', async () => {
    const { clock, bucket } = setup(5, 1);
    await Promise.all([bucket.acquire(), bucket.acquire(2), bucket.acquire(2)]);
    expect(clock.pendingTimers).toBe(0);
    expect(bucket.available).toBe(0);
    expect(bucket.stats.granted).toBe(3);
  });

  test('one timer is created once a caller has to wait, and none is left after it was served', async () => {
    const { clock, bucket } = setup(1, 1);
    await bucket.acquire();
    const waiter = bucket.acquire();
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1_000);
    await waiter;
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('waiting: order', () => {
  test('a waiter is served exactly when its tokens are there, not before', async () => {
    const { clock, bucket } = setup(1, 5);
    bucket.acquireNowait();
    const { log, track } = tracker(clock);
    void track('w', bucket.acquire());
    await clock.advance(199);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual([{ label: 'w', at: 200, ok: true }]);
  });

  test('FIFO among equal priority, each at its own time', async () => {
    const { clock, bucket } = setup(1, 10);
    bucket.acquireNowait();
    const { log, track } = tracker(clock);
    for (const label of ['a', 'b', 'c', 'd']) void track(label, bucket.acquire());
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1_000);
    expect(log).toEqual([
      { label: 'a', at: 100, ok: true },
      { label: 'b', at: 200, ok: true },
      { label: 'c', at: 300, ok: true },
      { label: 'd', at: 400, ok: true },
    ]);
  });

  test('FIFO also with mixed costs: a small cost does not pass a big one', async () => {
    const { clock, bucket } = setup(4, 1);
    bucket.acquireNowait(4);
    const { log, track } = tracker(clock);
    void track('big', bucket.acquire(4));
    void track('small', bucket.acquire(1));
    await clock.advance(10_000);
    expect(log).toEqual([
      { label: 'big', at: 4_000, ok: true },
      { label: 'small', at: 5_000, ok: true },
    ]);
  });

  test('higher priority is served first; equal priorities keep call order', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const { track, order } = tracker(clock);
    void track('low-1', bucket.acquire(1, { priority: 0 }));
    void track('mid-1', bucket.acquire(1, { priority: 1 }));
    void track('high', bucket.acquire(1, { priority: 5 }));
    void track('low-2', bucket.acquire(1));
    void track('mid-2', bucket.acquire(1, { priority: 1 }));
    void track('negative', bucket.acquire(1, { priority: -3 }));
    await clock.advance(10_000);
    expect(order()).toEqual(['high', 'mid-1', 'mid-2', 'low-1', 'low-2', 'negative']);
  });

  test('a higher-priority caller that jumps to the head is served at the head time', async () => {
    const { clock, bucket } = setup(2, 1);
    bucket.acquireNowait(2);
    const { log, track } = tracker(clock);
    void track('low', bucket.acquire(2));
    void track('high', bucket.acquire(1, { priority: 1 }));
    await clock.advance(10_000);
    expect(log).toEqual([
      { label: 'high', at: 1_000, ok: true },
      { label: 'low', at: 3_000, ok: true },
    ]);
  });

  test('acquireNowait returns false while someone waits, even when the tokens are there', async () => {
    const { clock, bucket } = setup(2, 1);
    bucket.acquireNowait(2);
    const head = bucket.acquire(2);
    await clock.advance(1_000);
    expect(bucket.available).toBe(1);
    expect(bucket.acquireNowait(1)).toBe(false);
    expect(bucket.available).toBe(1);
    expect(bucket.timeToAvailable(1)).toBe(2_000);
    await clock.advance(1_000);
    await head;
    expect(bucket.stats.waiting).toBe(0);
    await clock.advance(1_000);
    expect(bucket.acquireNowait(1)).toBe(true);
  });

  test('acquire does not overtake either: it queues behind', async () => {
    const { clock, bucket } = setup(2, 1);
    bucket.acquireNowait(2);
    const { track, order } = tracker(clock);
    void track('first', bucket.acquire(2));
    await clock.advance(1_000);
    void track('second', bucket.acquire(1));
    expect(bucket.stats.waiting).toBe(2);
    await clock.advance(10_000);
    expect(order()).toEqual(['first', 'second']);
  });

  test('a late timer (a throttled background tab) grants everything that became due, never more', async () => {
    const manual = createManualClock();
    // Every timer fires 250 ms late.
    const late: Clock = { now: () => manual.now(), setTimeout: (fn, ms) => manual.setTimeout(fn, ms + 250) };
    const { bucket } = setup(3, 10, late);
    bucket.acquireNowait(3);
    const { log, track } = tracker(manual);
    for (const label of ['a', 'b', 'c', 'd', 'e']) void track(label, bucket.acquire()); // due at 100, 200, ... 500
    await manual.advance(350); // the 100 ms timer fires at 350
    // a, b and c became due by 300 and the bucket holds them (capacity 3): all three go at once.
    expect(log).toEqual([
      { label: 'a', at: 350, ok: true },
      { label: 'b', at: 350, ok: true },
      { label: 'c', at: 350, ok: true },
    ]);
    // Never more than the bucket allows: d and e still wait, and the bucket is empty.
    expect(bucket.stats.waiting).toBe(2);
    expect(bucket.available).toBe(0);
  });

  test('a late timer cannot grant more than capacity at once: tokens past capacity were never there', async () => {
    const manual = createManualClock();
    const late: Clock = { now: () => manual.now(), setTimeout: (fn, ms) => manual.setTimeout(fn, ms + 10_000) };
    const { bucket } = setup(1, 10, late);
    bucket.acquireNowait();
    const { log, track } = tracker(manual);
    for (const label of ['a', 'b', 'c']) void track(label, bucket.acquire());
    await manual.advance(10_100);
    expect(log).toEqual([{ label: 'a', at: 10_100, ok: true }]);
    expect(bucket.stats.waiting).toBe(2);
  });
});

describe('abort', () => {
  test('an already aborted signal rejects with signal.reason at once, taking nothing', async () => {
    const { clock, bucket } = setup(1, 1);
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(bucket.acquire(1, { signal: controller.signal }));
    expect(error).toBe(controller.signal.reason);
    expect((error as Error).name).toBe('AbortError');
    expect(bucket.available).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    expect(bucket.stats).toEqual({ granted: 0, rejected: 0, aborted: 1, waiting: 0 });
  });

  test.each([
    ['an Error', new Error('stop')],
    ['a plain object', { code: 'CANCELLED' }],
    ['a string', 'user went away'],
    ['a number', 42],
  ])('a custom reason (%s) is passed through as is, before and during the wait', async (_, reason) => {
    const { clock, bucket } = setup(1, 1);
    expect(await rejection(bucket.acquire(1, { signal: AbortSignal.abort(reason) }))).toBe(reason);

    bucket.acquireNowait();
    const controller = new AbortController();
    const waiting = rejection(bucket.acquire(1, { signal: controller.signal }));
    await clock.advance(500);
    controller.abort(reason);
    expect(await waiting).toBe(reason);
  });

  test('aborting a waiter rejects it at once and leaves no trace', async () => {
    const { clock, bucket } = setup(2, 1);
    bucket.acquireNowait(2);
    const before = { available: bucket.available, wait: bucket.timeToAvailable(2) };
    const controller = new AbortController();
    const { log, track } = tracker(clock);
    void track('w', bucket.acquire(2, { signal: controller.signal }));
    await clock.advance(500);
    controller.abort();
    await flush();
    expect(log).toEqual([{ label: 'w', at: 500, ok: false }]);
    expect(clock.pendingTimers).toBe(0);
    expect(bucket.available).toBe(0.5);
    expect(bucket.timeToAvailable(2)).toBe(before.wait - 500);
    expect(bucket.stats).toEqual({ granted: 1, rejected: 0, aborted: 1, waiting: 0 });
    await clock.advance(1_500);
    expect(bucket.available).toBe(2);
    expect(bucket.idle).toBe(true);
  });

  test('the next waiter is served without waiting for the aborted head', async () => {
    const { clock, bucket } = setup(10, 1);
    bucket.acquireNowait(10);
    const controller = new AbortController();
    const { log, track } = tracker(clock);
    void track('big', bucket.acquire(10, { signal: controller.signal })); // due at 10 000
    void track('small', bucket.acquire(1)); // would be due at 11 000 behind it
    await clock.advance(1_000);
    expect(log).toEqual([]);
    controller.abort();
    await flush();
    expect(log).toEqual([
      { label: 'big', at: 1_000, ok: false },
      { label: 'small', at: 1_000, ok: true },
    ]);
    expect(bucket.available).toBe(0);
  });

  test('an aborted waiter in the middle of the queue moves the ones behind it up', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const controller = new AbortController();
    const { log, track } = tracker(clock);
    void track('a', bucket.acquire());
    void track('b', bucket.acquire(1, { signal: controller.signal }));
    void track('c', bucket.acquire());
    controller.abort();
    await clock.advance(10_000);
    expect(log).toEqual([
      { label: 'b', at: 0, ok: false },
      { label: 'a', at: 1_000, ok: true },
      { label: 'c', at: 2_000, ok: true },
    ]);
  });

  test('aborting after the grant does nothing', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const controller = new AbortController();
    const granted = bucket.acquire(1, { signal: controller.signal });
    await clock.advance(1_000);
    await expect(granted).resolves.toBeUndefined();
    controller.abort();
    expect(bucket.stats).toEqual({ granted: 2, rejected: 0, aborted: 0, waiting: 0 });
    expect(bucket.available).toBe(0);
  });

  test('aborting a waiter deep in a long, partly served queue removes exactly that one', async () => {
    const { clock, bucket } = setup(1, 1_000); // one token per ms
    bucket.acquireNowait();
    const controller = new AbortController();
    const served: number[] = [];
    const all = Array.from({ length: 300 }, (_, i) =>
      bucket.acquire(1, i === 250 ? { signal: controller.signal } : undefined).then(
        () => void served.push(i),
        (reason: unknown) => void served.push(reason === 'gone' ? -i : NaN),
      ),
    );
    clock.advanceSync(200); // 200 served: the queue has moved well past its start
    expect(bucket.stats.waiting).toBe(100);
    controller.abort('gone');
    clock.advanceSync(100);
    await Promise.all(all);
    const expected = [...Array.from({ length: 200 }, (_, i) => i), -250, ...Array.from({ length: 99 }, (_, i) => (i + 200 < 250 ? i + 200 : i + 201))];
    expect(served).toEqual(expected);
    expect(bucket.stats).toMatchObject({ granted: 300, aborted: 1, waiting: 0 });
  });

  test('one signal can abort many waiters at once', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const controller = new AbortController();
    const rejected = Array.from({ length: 5 }, () => rejection(bucket.acquire(1, { signal: controller.signal })));
    controller.abort('bye');
    expect(await Promise.all(rejected)).toEqual(['bye', 'bye', 'bye', 'bye', 'bye']);
    expect(bucket.stats.aborted).toBe(5);
    expect(bucket.stats.waiting).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('maxWait', () => {
  test('rejects up front, before any time passes, with the predicted wait as retryAfter', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const error = await rejection(bucket.acquire(1, { maxWait: 999 }));
    expect(clock.now()).toBe(0);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ name: 'RateLimitError', reason: 'max-wait', retryAfter: 1_000 });
    expect((error as RateLimitError).key).toBeUndefined();
    expect((error as Error).message).toMatch(/1000 ms.*999 ms/);
    expect(clock.pendingTimers).toBe(0);
    expect(bucket.stats).toEqual({ granted: 1, rejected: 1, aborted: 0, waiting: 0 });
  });

  test('a wait equal to maxWait is accepted', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const { log, track } = tracker(clock);
    void track('w', bucket.acquire(1, { maxWait: 1_000 }));
    await clock.advance(1_000);
    expect(log).toEqual([{ label: 'w', at: 1_000, ok: true }]);
  });

  test('accounts for the queue ahead', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const first = bucket.acquire(); // due at 1000
    const error = await rejection(bucket.acquire(1, { maxWait: 1_999 }));
    expect(error).toMatchObject({ reason: 'max-wait', retryAfter: 2_000 });
    const second = bucket.acquire(1, { maxWait: 2_000 });
    expect(bucket.stats.waiting).toBe(2);
    await clock.advance(2_000);
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
  });

  test('accounts only for the waiters ahead by priority', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const { track, order } = tracker(clock);
    void track('low', bucket.acquire());
    void track('low', bucket.acquire());
    void track('high', bucket.acquire(1, { priority: 1, maxWait: 1_000 }));
    // Behind all three: due at 4000.
    expect(await rejection(bucket.acquire(1, { maxWait: 1_000 }))).toMatchObject({ retryAfter: 4_000 });
    await clock.advance(3_000);
    expect(order()).toEqual(['high', 'low', 'low']);
  });

  test('accounts for a pause', async () => {
    const { bucket } = setup(5, 1);
    bucket.pause(5_000);
    expect(await rejection(bucket.acquire(1, { maxWait: 4_999 }))).toMatchObject({ reason: 'max-wait', retryAfter: 5_000 });
  });

  test('maxWait 0: granted when the tokens are there now, rejected otherwise', async () => {
    const { clock, bucket } = setup(1, 4);
    await expect(bucket.acquire(1, { maxWait: 0 })).resolves.toBeUndefined();
    expect(await rejection(bucket.acquire(1, { maxWait: 0 }))).toMatchObject({ reason: 'max-wait', retryAfter: 250 });
    clock.advanceSync(250);
    await expect(bucket.acquire(1, { maxWait: 0 })).resolves.toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
  });

  test('maxWait Infinity (the default) waits as long as it takes', async () => {
    const { clock, bucket } = setup(1, 0.001);
    bucket.acquireNowait();
    const { log, track } = tracker(clock);
    void track('w', bucket.acquire(1, { maxWait: Infinity }));
    await clock.advance(999_999);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual([{ label: 'w', at: 1_000_000, ok: true }]);
  });

  test('a rejected attempt leaves no trace', async () => {
    const { bucket } = setup(2, 1);
    bucket.acquireNowait(1.5);
    const before = [bucket.available, bucket.timeToAvailable(2), bucket.idle];
    await rejection(bucket.acquire(2, { maxWait: 10 }));
    expect([bucket.available, bucket.timeToAvailable(2), bucket.idle]).toEqual(before);
    expect(bucket.stats.waiting).toBe(0);
  });
});

describe('pause', () => {
  test('blocks grants for ms, then serves waiters in order', async () => {
    const { clock, bucket } = setup(3, 1);
    bucket.pause(1_000);
    expect(bucket.acquireNowait()).toBe(false);
    const { log, track } = tracker(clock);
    void track('a', bucket.acquire());
    void track('b', bucket.acquire());
    void track('c', bucket.acquire());
    await clock.advance(999);
    expect(log).toEqual([]);
    expect(bucket.acquireNowait()).toBe(false);
    await clock.advance(1);
    expect(log).toEqual([
      { label: 'a', at: 1_000, ok: true },
      { label: 'b', at: 1_000, ok: true },
      { label: 'c', at: 1_000, ok: true },
    ]);
    expect(bucket.available).toBe(0);
  });

  test('never shortens a running pause: pause(100) after pause(1000) keeps 1000', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.pause(1_000);
    bucket.pause(100);
    expect(bucket.timeToAvailable()).toBe(1_000);
    clock.advanceSync(500);
    expect(bucket.acquireNowait()).toBe(false);
    bucket.pause(0);
    clock.advanceSync(499);
    expect(bucket.acquireNowait()).toBe(false);
    clock.advanceSync(1);
    expect(bucket.acquireNowait()).toBe(true);
  });

  test('a longer pause extends a running one, also for those already waiting', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.pause(1_000);
    const { log, track } = tracker(clock);
    void track('w', bucket.acquire());
    await clock.advance(500);
    bucket.pause(2_000);
    await clock.advance(1_999);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log.map((e) => e.at)).toEqual([2_500]);
  });

  test('pausing while someone waits for tokens delays the grant to the later of the two', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const { log, track } = tracker(clock);
    void track('w', bucket.acquire());
    bucket.pause(300); // ends before the token is there
    await clock.advance(5_000);
    expect(log.map((e) => e.at)).toEqual([1_000]);
  });

  test('pause(Infinity) pauses for good without a timer', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.pause(Infinity);
    const { log, track } = tracker(clock);
    void track('w', bucket.acquire());
    await clock.advance(1e9);
    expect(log).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
    expect(bucket.acquireNowait()).toBe(false);
  });

  test.each([
    { ms: -1, error: RangeError },
    { ms: Number.NaN, error: RangeError },
    { ms: '100', error: TypeError },
    { ms: undefined, error: TypeError },
  ])('pause($ms) throws a $error.name naming ms', ({ ms, error }) => {
    const { bucket } = setup(1, 1);
    expect(() => bucket.pause(ms as number)).toThrow(error);
    expect(() => bucket.pause(ms as number)).toThrow(/`ms`/);
    expect(bucket.acquireNowait()).toBe(true);
  });
});

describe('stats', () => {
  test('counts granted, rejected, aborted and waiting', async () => {
    const { clock, bucket } = setup(2, 1);
    expect(bucket.stats).toEqual({ granted: 0, rejected: 0, aborted: 0, waiting: 0 });
    bucket.acquireNowait();
    await bucket.acquire();
    bucket.acquireNowait();
    await rejection(bucket.acquire(1, { maxWait: 10 }));
    expect(bucket.stats).toEqual({ granted: 2, rejected: 2, aborted: 0, waiting: 0 });

    const controller = new AbortController();
    const a = bucket.acquire();
    const b = rejection(bucket.acquire(1, { signal: controller.signal }));
    const c = bucket.acquire();
    expect(bucket.stats).toEqual({ granted: 2, rejected: 2, aborted: 0, waiting: 3 });
    controller.abort();
    await b;
    expect(bucket.stats).toEqual({ granted: 2, rejected: 2, aborted: 1, waiting: 2 });
    await clock.advance(1_000);
    await a;
    expect(bucket.stats).toEqual({ granted: 3, rejected: 2, aborted: 1, waiting: 1 });
    await clock.advance(1_000);
    await c;
    expect(bucket.stats).toEqual({ granted: 4, rejected: 2, aborted: 1, waiting: 0 });
  });

  test('is a snapshot', () => {
    const { bucket } = setup(1, 1);
    const stats = bucket.stats;
    bucket.acquireNowait();
    expect(stats.granted).toBe(0);
    expect(bucket.stats.granted).toBe(1);
  });
});

describe('timers', () => {
  test('a timer that fires early re-arms, and nothing is granted before the due time', async () => {
    const manual = createManualClock();
    const requested: number[] = [];
    // Fires at half the requested delay (whole milliseconds), as an imprecise host timer might.
    const early: Clock = {
      now: () => manual.now(),
      setTimeout(fn, ms) {
        requested.push(ms);
        return manual.setTimeout(fn, ms > 1 ? Math.floor(ms / 2) : ms);
      },
    };
    const { bucket } = setup(1, 1, early);
    bucket.acquireNowait();
    const { log, track } = tracker(manual);
    void track('w', bucket.acquire());
    for (let t = 0; t < 999; t++) {
      await manual.advance(1);
      expect(bucket.stats.granted, `at ${manual.now()}`).toBe(1);
    }
    expect(log).toEqual([]);
    expect(requested.length).toBeGreaterThan(1);
    expect(requested[0]).toBe(1_000);
    expect(requested.slice(1).every((ms) => ms > 0 && ms < 1_000)).toBe(true);
    await manual.advance(1);
    expect(log).toEqual([{ label: 'w', at: 1_000, ok: true }]);
    expect(manual.pendingTimers).toBe(0);
  });

  test('exactly one live timer for 10 000 waiters on one bucket, all served in order', async () => {
    const { clock, bucket } = setup(1, 1_000); // one token per ms
    bucket.acquireNowait();
    const order: number[] = [];
    const all = Array.from({ length: 10_000 }, (_, i) => bucket.acquire().then(() => order.push(i)));
    expect(clock.pendingTimers).toBe(1);
    expect(bucket.stats.waiting).toBe(10_000);
    clock.advanceSync(5_000);
    expect(clock.pendingTimers).toBe(1);
    expect(bucket.stats.waiting).toBe(5_000);
    clock.advanceSync(5_000);
    await Promise.all(all);
    expect(order).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(clock.pendingTimers).toBe(0);
    expect(bucket.stats.waiting).toBe(0);
  });

  test('aborting the only waiter cancels its timer', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const controller = new AbortController();
    void rejection(bucket.acquire(1, { signal: controller.signal }));
    expect(clock.pendingTimers).toBe(1);
    controller.abort();
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('bad acquire options', () => {
  const cases: { name: string; options: unknown; error: typeof TypeError | typeof RangeError; message: RegExp }[] = [
    { name: 'an unknown key', options: { maxwait: 5 }, error: TypeError, message: /`maxwait`/ },
    { name: 'a negative maxWait', options: { maxWait: -1 }, error: RangeError, message: /`maxWait`.*-1 \(number\)/ },
    { name: 'a NaN maxWait', options: { maxWait: Number.NaN }, error: RangeError, message: /`maxWait`.*NaN \(number\)/ },
    { name: 'a string maxWait', options: { maxWait: '5' }, error: TypeError, message: /`maxWait`.*"5" \(string\)/ },
    { name: 'a NaN priority', options: { priority: Number.NaN }, error: RangeError, message: /`priority`.*NaN \(number\)/ },
    { name: 'an infinite priority', options: { priority: Infinity }, error: RangeError, message: /`priority`.*Infinity \(number\)/ },
    { name: 'a string priority', options: { priority: 'high' }, error: TypeError, message: /`priority`.*"high" \(string\)/ },
    { name: 'a plain-object signal', options: { signal: {} }, error: TypeError, message: /`signal`.*\(object\)/ },
    { name: 'a string signal', options: { signal: 'abort' }, error: TypeError, message: /`signal`.*"abort" \(string\)/ },
    { name: 'a null signal', options: { signal: null }, error: TypeError, message: /`signal`.*null \(null\)/ },
    { name: 'options null', options: null, error: TypeError, message: /`options`.*null \(null\)/ },
    { name: 'options a string', options: 'fast', error: TypeError, message: /`options`.*"fast" \(string\)/ },
    // A number where an object is expected is a wrong type, not a value out of range.
    { name: 'a number signal', options: { signal: 1 }, error: TypeError, message: /`signal`.*1 \(number\)/ },
    { name: 'options a number', options: 5_000, error: TypeError, message: /`options`.*5000 \(number\)/ },
  ];

  test.each(cases)('$name rejects (never throws) with an error naming it', async ({ options, error, message }) => {
    const { clock, bucket } = setup(1, 1);
    let promise: Promise<void> | undefined;
    expect(() => {
      promise = bucket.acquire(1, options as AcquireOptions);
    }).not.toThrow();
    const reason = await rejection(promise!);
    expect(reason).toBeInstanceOf(error);
    expect((reason as Error).message).toMatch(message);
    expect(bucket.available).toBe(1);
    expect(bucket.stats).toEqual({ granted: 0, rejected: 0, aborted: 0, waiting: 0 });
    expect(clock.pendingTimers).toBe(0);
  });

  test('explicitly undefined options are the defaults', async () => {
    const { bucket } = setup(1, 1);
    await expect(bucket.acquire(1, { signal: undefined, maxWait: undefined, priority: undefined })).resolves.toBeUndefined();
    await expect(bucket.acquire(0, {})).resolves.toBeUndefined();
  });
});
