import { describe, expect, test } from 'vitest';
import { FixedWindow, KeyedLimiter, type FixedWindowOptions } from '../src/index.js';
import { createManualClock, type ManualClock } from '../src/testing.js';
import { describeRateLimiterContract } from './contract.js';
import { playSteps, type Step } from './fixed-instants.js';
import { track } from './settle.js';

describeRateLimiterContract('FixedWindow', {
  make: (clock, capacity) => new FixedWindow({ limit: capacity, interval: 100, clock }),
  refillWithin: 100,
});

function setup(options: Omit<FixedWindowOptions, 'clock'>, start = 0): { clock: ManualClock; limiter: FixedWindow } {
  const clock = createManualClock(start);
  return { clock, limiter: new FixedWindow({ ...options, clock }) };
}

/** Runs `acquireNowait` at fixed instants of the manual clock, in order. */
function run(options: Omit<FixedWindowOptions, 'clock'>, steps: readonly Step[], start = 0): void {
  const { clock, limiter } = setup(options, start);
  playSteps(clock, limiter, steps);
}

describe('FixedWindow: acquireNowait at fixed instants', () => {
  test('3 per 1000 ms: windows start at multiples of the interval, whatever the first call', () => {
    run({ limit: 3, interval: 1_000 }, [
      { at: 250, cost: 1, want: true },
      { at: 250, cost: 2, want: true },
      { at: 250, cost: 1, want: false },
      { at: 999, cost: 1, want: false },
      { at: 1_000, cost: 3, want: true }, // a new window, 750 ms after the first burst
      { at: 1_000, cost: 0, want: true },
      { at: 1_999, cost: 1, want: false },
      { at: 2_000, cost: 1, want: true },
      { at: 2_500, cost: 2, want: true },
      { at: 2_999, cost: 1, want: false },
      { at: 10_000, cost: 3, want: true }, // nothing carries over: no more than 3 after a long rest
      { at: 10_000, cost: 1, want: false },
    ]);
  });

  test('a failed attempt takes nothing', () => {
    run({ limit: 3, interval: 100 }, [
      { at: 0, cost: 2, want: true },
      { at: 0, cost: 2, want: false },
      { at: 50, cost: 1, want: true },
      { at: 50, cost: 1, want: false },
    ]);
  });

  test('fractional costs and a fractional limit', () => {
    run({ limit: 0.3, interval: 10 }, [
      { at: 0, cost: 0.1, want: true },
      { at: 0, cost: 0.2, want: true }, // 0.1 + 0.2 is 0.30000000000000004: still fits
      { at: 0, cost: 0.01, want: false },
      { at: 10, cost: 0.3, want: true },
      { at: 20, cost: 0.25, want: true },
      { at: 29.5, cost: 0.1, want: false },
      { at: 29.5, cost: 0.05, want: true },
    ]);
  });

  test('a fractional interval', () => {
    run({ limit: 1, interval: 0.1 }, [
      { at: 0, cost: 1, want: true },
      { at: 0.05, cost: 1, want: false },
      { at: 0.1, cost: 1, want: true },
      { at: 0.30000000000000004, cost: 1, want: true }, // 3 × 0.1 as computed: window 3
      { at: 0.35, cost: 1, want: false },
    ]);
  });

  test('clock readings near 1e12 with fractions', () => {
    const t = 1e12;
    run(
      { limit: 2, interval: 1_000 },
      [
        { at: t + 0.25, cost: 2, want: true },
        { at: t + 999.75, cost: 1, want: false },
        { at: t + 1_000, cost: 1, want: true },
        { at: t + 1_000.5, cost: 1, want: true },
        { at: t + 1_999.999755859375, cost: 1, want: false },
        { at: t + 2_000, cost: 2, want: true },
      ],
      t + 0.25,
    );
  });

  test('a negative clock reading', () => {
    run(
      { limit: 1, interval: 100 },
      [
        { at: -150, cost: 1, want: true },
        { at: -101, cost: 1, want: false },
        { at: -100, cost: 1, want: true },
        { at: -1, cost: 1, want: false },
        { at: 0, cost: 1, want: true },
      ],
      -150,
    );
  });
});

describe('FixedWindow: the edge burst', () => {
  test('2 × limit within 1 ms across a window edge', () => {
    const { clock, limiter } = setup({ limit: 5, interval: 1_000 });
    clock.advanceSync(999.5);
    expect(limiter.acquireNowait(5)).toBe(true);
    clock.advanceSync(0.5);
    expect(limiter.acquireNowait(5)).toBe(true);
    expect(limiter.acquireNowait(1)).toBe(false);
    // 10 tokens between 999.5 and 1000: twice the limit within one millisecond.
    expect(limiter.stats.granted).toBe(2);
  });
});

describe('FixedWindow: available, timeToAvailable, idle', () => {
  test('available is what is left in the window of now', () => {
    const { clock, limiter } = setup({ limit: 4, interval: 1_000 });
    expect(limiter.available).toBe(4);
    limiter.acquireNowait(1.5);
    expect(limiter.available).toBe(2.5);
    clock.advanceSync(999);
    expect(limiter.available).toBe(2.5);
    clock.advanceSync(1);
    expect(limiter.available).toBe(4);
  });

  test.each([
    { at: 0, used: 0, cost: 1, want: 0 },
    { at: 0, used: 3, cost: 1, want: 1_000 },
    { at: 250, used: 3, cost: 1, want: 750 },
    { at: 250, used: 2, cost: 1, want: 0 },
    { at: 250, used: 2, cost: 2, want: 750 },
    { at: 999.5, used: 3, cost: 3, want: 0.5 },
    { at: 1e12 + 0.25, used: 3, cost: 1, want: 999.75 },
  ])('at $at with $used used, cost $cost: $want ms', ({ at, used, cost, want }) => {
    const { limiter } = setup({ limit: 3, interval: 1_000 }, at);
    if (used > 0) limiter.acquireNowait(used);
    expect(limiter.timeToAvailable(cost)).toBe(want);
  });

  test('counts the queue ahead: the window by which the parts fit, limit per window', () => {
    const { limiter } = setup({ limit: 3, interval: 1_000 }, 200);
    limiter.acquireNowait(3);
    void limiter.acquire(3); // window 1
    void limiter.acquire(2); // window 2
    expect(limiter.timeToAvailable(1)).toBe(1_800); // 3 + 2 + 1 = 6: fits by window 2
    expect(limiter.timeToAvailable(2)).toBe(2_800); // 7: window 3
  });

  test('with parts that do not divide the limit, the queue prediction is a lower bound', async () => {
    const { clock, limiter } = setup({ limit: 10, interval: 1_000 });
    limiter.acquireNowait(10);
    void limiter.acquire(6);
    void limiter.acquire(6);
    const predicted = limiter.timeToAvailable(6); // 18 more: by window 2
    expect(predicted).toBe(2_000);
    const last = track(limiter.acquire(6)); // but one 6 per window: window 3
    await clock.advance(2_999);
    expect(last.settled).toBe(false);
    await clock.advance(1);
    expect(last.settled).toBe(true);
  });

  test('a timer firing exactly at the window start grants there, near 1e12 too', async () => {
    for (const start of [0.3, 1e12 + 0.3, 1e12 + 0.1, 123_456.789]) {
      const { clock, limiter } = setup({ limit: 1, interval: 1_000 }, start);
      limiter.acquireNowait();
      const wait = limiter.timeToAvailable();
      const edge = (Math.floor(start / 1_000) + 1) * 1_000;
      const granted = track(limiter.acquire());
      await clock.advance(wait);
      expect(clock.now()).toBe(edge);
      expect(granted.settled).toBe(true);
      expect(clock.pendingTimers).toBe(0);
    }
  });

  test('idle while nothing is used in the window of now', () => {
    const { clock, limiter } = setup({ limit: 2, interval: 100 });
    expect(limiter.idle).toBe(true);
    limiter.acquireNowait(0);
    expect(limiter.idle).toBe(true);
    limiter.acquireNowait(1);
    expect(limiter.idle).toBe(false);
    clock.advanceSync(99);
    expect(limiter.idle).toBe(false);
    clock.advanceSync(1);
    expect(limiter.idle).toBe(true);
  });
});

describe('FixedWindow: waiting through acquire', () => {
  test('waiters are served at window starts, limit per window, in order', async () => {
    const { clock, limiter } = setup({ limit: 2, interval: 1_000 }, 500);
    limiter.acquireNowait(2);
    const served: [number, number][] = [];
    const waits = [1, 1, 2, 1].map((cost, i) => limiter.acquire(cost).then(() => served.push([i, clock.now()])));
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(3_000);
    await Promise.all(waits);
    expect(served).toEqual([
      [0, 1_000],
      [1, 1_000],
      [2, 2_000],
      [3, 3_000],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  test('maxWait is decided up front against the window start', async () => {
    const { clock, limiter } = setup({ limit: 1, interval: 1_000 }, 600);
    limiter.acquireNowait();
    await expect(limiter.acquire(1, { maxWait: 399 })).rejects.toMatchObject({ reason: 'max-wait', retryAfter: 400 });
    const ok = track(limiter.acquire(1, { maxWait: 400 }));
    await clock.advance(400);
    expect(ok.settled).toBe(true);
  });

  test('a KeyedLimiter drops a key once its window has passed', async () => {
    const clock = createManualClock();
    const keyed = new KeyedLimiter(() => new FixedWindow({ limit: 2, interval: 1_000, clock }), { clock });
    expect(keyed.acquireNowait('a', 2)).toBe(true);
    expect(keyed.acquireNowait('a')).toBe(false);
    const waiting = track(keyed.acquire('a'));
    expect(keyed.prune()).toBe(0);
    await clock.advance(1_000);
    expect(waiting.settled).toBe(true);
    expect(keyed.prune()).toBe(0); // one used in window 1
    await clock.advance(1_000);
    expect(keyed.prune()).toBe(1);
    expect(keyed.size).toBe(0);
  });
});

describe('FixedWindow: options', () => {
  test('limit, interval and capacity are readable', () => {
    const { limiter } = setup({ limit: 7, interval: 250 });
    expect(limiter.limit).toBe(7);
    expect(limiter.interval).toBe(250);
    expect(limiter.capacity).toBe(7);
  });

  test('limiters made alike answer alike, made differently differently', () => {
    const clock = createManualClock();
    const a = new FixedWindow({ limit: 2, interval: 100, clock });
    const b = new FixedWindow({ limit: 3, interval: 100, clock });
    const c = new FixedWindow({ limit: 2, interval: 100, clock });
    expect([a.limit, b.limit, c.limit]).toEqual([2, 3, 2]);
    a.acquireNowait(2);
    expect(c.available).toBe(2);
  });

  const cases: { name: string; options: unknown; error: typeof TypeError | typeof RangeError; message: RegExp }[] = [
    { name: 'options missing', options: undefined, error: TypeError, message: /`limit`.*undefined \(undefined\)/ },
    { name: 'options null', options: null, error: TypeError, message: /`FixedWindow options`.*null \(null\)/ },
    { name: 'options a number', options: 5, error: TypeError, message: /`FixedWindow options`.*5 \(number\)/ },
    { name: 'limit missing', options: { interval: 1_000 }, error: TypeError, message: /`limit`.*undefined \(undefined\)/ },
    { name: 'limit a string', options: { limit: '5', interval: 1_000 }, error: TypeError, message: /`limit`.*"5" \(string\)/ },
    { name: 'limit 0', options: { limit: 0, interval: 1_000 }, error: RangeError, message: /`limit`.*0 \(number\)/ },
    { name: 'limit negative', options: { limit: -1, interval: 1_000 }, error: RangeError, message: /`limit`.*-1 \(number\)/ },
    { name: 'limit NaN', options: { limit: Number.NaN, interval: 1_000 }, error: RangeError, message: /`limit`.*NaN \(number\)/ },
    { name: 'limit Infinity', options: { limit: Infinity, interval: 1_000 }, error: RangeError, message: /`limit`.*Infinity \(number\)/ },
    { name: 'interval missing', options: { limit: 1 }, error: TypeError, message: /`interval`.*undefined \(undefined\)/ },
    { name: 'interval a string', options: { limit: 1, interval: '1s' }, error: TypeError, message: /`interval`.*"1s" \(string\)/ },
    { name: 'interval 0', options: { limit: 1, interval: 0 }, error: RangeError, message: /`interval`.*0 \(number\)/ },
    { name: 'interval negative', options: { limit: 1, interval: -5 }, error: RangeError, message: /`interval`.*-5 \(number\)/ },
    { name: 'interval Infinity', options: { limit: 1, interval: Infinity }, error: RangeError, message: /`interval`.*Infinity \(number\)/ },
    { name: 'an unknown option', options: { limit: 1, interval: 1_000, window: 5 }, error: TypeError, message: /`window`.*limit, interval, clock/ },
    { name: 'clock a string', options: { limit: 1, interval: 1_000, clock: 'system' }, error: TypeError, message: /`clock`.*"system" \(string\)/ },
    { name: 'maxQueue negative', options: { limit: 1, interval: 1_000, maxQueue: -1 }, error: RangeError, message: /`maxQueue`.*-1 \(number\)/ },
  ];

  test.each(cases)('$name', ({ options, error, message }) => {
    expect(() => new FixedWindow(options as FixedWindowOptions)).toThrow(error);
    expect(() => new FixedWindow(options as FixedWindowOptions)).toThrow(message);
  });

  test('a cost above the limit is a RangeError naming it', () => {
    const { limiter } = setup({ limit: 3, interval: 1_000 });
    expect(() => limiter.acquireNowait(4)).toThrow(/`cost`.*\b3\b.*4 \(number\)/);
  });

  test('the caller options object is not mutated', () => {
    const clock = createManualClock();
    const options = Object.freeze({ limit: 3, interval: 10, clock });
    new FixedWindow(options).acquireNowait(3);
    expect(options).toEqual({ limit: 3, interval: 10, clock });
  });
});

describe('FixedWindow: the documented example', () => {
  test('answers what the TSDoc and README say', () => {
    const clock = createManualClock();
    const perMinute = new FixedWindow({ limit: 100, interval: 60_000, clock });
    expect(perMinute.acquireNowait(100)).toBe(true);
    expect(perMinute.acquireNowait()).toBe(false);
    expect(perMinute.timeToAvailable()).toBe(60_000);
    clock.advanceSync(60_000);
    expect(perMinute.acquireNowait(100)).toBe(true);
  });
});
