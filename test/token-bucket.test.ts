import { describe, expect, test } from 'vitest';
import { isRateLimitError, RateLimitError, TokenBucket, type Clock, type TokenBucketOptions } from '../src/index.js';
import { createManualClock, type ManualClock } from '../src/testing.js';

function setup(options: Omit<TokenBucketOptions, 'clock'>, start = 0): { clock: ManualClock; bucket: TokenBucket } {
  const clock = createManualClock(start);
  return { clock, bucket: new TokenBucket({ ...options, clock }) };
}

interface Step {
  at: number;
  cost: number;
  want: boolean;
}

/** Runs `acquireNowait` at fixed instants of the manual clock, in order. */
function run(options: Omit<TokenBucketOptions, 'clock'>, steps: readonly Step[]): void {
  const { clock, bucket } = setup(options);
  for (const step of steps) {
    clock.advanceSync(step.at - clock.now());
    expect(bucket.acquireNowait(step.cost), `acquireNowait(${step.cost}) at ${step.at}`).toBe(step.want);
  }
}

describe('TokenBucket: acquireNowait at fixed instants', () => {
  test('capacity 2, 5 per second: a burst of 2, then one token every 200 ms', () => {
    run({ capacity: 2, refillPerSecond: 5 }, [
      { at: 0, cost: 1, want: true },
      { at: 0, cost: 1, want: true },
      { at: 0, cost: 1, want: false },
      { at: 199, cost: 1, want: false },
      { at: 200, cost: 1, want: true },
      { at: 200, cost: 0, want: true },
      { at: 200, cost: 1, want: false },
      { at: 399, cost: 1, want: false },
      { at: 400, cost: 1, want: true },
      { at: 799, cost: 2, want: false },
      { at: 800, cost: 2, want: true },
      { at: 10_000, cost: 2, want: true }, // refill stops at capacity: no more than 2 after a long rest
      { at: 10_000, cost: 1, want: false },
    ]);
  });

  test('capacity 1, 1 per second: exactly one per second', () => {
    run({ capacity: 1, refillPerSecond: 1 }, [
      { at: 0, cost: 1, want: true },
      { at: 999, cost: 1, want: false },
      { at: 1_000, cost: 1, want: true },
      { at: 1_999, cost: 1, want: false },
      { at: 2_000, cost: 1, want: true },
      { at: 5_000, cost: 1, want: true },
      { at: 5_000, cost: 1, want: false },
    ]);
  });

  test('a failed attempt takes nothing', () => {
    run({ capacity: 3, refillPerSecond: 1 }, [
      { at: 0, cost: 2, want: true },
      { at: 0, cost: 3, want: false },
      { at: 0, cost: 1, want: true },
      { at: 2_000, cost: 3, want: false },
      { at: 2_000, cost: 2, want: true },
    ]);
  });

  test('fractional costs and a fractional refill', () => {
    run({ capacity: 1, refillPerSecond: 0.5 }, [
      { at: 0, cost: 0.5, want: true },
      { at: 0, cost: 0.75, want: false },
      { at: 0, cost: 0.25, want: true },
      { at: 0, cost: 0.25, want: true },
      { at: 0, cost: 0.25, want: false },
      { at: 499, cost: 0.25, want: false },
      { at: 500, cost: 0.25, want: true },
      { at: 2_499, cost: 1, want: false },
      { at: 2_500, cost: 1, want: true },
    ]);
  });

  test('a fractional capacity', () => {
    run({ capacity: 2.5, refillPerSecond: 1 }, [
      { at: 0, cost: 2.5, want: true },
      { at: 499, cost: 0.5, want: false },
      { at: 500, cost: 0.5, want: true },
      { at: 3_000, cost: 2.5, want: true },
    ]);
  });
});

describe('TokenBucket: available', () => {
  test('starts full, drops by the cost, refills continuously up to capacity', () => {
    const { clock, bucket } = setup({ capacity: 10, refillPerSecond: 4 });
    expect(bucket.available).toBe(10);
    bucket.acquireNowait(10);
    expect(bucket.available).toBe(0);
    clock.advanceSync(125);
    expect(bucket.available).toBe(0.5);
    clock.advanceSync(125);
    expect(bucket.available).toBe(1);
    clock.advanceSync(1_000);
    expect(bucket.available).toBe(5);
    clock.advanceSync(60_000);
    expect(bucket.available).toBe(10);
  });

  test('fractional tokens', () => {
    const { clock, bucket } = setup({ capacity: 1, refillPerSecond: 1 });
    expect(bucket.acquireNowait(0.5)).toBe(true);
    expect(bucket.available).toBe(0.5);
    expect(bucket.acquireNowait(0.75)).toBe(false);
    expect(bucket.available).toBe(0.5);
    clock.advanceSync(250);
    expect(bucket.available).toBe(0.75);
    expect(bucket.acquireNowait(0.75)).toBe(true);
    expect(bucket.available).toBe(0);
  });

  test('capacity and refillPerSecond are readable', () => {
    const { bucket } = setup({ capacity: 7, refillPerSecond: 3 });
    expect(bucket.capacity).toBe(7);
    expect(bucket.refillPerSecond).toBe(3);
  });
});

describe('TokenBucket: initialTokens', () => {
  test('starts with initialTokens, refilling from there', () => {
    const { clock, bucket } = setup({ capacity: 10, refillPerSecond: 1, initialTokens: 3 });
    expect(bucket.available).toBe(3);
    expect(bucket.idle).toBe(false);
    expect(bucket.acquireNowait(4)).toBe(false);
    expect(bucket.acquireNowait(3)).toBe(true);
    expect(bucket.acquireNowait(1)).toBe(false);
    expect(bucket.timeToAvailable(1)).toBe(1_000);
    clock.advanceSync(10_000);
    expect(bucket.available).toBe(10);
    expect(bucket.idle).toBe(true);
  });

  test('initialTokens 0 starts empty, also on a clock that does not start at 0', () => {
    const { clock, bucket } = setup({ capacity: 2, refillPerSecond: 2, initialTokens: 0 }, 5_000);
    expect(bucket.available).toBe(0);
    expect(bucket.acquireNowait()).toBe(false);
    expect(bucket.timeToAvailable(1)).toBe(500);
    expect(bucket.timeToAvailable(2)).toBe(1_000);
    clock.advanceSync(500);
    expect(bucket.acquireNowait()).toBe(true);
  });

  test('initialTokens equal to capacity is the same as a full bucket', () => {
    const { bucket } = setup({ capacity: 4, refillPerSecond: 1, initialTokens: 4 });
    expect(bucket.available).toBe(4);
    expect(bucket.idle).toBe(true);
  });

  test('fractional initialTokens', () => {
    const { bucket } = setup({ capacity: 2, refillPerSecond: 1, initialTokens: 1.5 });
    expect(bucket.available).toBe(1.5);
    expect(bucket.acquireNowait(1.5)).toBe(true);
    expect(bucket.timeToAvailable(0.5)).toBe(500);
  });

  test('undefined initialTokens means full', () => {
    const { bucket } = setup({ capacity: 4, refillPerSecond: 1, initialTokens: undefined });
    expect(bucket.available).toBe(4);
  });
});

describe('TokenBucket: refillPerSecond 0 never refills', () => {
  test('grants up to capacity once, then never again', () => {
    const { clock, bucket } = setup({ capacity: 3, refillPerSecond: 0 });
    expect(bucket.idle).toBe(true);
    expect(bucket.acquireNowait(2)).toBe(true);
    expect(bucket.available).toBe(1);
    expect(bucket.acquireNowait(1)).toBe(true);
    expect(bucket.acquireNowait(1)).toBe(false);
    clock.advanceSync(1e12);
    expect(bucket.available).toBe(0);
    expect(bucket.acquireNowait(1)).toBe(false);
    expect(bucket.timeToAvailable(1)).toBe(Infinity);
    expect(bucket.timeToAvailable(0)).toBe(0);
    expect(bucket.idle).toBe(false);
  });

  test('initialTokens with a zero refill stays as it is', () => {
    const { clock, bucket } = setup({ capacity: 3, refillPerSecond: 0, initialTokens: 1 });
    clock.advanceSync(1e9);
    expect(bucket.available).toBe(1);
    expect(bucket.timeToAvailable(1)).toBe(0);
    expect(bucket.timeToAvailable(2)).toBe(Infinity);
  });

  test('acquire with maxWait rejects at once with retryAfter Infinity', async () => {
    const { clock, bucket } = setup({ capacity: 1, refillPerSecond: 0 });
    bucket.acquireNowait();
    const error: unknown = await bucket.acquire(1, { maxWait: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ name: 'RateLimitError', reason: 'max-wait', retryAfter: Infinity });
    expect(clock.pendingTimers).toBe(0);
  });

  test('acquire without maxWait waits for ever, without a timer', async () => {
    const { clock, bucket } = setup({ capacity: 1, refillPerSecond: 0 });
    bucket.acquireNowait();
    let settled = false;
    void bucket.acquire().then(
      () => (settled = true),
      () => (settled = true),
    );
    await clock.advance(1e9);
    expect(settled).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    expect(bucket.stats.waiting).toBe(1);
  });
});

describe('TokenBucket: refillPerSecond Infinity is always full', () => {
  test('every cost up to capacity is granted, any number of times, at one instant', () => {
    const { bucket } = setup({ capacity: 5, refillPerSecond: Infinity });
    for (let i = 0; i < 1_000; i++) expect(bucket.acquireNowait(5)).toBe(true);
    expect(bucket.available).toBe(5);
    expect(bucket.timeToAvailable(5)).toBe(0);
    expect(bucket.idle).toBe(true);
  });

  test('initialTokens do not matter: it is full at once', () => {
    const { bucket } = setup({ capacity: 5, refillPerSecond: Infinity, initialTokens: 0 });
    expect(bucket.available).toBe(5);
    expect(bucket.acquireNowait(5)).toBe(true);
  });

  test('acquire resolves at once without a timer', async () => {
    const { clock, bucket } = setup({ capacity: 2, refillPerSecond: Infinity });
    await Promise.all(Array.from({ length: 100 }, () => bucket.acquire(2, { maxWait: 0 })));
    expect(clock.pendingTimers).toBe(0);
    expect(bucket.stats.granted).toBe(100);
  });
});

describe('TokenBucket: cost 0', () => {
  test('is granted while empty', async () => {
    const { bucket } = setup({ capacity: 1, refillPerSecond: 1 });
    bucket.acquireNowait();
    expect(bucket.acquireNowait(0)).toBe(true);
    await expect(bucket.acquire(0, { maxWait: 0 })).resolves.toBeUndefined();
    expect(bucket.timeToAvailable(0)).toBe(0);
  });

  test('is granted while paused', async () => {
    const { bucket } = setup({ capacity: 1, refillPerSecond: 1 });
    bucket.pause(10_000);
    expect(bucket.acquireNowait(1)).toBe(false);
    expect(bucket.acquireNowait(0)).toBe(true);
    await expect(bucket.acquire(0, { maxWait: 0 })).resolves.toBeUndefined();
    expect(bucket.timeToAvailable(0)).toBe(0);
  });

  test('is granted while others wait, without taking their place', async () => {
    const { clock, bucket } = setup({ capacity: 1, refillPerSecond: 1 });
    bucket.acquireNowait();
    const waiting = bucket.acquire();
    expect(bucket.acquireNowait(0)).toBe(true);
    await expect(bucket.acquire(0)).resolves.toBeUndefined();
    expect(bucket.stats.waiting).toBe(1);
    await clock.advance(1_000);
    await expect(waiting).resolves.toBeUndefined();
  });

  test('counts as granted and takes nothing', () => {
    const { bucket } = setup({ capacity: 1, refillPerSecond: 1 });
    bucket.acquireNowait(0);
    bucket.acquireNowait(0);
    expect(bucket.stats.granted).toBe(2);
    expect(bucket.available).toBe(1);
    expect(bucket.idle).toBe(true);
  });
});

describe('TokenBucket: a cost above capacity can never succeed', () => {
  test('acquireNowait throws a RangeError naming the cost and the capacity', () => {
    const { bucket } = setup({ capacity: 5, refillPerSecond: 1 });
    expect(() => bucket.acquireNowait(6)).toThrow(RangeError);
    expect(() => bucket.acquireNowait(6)).toThrow(/`cost`/);
    expect(() => bucket.acquireNowait(6)).toThrow(/\b5\b/);
    expect(() => bucket.acquireNowait(6)).toThrow(/6 \(number\)/);
    expect(bucket.available).toBe(5);
  });

  test('acquire returns a rejected promise (never throws) with the same RangeError', async () => {
    const { clock, bucket } = setup({ capacity: 5, refillPerSecond: 1 });
    let promise: Promise<void> | undefined;
    expect(() => {
      promise = bucket.acquire(5.5);
    }).not.toThrow();
    const error: unknown = await promise!.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect(isRateLimitError(error)).toBe(false);
    expect((error as Error).message).toMatch(/`cost`/);
    expect((error as Error).message).toMatch(/\b5\b/);
    expect((error as Error).message).toMatch(/5\.5 \(number\)/);
    expect(clock.pendingTimers).toBe(0);
    expect(bucket.stats.waiting).toBe(0);
  });

  test('timeToAvailable throws the same RangeError', () => {
    const { bucket } = setup({ capacity: 5, refillPerSecond: 1 });
    expect(() => bucket.timeToAvailable(6)).toThrow(RangeError);
    expect(() => bucket.timeToAvailable(6)).toThrow(/`cost`.*6 \(number\)/);
  });

  test('also when the refill is infinite or zero', async () => {
    expect(() => setup({ capacity: 1, refillPerSecond: Infinity }).bucket.acquireNowait(2)).toThrow(RangeError);
    await expect(setup({ capacity: 1, refillPerSecond: 0 }).bucket.acquire(2)).rejects.toThrow(RangeError);
  });
});

describe('TokenBucket: bad costs', () => {
  test.each([
    { cost: -1, error: RangeError, shown: '-1 (number)' },
    { cost: Number.NaN, error: RangeError, shown: 'NaN (number)' },
    { cost: Infinity, error: RangeError, shown: 'Infinity (number)' },
    { cost: '1', error: TypeError, shown: '"1" (string)' },
    { cost: null, error: TypeError, shown: 'null (null)' },
    { cost: 1n, error: TypeError, shown: '1 (bigint)' },
  ])('cost $cost: $error.name, showing $shown', async ({ cost, error, shown }) => {
    const { bucket } = setup({ capacity: 5, refillPerSecond: 1 });
    expect(() => bucket.acquireNowait(cost as number)).toThrow(error);
    expect(() => bucket.acquireNowait(cost as number)).toThrow(shown);
    expect(() => bucket.timeToAvailable(cost as number)).toThrow(error);
    await expect(bucket.acquire(cost as number)).rejects.toThrow(error);
    await expect(bucket.acquire(cost as number)).rejects.toThrow(shown);
    expect(bucket.stats).toEqual({ granted: 0, rejected: 0, aborted: 0, waiting: 0 });
  });
});

describe('TokenBucket: bad options name the option, the value and its type', () => {
  const clock = createManualClock();
  const cases: { name: string; options: unknown; error: typeof TypeError | typeof RangeError; message: RegExp }[] = [
    { name: 'capacity missing', options: { refillPerSecond: 1 }, error: TypeError, message: /`capacity`.*undefined \(undefined\)/ },
    { name: 'capacity a string', options: { capacity: '5', refillPerSecond: 1 }, error: TypeError, message: /`capacity`.*"5" \(string\)/ },
    { name: 'capacity NaN', options: { capacity: Number.NaN, refillPerSecond: 1 }, error: RangeError, message: /`capacity`.*NaN \(number\)/ },
    { name: 'capacity negative', options: { capacity: -1, refillPerSecond: 1 }, error: RangeError, message: /`capacity`.*-1 \(number\)/ },
    { name: 'capacity 0', options: { capacity: 0, refillPerSecond: 1 }, error: RangeError, message: /`capacity`.*0 \(number\)/ },
    { name: 'capacity Infinity', options: { capacity: Infinity, refillPerSecond: 1 }, error: RangeError, message: /`capacity`.*Infinity \(number\)/ },
    { name: 'refillPerSecond missing', options: { capacity: 1 }, error: TypeError, message: /`refillPerSecond`.*undefined \(undefined\)/ },
    { name: 'refillPerSecond a string', options: { capacity: 1, refillPerSecond: '1' }, error: TypeError, message: /`refillPerSecond`.*"1" \(string\)/ },
    { name: 'refillPerSecond NaN', options: { capacity: 1, refillPerSecond: Number.NaN }, error: RangeError, message: /`refillPerSecond`.*NaN \(number\)/ },
    { name: 'refillPerSecond negative', options: { capacity: 1, refillPerSecond: -0.5 }, error: RangeError, message: /`refillPerSecond`.*-0\.5 \(number\)/ },
    { name: 'refillPerSecond null', options: { capacity: 1, refillPerSecond: null }, error: TypeError, message: /`refillPerSecond`.*null \(null\)/ },
    { name: 'initialTokens above capacity', options: { capacity: 10, refillPerSecond: 1, initialTokens: 11 }, error: RangeError, message: /`initialTokens`.*\b10\b.*11 \(number\)/ },
    { name: 'initialTokens negative', options: { capacity: 10, refillPerSecond: 1, initialTokens: -1 }, error: RangeError, message: /`initialTokens`.*-1 \(number\)/ },
    { name: 'initialTokens NaN', options: { capacity: 10, refillPerSecond: 1, initialTokens: Number.NaN }, error: RangeError, message: /`initialTokens`.*NaN \(number\)/ },
    { name: 'initialTokens a string', options: { capacity: 10, refillPerSecond: 1, initialTokens: '3' }, error: TypeError, message: /`initialTokens`.*"3" \(string\)/ },
    { name: 'an unknown option (typo)', options: { capacity: 1, refillPerSec: 1 }, error: TypeError, message: /`refillPerSec`/ },
    { name: 'an unknown option next to valid ones', options: { capacity: 1, refillPerSecond: 1, maxWait: 5 }, error: TypeError, message: /`maxWait`/ },
    { name: 'options null', options: null, error: TypeError, message: /`TokenBucket options`.*null \(null\)/ },
    { name: 'options a string', options: 'capacity=5', error: TypeError, message: /`TokenBucket options`.*"capacity=5" \(string\)/ },
    { name: 'options an array', options: [5, 1], error: TypeError, message: /`TokenBucket options`.*\(object\)/ },
    { name: 'options missing', options: undefined, error: TypeError, message: /`capacity`.*undefined \(undefined\)/ },
    { name: 'clock a string', options: { capacity: 1, refillPerSecond: 1, clock: 'system' }, error: TypeError, message: /`clock`.*"system" \(string\)/ },
    { name: 'clock null', options: { capacity: 1, refillPerSecond: 1, clock: null }, error: TypeError, message: /`clock`.*null \(null\)/ },
    { name: 'clock without setTimeout', options: { capacity: 1, refillPerSecond: 1, clock: { now: () => 0 } }, error: TypeError, message: /`clock`.*\(object\)/ },
    { name: 'clock without now', options: { capacity: 1, refillPerSecond: 1, clock: { setTimeout: () => () => undefined } }, error: TypeError, message: /`clock`/ },
    // A number where an object is expected is a wrong type, not a value out of range.
    { name: 'options a number', options: 5, error: TypeError, message: /`TokenBucket options`.*5 \(number\)/ },
    { name: 'clock a number', options: { capacity: 1, refillPerSecond: 1, clock: 0 }, error: TypeError, message: /`clock`.*0 \(number\)/ },
  ];

  test.each(cases)('$name', ({ options, error, message }) => {
    expect(() => new TokenBucket(options as TokenBucketOptions)).toThrow(error);
    expect(() => new TokenBucket(options as TokenBucketOptions)).toThrow(message);
  });

  test('the unknown-option error lists the known options', () => {
    expect(() => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock, refil: 1 } as TokenBucketOptions)).toThrow(
      /capacity, refillPerSecond, initialTokens, clock/,
    );
  });

  test('the caller options object is not mutated', () => {
    const options = Object.freeze({ capacity: 3, refillPerSecond: 1, clock });
    const bucket = new TokenBucket(options);
    bucket.acquireNowait(3);
    expect(options).toEqual({ capacity: 3, refillPerSecond: 1, clock });
  });

  test('any object with now() and setTimeout() is a clock', () => {
    const custom: Clock = { now: () => 42, setTimeout: () => () => undefined };
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock: custom });
    expect(bucket.clock).toBe(custom);
  });
});

describe('TokenBucket: timeToAvailable', () => {
  test('ms until the cost can be taken, 0 when it can now', () => {
    const { clock, bucket } = setup({ capacity: 5, refillPerSecond: 5 });
    expect(bucket.timeToAvailable()).toBe(0);
    expect(bucket.timeToAvailable(5)).toBe(0);
    bucket.acquireNowait(5);
    expect(bucket.timeToAvailable()).toBe(200);
    expect(bucket.timeToAvailable(1)).toBe(200);
    expect(bucket.timeToAvailable(2.5)).toBe(500);
    expect(bucket.timeToAvailable(5)).toBe(1_000);
    expect(bucket.timeToAvailable(0)).toBe(0);
    clock.advanceSync(150);
    expect(bucket.timeToAvailable(1)).toBe(50);
    expect(bucket.timeToAvailable(5)).toBe(850);
    clock.advanceSync(50);
    expect(bucket.timeToAvailable(1)).toBe(0);
  });

  test('agrees with acquireNowait at every instant', () => {
    const { clock, bucket } = setup({ capacity: 3, refillPerSecond: 2 });
    bucket.acquireNowait(3);
    for (let t = 0; t <= 1_600; t += 50) {
      const wait = bucket.timeToAvailable(3);
      expect(wait).toBe(Math.max(0, 1_500 - t));
      if (wait === 0) {
        expect(bucket.acquireNowait(3)).toBe(true);
        break;
      }
      expect(bucket.acquireNowait(3)).toBe(false);
      clock.advanceSync(50);
    }
    expect(bucket.available).toBe(0);
  });

  test('counts the queue ahead', () => {
    const { bucket } = setup({ capacity: 2, refillPerSecond: 1 });
    bucket.acquireNowait(2);
    void bucket.acquire(2);
    void bucket.acquire(1);
    expect(bucket.timeToAvailable(1)).toBe(4_000);
    expect(bucket.timeToAvailable(2)).toBe(5_000);
  });

  test('counts a pause: the later of the pause end and the refill', () => {
    const { bucket } = setup({ capacity: 5, refillPerSecond: 5 });
    bucket.pause(300);
    expect(bucket.timeToAvailable(1)).toBe(300);
    const { bucket: empty } = setup({ capacity: 5, refillPerSecond: 5 });
    empty.acquireNowait(5);
    empty.pause(100);
    expect(empty.timeToAvailable(1)).toBe(200);
    empty.pause(700);
    expect(empty.timeToAvailable(1)).toBe(700);
  });

  test('Infinity when it never can', () => {
    const { bucket } = setup({ capacity: 2, refillPerSecond: 0 });
    bucket.acquireNowait(2);
    expect(bucket.timeToAvailable(1)).toBe(Infinity);
    const paused = setup({ capacity: 2, refillPerSecond: 1 }).bucket;
    paused.pause(Infinity);
    expect(paused.timeToAvailable(1)).toBe(Infinity);
  });
});

describe('TokenBucket: idle', () => {
  test('true when full, unpaused and nobody waits', async () => {
    const { clock, bucket } = setup({ capacity: 2, refillPerSecond: 1 });
    expect(bucket.idle).toBe(true);

    bucket.acquireNowait();
    expect(bucket.idle).toBe(false);
    clock.advanceSync(999);
    expect(bucket.idle).toBe(false);
    clock.advanceSync(1);
    expect(bucket.idle).toBe(true);

    bucket.pause(500);
    expect(bucket.idle).toBe(false);
    clock.advanceSync(500);
    expect(bucket.idle).toBe(true);

    bucket.acquireNowait(2);
    const waiter = bucket.acquire(2);
    await clock.advance(2_000);
    await waiter;
    expect(bucket.idle).toBe(false); // granted, so empty again
    await clock.advance(2_000);
    expect(bucket.idle).toBe(true);
  });

  test('false while a waiter waits behind a pause, though the bucket is full', () => {
    const { clock, bucket } = setup({ capacity: 2, refillPerSecond: 1 });
    bucket.pause(10_000);
    void bucket.acquire(1);
    clock.advanceSync(5_000);
    expect(bucket.available).toBe(2);
    expect(bucket.idle).toBe(false);
  });
});
