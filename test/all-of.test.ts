import { describe, expect, test } from 'vitest';
import {
  AllOf,
  allOf,
  BaseRateLimiter,
  FixedWindow,
  isRateLimitError,
  KeyedLimiter,
  SlidingWindowLog,
  TokenBucket,
  type Clock,
  type LimiterEvent,
} from '../src/index.js';
import { createManualClock } from '../src/testing.js';
import { describeRateLimiterContract } from './contract.js';
import { Quota } from './quota.js';
import { rejection, track } from './settle.js';

describeRateLimiterContract('allOf(two buckets)', {
  make: (clock, capacity) =>
    allOf(new TokenBucket({ capacity, refillPerSecond: 10, clock }), new TokenBucket({ capacity: capacity * 2, refillPerSecond: 20, clock })),
  refillWithin: 100,
});

// The tighter part in capacity refills faster; the roomier one refills at half the rate and
// bites once its extra tokens are spent.
describeRateLimiterContract('allOf(TokenBucket, TokenBucket) with different capacities and rates', {
  make: (clock, capacity) =>
    allOf(new TokenBucket({ capacity: capacity * 2, refillPerSecond: 5, clock }), new TokenBucket({ capacity, refillPerSecond: 10, clock })),
  refillWithin: 200,
});

describeRateLimiterContract('allOf(allOf(bucket, bucket), bucket)', {
  make: (clock, capacity) =>
    allOf(
      allOf(new TokenBucket({ capacity, refillPerSecond: 10, clock }), new TokenBucket({ capacity: capacity + 1, refillPerSecond: 10, clock })),
      new TokenBucket({ capacity: capacity + 2, refillPerSecond: 10, clock }),
    ),
  refillWithin: 100,
});

describeRateLimiterContract('allOf(TokenBucket, FixedWindow, SlidingWindowLog)', {
  make: (clock, capacity) =>
    allOf(
      new TokenBucket({ capacity, refillPerSecond: 10, clock }),
      new FixedWindow({ limit: capacity * 2, interval: 100, clock }),
      new SlidingWindowLog({ windows: [{ limit: capacity * 3, interval: 100 }], clock }),
    ),
  refillWithin: 100,
});

/** A global 10/s and a per-key 2/s, as most callers stack them. */
function globalAndKey(start = 0) {
  const clock = createManualClock(start);
  const global = new TokenBucket({ capacity: 10, refillPerSecond: 10, clock });
  const key = new TokenBucket({ capacity: 2, refillPerSecond: 2, clock });
  return { clock, global, key, both: allOf(global, key) };
}

/** Everything a caller can read of a limiter, for before/after comparisons at one instant. */
function snapshot(limiter: BaseRateLimiter) {
  return {
    available: limiter.available,
    timeToAvailable: limiter.timeToAvailable(limiter.capacity),
    timeToAvailable1: limiter.timeToAvailable(Math.min(1, limiter.capacity)),
    idle: limiter.idle,
    granted: limiter.stats.granted,
    rejected: limiter.stats.rejected,
  };
}

describe('allOf: construction', () => {
  test('capacity is the smallest of the parts; parts is a frozen copy in order', () => {
    const clock = createManualClock();
    const a = new TokenBucket({ capacity: 5, refillPerSecond: 1, clock });
    const b = new TokenBucket({ capacity: 3, refillPerSecond: 100, clock });
    const given = [a, b];
    const both = new AllOf(given);
    given.pop();
    expect(both.capacity).toBe(3);
    expect(both.parts).toEqual([a, b]);
    expect(Object.isFrozen(both.parts)).toBe(true);
    expect(both.parts).toBe(both.parts);
    expect(both.clock).toBe(clock);
    expect(both).toBeInstanceOf(BaseRateLimiter);
    expect(allOf(a)).toBeInstanceOf(AllOf);
    expect(allOf(a).capacity).toBe(5);
    expect(both.maxQueue).toBe(Infinity);
  });

  test('bad parts: each error names the part and says what was expected', () => {
    const clock = createManualClock();
    const other = createManualClock();
    const a = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
    const b = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
    const elsewhere = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock: other });
    const cases: [() => unknown, ErrorConstructor, RegExp][] = [
      [() => allOf(), RangeError, /^Expected `parts` to be one or more limiters, got \[array\] \(object\)$/],
      [() => new AllOf([]), RangeError, /`parts`/],
      [() => new AllOf(a as never), TypeError, /^Expected `parts` to be an array of limiters, got \[object\] \(object\)$/],
      [() => allOf(a, 5 as never), TypeError, /^Expected `parts\[1\]` to be a limiter built on BaseRateLimiter, got 5 \(number\)$/],
      [() => allOf(undefined as never), TypeError, /^Expected `parts\[0\]` to be a limiter built on BaseRateLimiter, got undefined \(undefined\)$/],
      [
        () => allOf(a, { acquire() {}, acquireNowait() {}, timeToAvailable() {}, pause() {}, capacity: 1 } as never),
        TypeError,
        /`parts\[1\]` to be a limiter built on BaseRateLimiter, got \[object\]/,
      ],
      [() => allOf(a, elsewhere), TypeError, /^Expected `parts\[1\]` to be a limiter on the same clock as `parts\[0\]`/],
      [() => allOf(a, b, a), TypeError, /^Expected `parts\[2\]` to be a limiter that shares nothing with `parts\[0\]`/],
      [() => allOf(allOf(a, b), a), TypeError, /`parts\[1\]` to be a limiter that shares nothing with `parts\[0\]`/],
      [() => allOf(b, allOf(a, b)), TypeError, /`parts\[1\]` to be a limiter that shares nothing with `parts\[0\]`/],
    ];
    for (const [make, ErrorClass, message] of cases) {
      expect(make).toThrow(ErrorClass);
      expect(make).toThrow(message);
    }
  });

  test('options: maxQueue and onEvent; clock, unknown keys and bad values are errors', () => {
    const clock = createManualClock();
    const a = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
    expect(new AllOf([a], { maxQueue: 3 }).maxQueue).toBe(3);
    expect(new AllOf([a], {}).maxQueue).toBe(Infinity);
    expect(new AllOf([a], undefined).clock).toBe(clock);
    expect(() => new AllOf([a], { clock } as never)).toThrow(TypeError);
    expect(() => new AllOf([a], { clock } as never)).toThrow(/`clock`.*clock of its parts/);
    expect(() => new AllOf([a], { clock: undefined } as never)).toThrow(/`clock`/);
    expect(() => new AllOf([a], { maxQeue: 1 } as never)).toThrow(/^Unknown option `maxQeue` in `AllOf options`; known options: maxQueue, onEvent$/);
    expect(() => new AllOf([a], { maxQueue: -1 })).toThrow(RangeError);
    expect(() => new AllOf([a], { maxQueue: -1 })).toThrow(/`maxQueue`/);
    expect(() => new AllOf([a], { onEvent: 5 as never })).toThrow(TypeError);
    expect(() => new AllOf([a], clock as never)).toThrow(TypeError);
    expect(() => new AllOf([a], 5 as never)).toThrow(TypeError);
  });
});

describe('allOf: atomicity (global 10/s + per key 2/s)', () => {
  interface Row {
    at: number;
    /** Who is called: the composite, or one part directly. */
    on: 'both' | 'global' | 'key';
    cost: number;
    want: boolean;
    /** `available` of each part after the call. */
    global: number;
    key: number;
  }

  test('a refusal by one part leaves the other exactly as it was', () => {
    const { clock, global, key, both } = globalAndKey();
    const limiters = { both, global, key };
    const rows: Row[] = [
      { at: 0, on: 'both', cost: 2, want: true, global: 8, key: 0 },
      { at: 0, on: 'both', cost: 1, want: false, global: 8, key: 0 }, // the key refuses: the global keeps its 8
      { at: 0, on: 'both', cost: 0.5, want: false, global: 8, key: 0 },
      { at: 0, on: 'global', cost: 8, want: true, global: 0, key: 0 },
      { at: 250, on: 'both', cost: 1, want: false, global: 2.5, key: 0.5 }, // both refuse
      { at: 600, on: 'global', cost: 6, want: true, global: 0, key: 1.2 },
      { at: 600, on: 'both', cost: 1, want: false, global: 0, key: 1.2 }, // the global refuses: the key keeps 1.2
      { at: 650, on: 'both', cost: 1, want: false, global: 0.5, key: 1.3 },
      { at: 700, on: 'both', cost: 1, want: true, global: 0, key: 0.4 },
      { at: 700, on: 'both', cost: 0, want: true, global: 0, key: 0.4 },
      { at: 1_900, on: 'both', cost: 2, want: true, global: 8, key: 0 }, // the global was full again
    ];
    for (const row of rows) {
      clock.advanceSync(row.at - clock.now());
      const before = { global: snapshot(global), key: snapshot(key) };
      const got = limiters[row.on].acquireNowait(row.cost);
      const label = `${row.on}.acquireNowait(${row.cost}) at ${row.at}`;
      expect(got, label).toBe(row.want);
      expect(global.available, `${label}: global`).toBeCloseTo(row.global, 9);
      expect(key.available, `${label}: key`).toBeCloseTo(row.key, 9);
      if (row.on === 'both' && !row.want) {
        // Not close: the very same numbers, and no stats counted on the parts.
        expect({ global: snapshot(global), key: snapshot(key) }, label).toEqual(before);
      }
    }
    expect(both.stats).toMatchObject({ granted: 4, rejected: 5, waiting: 0 });
    // A composite's grants count in each part's stats; its refusals count only in its own.
    expect(global.stats).toMatchObject({ granted: 5, rejected: 0 });
    expect(key.stats).toMatchObject({ granted: 3, rejected: 0 });
  });

  test('timeToAvailable is the longest wait of the parts, each counting its own queue and pause', async () => {
    const { clock, global, key, both } = globalAndKey();
    const check = (costs: number[]) => {
      for (const cost of costs) {
        const want = Math.max(global.timeToAvailable(cost), key.timeToAvailable(cost));
        expect(both.timeToAvailable(cost), `cost ${cost} at ${clock.now()}`).toBe(want);
      }
    };
    expect(both.timeToAvailable(2)).toBe(0);
    both.acquireNowait(2);
    expect([both.timeToAvailable(1), both.timeToAvailable(2), both.timeToAvailable(0.5)]).toEqual([500, 1_000, 250]);
    check([0.5, 1, 2]);
    global.acquireNowait(8);
    expect(both.timeToAvailable(1)).toBe(500); // the key's wait is the longer
    check([0.5, 1, 2]);
    global.pause(2_000);
    expect(both.timeToAvailable(1)).toBe(2_000); // the global's pause is the longer
    check([0.5, 1, 2]);
    await clock.advance(2_000);
    // A direct waiter on the global is counted: it goes first.
    global.acquireNowait(10);
    const direct = track(global.acquire(5));
    expect(global.timeToAvailable(1)).toBe(600);
    expect(both.timeToAvailable(1)).toBe(600);
    check([0.5, 1, 2]);
    await clock.advance(500);
    expect(direct.settled).toBe(true);
    // A composite paused on its own: its pause is added to the parts' waits.
    both.pause(1_000);
    expect(both.timeToAvailable(1)).toBe(1_000);
    expect(both.available).toBe(Math.min(global.available, key.available));
  });

  test('available is the smallest of the parts', () => {
    const { global, key, both } = globalAndKey();
    expect(both.available).toBe(2);
    global.acquireNowait(9.5);
    expect(both.available).toBe(0.5);
    expect(key.available).toBe(2);
  });

  test('a composite never takes tokens ahead of a part\'s own waiter', async () => {
    const { clock, global, key, both } = globalAndKey();
    global.acquireNowait(10);
    const direct = track(global.acquire(1)); // due at 100
    await clock.advance(150); // served at 100; 0.5 since
    expect(direct.settled).toBe(true);
    const second = track(global.acquire(1)); // due at 200
    expect(both.acquireNowait(0.5)).toBe(false); // the global has 0.5 but someone waits there
    expect(both.timeToAvailable(0.5)).toBe(100);
    expect(key.available).toBe(2);
    const composite = track(both.acquire(0.5));
    await clock.advance(50);
    expect([second.settled, composite.settled]).toEqual([true, false]);
    await clock.advance(50);
    expect(composite.settled).toBe(true);
    expect(key.available).toBe(1.5);
  });
});

describe('allOf: the queue of the composite', () => {
  test('waiters are served first come first served, each when every part has room, with one timer', async () => {
    const { clock, global, key, both } = globalAndKey();
    both.acquireNowait(2); // key empty: a token every 500 ms
    const served: [number, number][] = [];
    const waits = [1, 1, 2, 0.5].map((cost, i) => both.acquire(cost).then(() => served.push([i, clock.now()])));
    expect(clock.pendingTimers).toBe(1);
    expect(both.stats.waiting).toBe(4);
    expect(both.acquireNowait(0.1)).toBe(false);
    expect(both.timeToAvailable(1)).toBe(2_750); // 1 + 1 + 2 + 0.5 + 1 tokens of the key
    await clock.advance(3_000);
    await Promise.all(waits);
    expect(served).toEqual([
      [0, 500],
      [1, 1_000],
      [2, 2_000],
      [3, 2_250],
    ]);
    expect(clock.pendingTimers).toBe(0);
    expect(global.stats.granted).toBe(5);
    expect(key.stats.granted).toBe(5);
  });

  test('abort leaves no trace in the parts and lets the next waiter move up', async () => {
    const { clock, global, key, both } = globalAndKey();
    both.acquireNowait(2);
    const controller = new AbortController();
    const head = both.acquire(2, { signal: controller.signal });
    const next = track(both.acquire(1));
    await clock.advance(400);
    const before = { global: snapshot(global), key: snapshot(key) };
    controller.abort(new Error('gone'));
    await expect(head).rejects.toThrow('gone');
    expect({ global: snapshot(global), key: snapshot(key) }).toEqual(before);
    expect(both.stats).toMatchObject({ aborted: 1, waiting: 1 });
    await clock.advance(100);
    expect(next.settled).toBe(true);
    expect(clock.now()).toBe(500);
  });

  test('maxWait: refused up front with the predicted wait, nothing taken from any part', async () => {
    const { clock, global, key, both } = globalAndKey();
    both.acquireNowait(2);
    const before = { global: snapshot(global), key: snapshot(key) };
    const error = await rejection(both.acquire(1, { maxWait: 499 }));
    expect(isRateLimitError(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'max-wait', retryAfter: 500 });
    expect({ global: snapshot(global), key: snapshot(key) }).toEqual(before);
    const ok = track(both.acquire(1, { maxWait: 500 }));
    await clock.advance(500);
    expect(ok.settled).toBe(true);
  });

  test('maxQueue bounds the composite\'s own queue', async () => {
    const clock = createManualClock();
    const a = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
    const b = new TokenBucket({ capacity: 1, refillPerSecond: 10, clock });
    const both = new AllOf([a, b], { maxQueue: 1 });
    both.acquireNowait();
    const first = track(both.acquire());
    await expect(both.acquire()).rejects.toMatchObject({ reason: 'queue-full' });
    await clock.advance(1_000);
    expect(first.settled).toBe(true);
  });

  test('onEvent reports the composite\'s own events', () => {
    const clock = createManualClock();
    const events: [string, number][] = [];
    const a = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
    const both = new AllOf([a], { onEvent: (event: LimiterEvent) => events.push([event.type, event.cost]) });
    both.acquireNowait();
    both.acquireNowait();
    expect(events).toEqual([
      ['granted', 1],
      ['rejected', 1],
    ]);
  });

  test('reserve: a composite grants at once or refuses, never books ahead', async () => {
    const { clock, global, key, both } = globalAndKey();
    expect(both.reserve(1)).toMatchObject({ ok: true, delay: 0 });
    both.acquireNowait(1);
    const refused = both.reserve(1);
    expect(refused).toMatchObject({ ok: false, delay: 500 });
    refused.cancel(); // a no-op
    expect([global.available, key.available, both.stats.waiting]).toEqual([8, 0, 0]);
    expect(both.stats).toMatchObject({ granted: 2, rejected: 1 });
    await clock.advance(500);
    expect(both.reserve(1)).toMatchObject({ ok: true, delay: 0 });
  });

  test('a part paused on its own delays the composite\'s waiters until it ends', async () => {
    const { clock, global, both } = globalAndKey();
    global.pause(1_000);
    expect(both.acquireNowait()).toBe(false);
    const waiter = track(both.acquire());
    await clock.advance(999);
    expect(waiter.settled).toBe(false);
    await clock.advance(1);
    expect(waiter.settled).toBe(true);
    expect(global.available).toBe(9);
  });
});

describe('allOf: a part\'s waiters that are due when the composite looks', () => {
  test('served first, at the same instant, when the composite\'s timer fires before the part\'s', async () => {
    const { clock, global, key, both } = globalAndKey();
    global.pause(1_000);
    const order: string[] = [];
    // The composite's timer is armed first, so it fires first at 1000.
    const composite = both.acquire(1).then(() => order.push(`composite@${clock.now()}`));
    const direct = global.acquire(3).then(() => order.push(`direct@${clock.now()}`));
    expect(both.timeToAvailable(1)).toBe(1_000);
    await clock.advance(1_000);
    await Promise.all([composite, direct]);
    expect(order).toEqual(['direct@1000', 'composite@1000']);
    expect(global.available).toBe(6);
    expect(key.available).toBe(1);
  });

  test('the same through a KeyedLimiter, whose shared timer fires every due key in one pass', async () => {
    const clock = createManualClock();
    const global = new TokenBucket({ capacity: 10, refillPerSecond: 10, clock });
    const keyed = new KeyedLimiter(() => allOf(global, new TokenBucket({ capacity: 2, refillPerSecond: 2, clock })), { clock });
    global.pause(1_000);
    const order: string[] = [];
    const waits = [
      keyed.acquire('a', 2).then(() => order.push(`a@${clock.now()}`)),
      keyed.acquire('b', 2).then(() => order.push(`b@${clock.now()}`)),
      global.acquire(5).then(() => order.push(`direct@${clock.now()}`)),
    ];
    await clock.advance(1_000);
    await Promise.all(waits);
    expect(order).toEqual(['direct@1000', 'a@1000', 'b@1000']);
    expect(global.available).toBe(1);
  });

  test('with a clock that moves on every reading: never a time earlier than one a part has seen', async () => {
    const manual = createManualClock();
    let drift = 0;
    const seen: number[] = [];
    const clock: Clock = {
      now: () => {
        drift += 0.001;
        return manual.now() + drift;
      },
      setTimeout: (fn, ms) => manual.setTimeout(fn, ms),
    };
    /** A bucket that checks that the times it is given never go back. */
    class Checked extends TokenBucket {
      protected override consumeAt(cost: number, now: number): void {
        seen.push(now);
        super.consumeAt(cost, now);
      }
      protected override tryConsumeAt(cost: number, now: number): boolean {
        if (this.timeToAvailableAt(cost, now) > 0) return false;
        this.consumeAt(cost, now);
        return true;
      }
    }
    const global = new Checked({ capacity: 10, refillPerSecond: 10, clock });
    const key = new Checked({ capacity: 2, refillPerSecond: 2, clock });
    const both = allOf(global, key);
    global.pause(1_000);
    const order: string[] = [];
    // Each reading is later than the last, so the later of two timers for the pause's end is
    // set for an earlier instant: the composite's fires first and finds the global's waiter due.
    const direct = global.acquire(3).then(() => order.push('direct'));
    const composite = both.acquire(1).then(() => order.push('composite'));
    await manual.advance(1_000);
    await manual.advance(1);
    await Promise.all([composite, direct]);
    expect(order).toEqual(['direct', 'composite']);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(seen).toHaveLength(3);
  });

  test('a part\'s waiter of a lower priority than a plain call is not overtaken either', async () => {
    const { clock, global, key, both } = globalAndKey();
    global.acquireNowait(9.5); // 0.5 left
    const low = track(global.acquire(1, { priority: -1 })); // due at 50
    expect(global.timeToAvailable(0.2)).toBe(0); // a plain acquire of 0.2 could go before it…
    expect(both.acquireNowait(0.2)).toBe(false); // …but not a composite: it never overtakes
    // Its turn cannot be told from the global's answers, so the composite looks again once the
    // global could be full, by which time that waiter is served: late, never early.
    expect(both.timeToAvailable(0.2)).toBe(950);
    expect(key.available).toBe(2);
    const composite = track(both.acquire(0.2));
    await clock.advance(50);
    expect([low.settled, composite.settled]).toEqual([true, false]);
    await clock.advance(899);
    expect(composite.settled).toBe(false);
    await clock.advance(1);
    expect(composite.settled).toBe(true);
    expect(global.available).toBeCloseTo(9 - 0.2, 9);
  });
});

describe('allOf: a part whose tokens come back by other means than time', () => {
  test('a reset wakes the quota\'s own waiters; the composite\'s at its next call (documented)', async () => {
    const clock = createManualClock();
    const quota = new Quota(2, { clock });
    const both = allOf(quota, new TokenBucket({ capacity: 2, refillPerSecond: 1, clock }));
    expect(both.acquireNowait(2)).toBe(true);
    expect(both.timeToAvailable()).toBe(Infinity);
    const composite = track(both.acquire());
    expect(clock.pendingTimers).toBe(0); // an infinite wait needs no timer
    quota.reset();
    await clock.advance(5_000);
    expect(composite.settled).toBe(false);
    expect(both.timeToAvailable()).toBe(0); // a call looks again: the waiter is served first
    await clock.advance(0);
    expect(composite.settled).toBe(true);
    expect(quota.available).toBe(1);
  });
});

describe('allOf: nested composites', () => {
  test('grant from every leaf or from none', async () => {
    const clock = createManualClock();
    const a = new TokenBucket({ capacity: 4, refillPerSecond: 1, clock });
    const b = new TokenBucket({ capacity: 3, refillPerSecond: 1, clock });
    const c = new TokenBucket({ capacity: 5, refillPerSecond: 1, clock });
    const inner = allOf(a, b);
    const outer = allOf(inner, c);
    expect([inner.capacity, outer.capacity]).toEqual([3, 3]);
    expect(outer.acquireNowait(2)).toBe(true);
    expect([a.available, b.available, c.available]).toEqual([2, 1, 3]);
    c.acquireNowait(3); // c empty
    const before = [snapshot(a), snapshot(b), snapshot(c), snapshot(inner)];
    expect(outer.acquireNowait(1)).toBe(false);
    expect([snapshot(a), snapshot(b), snapshot(c), snapshot(inner)]).toEqual(before);
    expect(outer.timeToAvailable(1)).toBe(1_000);
    expect(inner.acquireNowait(1)).toBe(true); // the inner one alone is not limited by c
    expect(outer.timeToAvailable(1)).toBe(1_000);
    const waiter = track(outer.acquire(1));
    await clock.advance(1_000);
    expect(waiter.settled).toBe(true);
    expect([a.available, b.available, c.available]).toEqual([1, 0, 0]);
    expect(inner.stats.granted).toBe(3);
  });

  test('an inner composite\'s own waiters go before the outer one', async () => {
    const clock = createManualClock();
    const a = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
    const inner = allOf(a);
    const outer = allOf(inner, new TokenBucket({ capacity: 1, refillPerSecond: 100, clock }));
    a.acquireNowait();
    const order: string[] = [];
    const first = inner.acquire().then(() => order.push(`inner@${clock.now()}`));
    expect(outer.timeToAvailable()).toBe(2_000);
    const second = outer.acquire().then(() => order.push(`outer@${clock.now()}`));
    await clock.advance(2_000);
    await Promise.all([first, second]);
    expect(order).toEqual(['inner@1000', 'outer@2000']);
  });
});

describe('allOf: composites sharing a part', () => {
  /** Checks every window between two grants against `capacity + rate * width`. */
  function assertBound(grants: { at: number; cost: number }[], capacity: number, perSecond: number): void {
    const list = [...grants].sort((x, y) => x.at - y.at);
    for (let i = 0; i < list.length; i++) {
      let sum = 0;
      for (let j = i; j < list.length; j++) {
        sum += list[j]!.cost;
        const width = list[j]!.at - list[i]!.at;
        expect(sum, `${sum} granted in ${width} ms`).toBeLessThanOrEqual(capacity + (perSecond * width) / 1000 + 1e-9);
      }
    }
  }

  test('waiters on two composites and on the global itself: everyone is served, the global\'s bound holds', async () => {
    const clock = createManualClock();
    const global = new TokenBucket({ capacity: 2, refillPerSecond: 4, clock });
    const left = allOf(global, new TokenBucket({ capacity: 2, refillPerSecond: 10, clock }));
    const right = allOf(global, new TokenBucket({ capacity: 2, refillPerSecond: 10, clock }));
    const grants: { who: string; at: number; cost: number }[] = [];
    const acquire = (who: string, limiter: BaseRateLimiter, cost: number) =>
      limiter.acquire(cost).then(() => grants.push({ who, at: clock.now(), cost }));
    const waits: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      waits.push(acquire('left', left, 1), acquire('right', right, 1));
      if (i % 3 === 0) waits.push(acquire('global', global, 1));
      await clock.advance(50);
    }
    await clock.advance(10_000);
    await Promise.all(waits);
    expect(grants).toHaveLength(24);
    expect(grants.filter((g) => g.who === 'left')).toHaveLength(10);
    expect(grants.filter((g) => g.who === 'right')).toHaveLength(10);
    assertBound(grants, 2, 4);
    // The global gave out one token per 250 ms once its burst was spent: the last of 24 at 5500.
    expect(Math.max(...grants.map((g) => g.at))).toBe(5_500);
    expect(clock.pendingTimers).toBe(0);
    expect([left.idle, right.idle, global.idle]).toEqual([true, true, true]);
  });

  test('KeyedLimiter of allOf(global, perKey): two keys share the global, each keeps its own limit, idle keys are dropped', async () => {
    const clock = createManualClock();
    const global = new TokenBucket({ capacity: 3, refillPerSecond: 3, clock });
    const keyed = new KeyedLimiter((_key: string) => allOf(global, new TokenBucket({ capacity: 2, refillPerSecond: 1, clock })), { clock });
    expect(keyed.acquireNowait('a', 2)).toBe(true);
    expect(keyed.acquireNowait('a')).toBe(false); // a's own limit
    expect(keyed.acquireNowait('b')).toBe(true); // the global's last token
    expect(keyed.acquireNowait('b')).toBe(false); // the global's limit, b has 1 left
    expect(keyed.get('b').available).toBe(0);
    expect(global.available).toBe(0);

    const grants: { key: string; at: number; cost: number }[] = [];
    const waits: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      for (const key of ['a', 'b']) waits.push(keyed.acquire(key).then(() => grants.push({ key, at: clock.now(), cost: 1 })));
    }
    expect(clock.pendingTimers).toBe(1); // one shared timer for both keys
    await clock.advance(20_000);
    await Promise.all(waits);
    expect(grants).toHaveLength(12);
    assertBound([{ at: 0, cost: 3 }, ...grants], 3, 3);
    for (const key of ['a', 'b']) {
      const own = grants.filter((g) => g.key === key);
      assertBound(key === 'a' ? [{ at: 0, cost: 2 }, ...own] : [{ at: 0, cost: 1 }, ...own], 2, 1);
    }
    expect(keyed.size).toBe(2);
    expect(keyed.prune()).toBe(2);
    expect(keyed.size).toBe(0);
  });

  test('a key is idle, and dropped, only once the global is full too', async () => {
    const clock = createManualClock();
    const global = new TokenBucket({ capacity: 10, refillPerSecond: 1, clock });
    const keyed = new KeyedLimiter((_key: string) => allOf(global, new TokenBucket({ capacity: 1, refillPerSecond: 10, clock })), { clock });
    keyed.acquireNowait('a');
    global.acquireNowait(5);
    await clock.advance(100); // the key is full again, the global is not
    expect(keyed.get('a').parts[1]!.idle).toBe(true);
    expect(keyed.get('a').idle).toBe(false);
    expect(keyed.prune()).toBe(0);
    await clock.advance(5_900);
    expect(keyed.get('a').idle).toBe(true);
    expect(keyed.prune()).toBe(1);
  });
});

describe('allOf: the README example', () => {
  test('a global limit and a limit per endpoint', async () => {
    const clock = createManualClock();
    const global = new TokenBucket({ capacity: 10, refillPerSecond: 10, clock });
    const perEndpoint = new KeyedLimiter((_endpoint: string) => allOf(global, new TokenBucket({ capacity: 2, refillPerSecond: 2, clock })), { clock });
    expect(perEndpoint.acquireNowait('/search', 2)).toBe(true);
    expect(perEndpoint.acquireNowait('/search')).toBe(false);
    expect(global.available).toBe(8);
    expect(perEndpoint.acquireNowait('/users', 2)).toBe(true);
    expect(global.available).toBe(6);
    expect(perEndpoint.timeToAvailable('/search')).toBe(500);
    const searched = track(perEndpoint.acquire('/search'));
    await clock.advance(499);
    expect(searched.settled).toBe(false);
    await clock.advance(1);
    expect(searched.settled).toBe(true);
    global.acquireNowait(global.available);
    expect(perEndpoint.acquireNowait('/orders')).toBe(false);
    expect(perEndpoint.timeToAvailable('/orders')).toBe(100);
  });
});
