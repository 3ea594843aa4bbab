// maxQueue: a bounded queue of waiters. Callers that find it full are refused at once; those
// queued keep their places and are all served. Plus the validation of LimiterOptions.
import { describe, expect, it } from 'vitest';
import { isRateLimitError, KeyedLimiter, RateLimitError, TokenBucket, type Clock } from '../src/index.js';
import { createManualClock } from '../src/testing.js';
import { Quota } from './quota.js';
import { rejection } from './settle.js';

function setup(maxQueue: number, capacity = 1, refillPerSecond = 1) {
  const clock = createManualClock();
  const bucket = new TokenBucket({ capacity, refillPerSecond, clock, maxQueue });
  return { clock, bucket };
}

/** Records when (by the clock) each labelled promise settled, in settlement order. */
function tracker(clock: Clock) {
  const log: { label: string; at: number; error?: unknown }[] = [];
  const track = (label: string, promise: Promise<unknown>): void => {
    promise.then(
      () => void log.push({ label, at: clock.now() }),
      (error: unknown) => void log.push({ label, at: clock.now(), error }),
    );
  };
  return { log, track };
}

describe('maxQueue: a full queue refuses at once', () => {
  it('refuses the caller beyond maxQueue with a queue-full RateLimitError whose retryAfter is its predicted wait', async () => {
    const { bucket } = setup(2);
    bucket.acquireNowait();
    void bucket.acquire(); // 1000
    void bucket.acquire(); // 2000
    const error = await rejection(bucket.acquire());
    expect(error).toBeInstanceOf(RateLimitError);
    expect(isRateLimitError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'RateLimitError', reason: 'queue-full', retryAfter: 3_000, key: undefined });
    expect((error as Error).message).toMatch(/2 callers already wait \(maxQueue\)/);
    expect(bucket.stats).toEqual({ granted: 1, rejected: 1, aborted: 0, waiting: 2 });
  });

  it('those queued keep their places and are all served, each at its time', async () => {
    const { clock, bucket } = setup(2);
    bucket.acquireNowait();
    const { log, track } = tracker(clock);
    for (const label of ['a', 'b', 'c', 'd']) track(label, bucket.acquire());
    await clock.advance(0);
    expect(log.map((e) => [e.label, e.at, (e.error as RateLimitError | undefined)?.reason])).toEqual([
      ['c', 0, 'queue-full'],
      ['d', 0, 'queue-full'],
    ]);
    await clock.advance(3_000);
    expect(log.slice(2)).toEqual([
      { label: 'a', at: 1_000 },
      { label: 'b', at: 2_000 },
    ]);
    expect(bucket.stats).toEqual({ granted: 3, rejected: 2, aborted: 0, waiting: 0 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('a refusal leaves no trace: tokens, timers and the predicted waits are unchanged', async () => {
    const { clock, bucket } = setup(1, 2, 1);
    bucket.acquireNowait(1.5);
    void bucket.acquire(2);
    const before = [bucket.available, bucket.timeToAvailable(1), clock.pendingTimers, bucket.idle];
    await rejection(bucket.acquire(1));
    await rejection(bucket.acquire(2, { priority: 9 }));
    expect([bucket.available, bucket.timeToAvailable(1), clock.pendingTimers, bucket.idle]).toEqual(before);
  });

  it('room made by a served waiter is taken by the next caller', async () => {
    const { clock, bucket } = setup(1);
    bucket.acquireNowait();
    const { log, track } = tracker(clock);
    track('a', bucket.acquire()); // 1000
    await expect(bucket.acquire()).rejects.toMatchObject({ reason: 'queue-full', retryAfter: 2_000 });
    await clock.advance(1_000);
    track('b', bucket.acquire()); // the queue is empty again
    await clock.advance(1_000);
    expect(log).toEqual([
      { label: 'a', at: 1_000 },
      { label: 'b', at: 2_000 },
    ]);
  });

  it('room made by an abort is taken at once', async () => {
    const { clock, bucket } = setup(1);
    bucket.acquireNowait();
    const controller = new AbortController();
    const aborted = bucket.acquire(1, { signal: controller.signal });
    await expect(bucket.acquire()).rejects.toMatchObject({ reason: 'queue-full' });
    controller.abort();
    await rejection(aborted);
    const next = bucket.acquire();
    await clock.advance(1_000);
    await expect(next).resolves.toBeUndefined();
    expect(bucket.stats).toEqual({ granted: 2, rejected: 1, aborted: 1, waiting: 0 });
  });

  it('a high priority does not get past a full queue', async () => {
    const { bucket } = setup(1);
    bucket.acquireNowait();
    void bucket.acquire(1, { priority: -1 });
    await expect(bucket.acquire(1, { priority: 100 })).rejects.toMatchObject({ reason: 'queue-full', retryAfter: 1_000 });
  });

  it('a caller whose tokens are there is refused when the queue is full, even if it would jump to the head', async () => {
    // Priority 1 would go ahead of the big waiter and be served at once (wait 0); the queue is
    // full, so it is refused with retryAfter 0.
    const clock = createManualClock();
    const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 1, initialTokens: 2, clock, maxQueue: 1 });
    void bucket.acquire(5);
    await expect(bucket.acquire(1, { priority: 1 })).rejects.toMatchObject({ reason: 'queue-full', retryAfter: 0 });
  });

  it('maxWait is checked first: a wait too long is refused as max-wait, full queue or not', async () => {
    const { bucket } = setup(1);
    bucket.acquireNowait();
    void bucket.acquire();
    await expect(bucket.acquire(1, { maxWait: 10 })).rejects.toMatchObject({ reason: 'max-wait', retryAfter: 2_000 });
    await expect(bucket.acquire(1, { maxWait: 2_000 })).rejects.toMatchObject({ reason: 'queue-full', retryAfter: 2_000 });
  });

  it('tokens there and nobody waiting: granted at once whatever maxQueue', async () => {
    const { clock, bucket } = setup(1, 3, 1);
    await bucket.acquire();
    await bucket.acquire(2);
    expect(bucket.stats).toEqual({ granted: 2, rejected: 0, aborted: 0, waiting: 0 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('acquireNowait is not affected by maxQueue', () => {
    const { bucket } = setup(0, 2, 1);
    expect(bucket.acquireNowait()).toBe(true);
    expect(bucket.acquireNowait()).toBe(true);
    expect(bucket.acquireNowait()).toBe(false);
    expect(bucket.stats.rejected).toBe(1);
  });

  it('reservations take places in the queue too', async () => {
    const { bucket } = setup(2);
    bucket.acquireNowait();
    expect(bucket.reserve().ok).toBe(true);
    void bucket.acquire();
    const refused = bucket.reserve();
    expect({ ok: refused.ok, delay: refused.delay }).toEqual({ ok: false, delay: 3_000 });
    await expect(bucket.acquire()).rejects.toMatchObject({ reason: 'queue-full', retryAfter: 3_000 });
    expect(bucket.stats).toEqual({ granted: 1, rejected: 2, aborted: 0, waiting: 2 });
  });

  it('a pause alone does not fill the queue; its wait is in retryAfter', async () => {
    const { clock, bucket } = setup(1);
    bucket.pause(500);
    const first = bucket.acquire();
    await expect(bucket.acquire()).rejects.toMatchObject({ reason: 'queue-full', retryAfter: 1_500 });
    await clock.advance(500);
    await expect(first).resolves.toBeUndefined();
  });
});

describe('maxQueue: 0 means never wait', () => {
  const table = [
    { at: 0, want: 'granted' },
    { at: 0, want: 'queue-full, retryAfter 1000' },
    { at: 999, want: 'queue-full, retryAfter 1' },
    { at: 1_000, want: 'granted' },
    { at: 1_500, want: 'queue-full, retryAfter 500' },
  ];

  it('acquire is granted when the tokens are there, refused at once otherwise (table)', async () => {
    const { clock, bucket } = setup(0);
    const got = [];
    for (const { at } of table) {
      await clock.advance(at - clock.now());
      const outcome = await bucket.acquire().then(
        () => 'granted',
        (error: RateLimitError) => `${error.reason}, retryAfter ${error.retryAfter}`,
      );
      got.push({ at, want: outcome });
      expect(clock.pendingTimers).toBe(0);
    }
    expect(got).toEqual(table);
    expect(bucket.stats).toEqual({ granted: 2, rejected: 3, aborted: 0, waiting: 0 });
  });

  it('reserve is { ok: false } unless the tokens are there now', () => {
    const { bucket } = setup(0);
    const view = (r: { ok: boolean; delay: number }) => ({ ok: r.ok, delay: r.delay });
    expect(view(bucket.reserve())).toEqual({ ok: true, delay: 0 });
    expect(view(bucket.reserve())).toEqual({ ok: false, delay: 1_000 });
    expect(bucket.stats.waiting).toBe(0);
  });

  it('a paused limiter refuses everyone with the time left of the pause', async () => {
    const { bucket } = setup(0, 5);
    bucket.pause(300);
    await expect(bucket.acquire()).rejects.toMatchObject({ reason: 'queue-full', retryAfter: 300 });
  });
});

describe('maxQueue through a KeyedLimiter', () => {
  function keyedSetup() {
    const clock = createManualClock();
    const keyed = new KeyedLimiter((_: string) => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock, maxQueue: 1 }), { clock });
    return { clock, keyed };
  }

  it('each key has its own bounded queue; the error names the key', async () => {
    const { clock, keyed } = keyedSetup();
    keyed.acquireNowait('a');
    keyed.acquireNowait('b');
    const a = keyed.acquire('a');
    const b = keyed.acquire('b');
    const error = await rejection(keyed.acquire('a'));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ reason: 'queue-full', key: 'a', retryAfter: 2_000 });
    expect(keyed.get('a').stats).toEqual({ granted: 1, rejected: 1, aborted: 0, waiting: 1 });
    await clock.advance(1_000);
    await expect(Promise.all([a, b])).resolves.toEqual([undefined, undefined]);
  });

  it('acquireAny: a full queue is refused with the chosen key', async () => {
    const { keyed } = keyedSetup();
    keyed.acquireNowait('a');
    keyed.acquireNowait('b');
    void keyed.acquire('a');
    void keyed.acquire('b');
    await expect(keyed.acquireAny(['a', 'b'])).rejects.toMatchObject({ reason: 'queue-full', key: 'a' });
  });

  it('reserve through the keyed limiter is refused too', () => {
    const { keyed } = keyedSetup();
    keyed.acquireNowait('a');
    expect(keyed.reserve('a').ok).toBe(true);
    expect(keyed.reserve('a').ok).toBe(false);
  });
});

describe('LimiterOptions: validation', () => {
  const base = { capacity: 1, refillPerSecond: 1 };

  it.each([
    { maxQueue: -1, error: RangeError, message: /`maxQueue` to be a number >= 0, got -1 \(number\)/ },
    { maxQueue: Number.NaN, error: RangeError, message: /`maxQueue`.*NaN \(number\)/ },
    { maxQueue: -Infinity, error: RangeError, message: /`maxQueue`.*-Infinity \(number\)/ },
    { maxQueue: '2', error: TypeError, message: /`maxQueue`.*"2" \(string\)/ },
    { maxQueue: null, error: TypeError, message: /`maxQueue`.*null \(null\)/ },
  ])('maxQueue $maxQueue: $error.name', ({ maxQueue, error, message }) => {
    expect(() => new TokenBucket({ ...base, maxQueue: maxQueue as number })).toThrow(error);
    expect(() => new TokenBucket({ ...base, maxQueue: maxQueue as number })).toThrow(message);
  });

  it.each([0, 1, 100, Infinity, undefined])('maxQueue %s is accepted and read back', (maxQueue) => {
    expect(new TokenBucket({ ...base, maxQueue }).maxQueue).toBe(maxQueue ?? Infinity);
  });

  it.each([
    { onEvent: 5, message: /`onEvent` to be a function \(event\) => void, got 5 \(number\)/ },
    { onEvent: 'log', message: /`onEvent`.*"log" \(string\)/ },
    { onEvent: null, message: /`onEvent`.*null/ },
    { onEvent: {}, message: /`onEvent`.*\[object\]/ },
  ])('onEvent $onEvent: TypeError', ({ onEvent, message }) => {
    expect(() => new TokenBucket({ ...base, onEvent: onEvent as never })).toThrow(TypeError);
    expect(() => new TokenBucket({ ...base, onEvent: onEvent as never })).toThrow(message);
  });

  it.each([
    { clock: null, message: /`clock` to be a Clock/ },
    { clock: {}, message: /`clock` to be a Clock/ },
    { clock: { now: (): number => 0 }, message: /`clock` to be a Clock/ },
    { clock: Date, message: /`clock` to be a Clock/ },
  ])('clock $clock: TypeError', ({ clock, message }) => {
    expect(() => new TokenBucket({ ...base, clock: clock as never })).toThrow(TypeError);
    expect(() => new TokenBucket({ ...base, clock: clock as never })).toThrow(message);
  });

  it('an unknown or misspelt option is a TypeError naming it and the known ones', () => {
    expect(() => new TokenBucket({ ...base, maxqueue: 1 } as never)).toThrow(TypeError);
    expect(() => new TokenBucket({ ...base, maxqueue: 1 } as never)).toThrow(/Unknown option `maxqueue`.*maxQueue, onEvent/);
  });

  it("the caller's options object is not changed", () => {
    const clock = createManualClock();
    const options = Object.freeze({ ...base, clock, maxQueue: 3, onEvent: () => undefined });
    const bucket = new TokenBucket(options);
    expect(bucket.clock).toBe(clock);
    expect(bucket.maxQueue).toBe(3);
  });

  describe('a user subclass', () => {
    it('that passes a clock itself instead of { clock } gets a TypeError saying so', () => {
      const clock = createManualClock();
      expect(() => new Quota(2, clock as never)).toThrow(TypeError);
      expect(() => new Quota(2, clock as never)).toThrow(/`options` to be an options object such as \{ clock \} \(a Clock was passed itself\)/);
    });

    it('that passes a non-object gets a TypeError', () => {
      expect(() => new Quota(2, 5 as never)).toThrow(/`options` to be an options object/);
      expect(() => new Quota(2, null as never)).toThrow(TypeError);
    });

    it('with no options uses the system clock, no bound on the queue, no listener', () => {
      const quota = new Quota(2);
      expect(quota.maxQueue).toBe(Infinity);
      expect(quota.acquireNowait(2)).toBe(true);
    });

    it('gets maxQueue from the base class', async () => {
      const clock = createManualClock();
      const quota = new Quota(2, { clock, maxQueue: 0 });
      quota.acquireNowait(2);
      await expect(quota.acquire()).rejects.toMatchObject({ reason: 'queue-full', retryAfter: Infinity });
    });
  });
});
