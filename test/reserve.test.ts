// reserve(): booking tokens now and acting after `delay` ms, as Go's Limiter.Reserve does,
// on the manual clock.
import { describe, expect, it } from 'vitest';
import { KeyedLimiter, TokenBucket, type LimiterEvent, type Reservation } from '../src/index.js';
import { createManualClock, type ManualClock } from '../src/testing.js';
import { rejection, settlements } from './settle.js';

function setup(capacity: number, refillPerSecond: number, extra: { maxQueue?: number } = {}) {
  const clock = createManualClock();
  const events: { type: string; at: number; cost: number; wait: number; key: unknown }[] = [];
  const onEvent = (e: LimiterEvent) => events.push({ type: e.type, at: clock.now(), cost: e.cost, wait: e.wait, key: e.key });
  const bucket = new TokenBucket({ capacity, refillPerSecond, clock, onEvent, ...extra });
  /** When (by the clock) the limiter took tokens, with how many: the `granted` events. */
  const grants = () => events.filter((e) => e.type === 'granted').map((e) => ({ at: e.at, cost: e.cost }));
  return { clock, bucket, events, grants };
}

const view = (r: Reservation) => ({ ok: r.ok, delay: r.delay });

/** What the bucket shows at each instant, in order, the clock moved forward to each in turn. */
const statesAt = (clock: ManualClock, bucket: TokenBucket, instants: number[]) =>
  instants.map((at) => {
    clock.advanceSync(at - clock.now());
    return { at, available: bucket.available, waiting: bucket.stats.waiting };
  });

describe('reserve: tokens there now', () => {
  it('returns { ok: true, delay: 0 } and takes the tokens at once, without a timer or a queue', () => {
    const { clock, bucket, grants } = setup(3, 1);
    const r = bucket.reserve(2);
    expect(view(r)).toEqual({ ok: true, delay: 0 });
    expect(bucket.available).toBe(1);
    expect(bucket.stats).toEqual({ granted: 1, rejected: 0, aborted: 0, waiting: 0 });
    expect(clock.pendingTimers).toBe(0);
    expect(grants()).toEqual([{ at: 0, cost: 2 }]);
  });

  it('the default cost is 1', () => {
    const { bucket } = setup(3, 1);
    expect(view(bucket.reserve())).toEqual({ ok: true, delay: 0 });
    expect(bucket.available).toBe(2);
  });

  it('cost 0 is granted at once, even when empty, paused or behind a queue', () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    void bucket.acquire();
    bucket.pause(5_000);
    expect(view(bucket.reserve(0))).toEqual({ ok: true, delay: 0 });
    expect(bucket.stats.waiting).toBe(1);
    expect(clock.pendingTimers).toBe(1);
  });

  it('cancel() of a reservation granted at once is a no-op: the tokens stay taken', () => {
    const { bucket } = setup(2, 1);
    const r = bucket.reserve(2);
    r.cancel();
    r.cancel();
    expect(bucket.available).toBe(0);
    expect(bucket.acquireNowait()).toBe(false);
  });
});

describe('reserve: booked in the queue', () => {
  // capacity 2, 4 tokens per second (one every 250 ms), full at 0.
  const table = [
    { at: 0, cost: 1, want: { ok: true, delay: 0 } },
    { at: 0, cost: 1, want: { ok: true, delay: 0 } },
    { at: 0, cost: 1, want: { ok: true, delay: 250 } },
    { at: 0, cost: 1, want: { ok: true, delay: 500 } },
    { at: 0, cost: 2, want: { ok: true, delay: 1_000 } },
    { at: 100, cost: 1, want: { ok: true, delay: 1_150 } }, // due at 1250
    { at: 100, cost: 0.5, want: { ok: true, delay: 1_275 } }, // due at 1375
  ];

  it('each reservation gets the delay of its turn, counting every booking ahead (table)', () => {
    const { clock, bucket } = setup(2, 4);
    const got = table.map(({ at, cost }) => {
      clock.advanceSync(at - clock.now());
      return { at, cost, want: view(bucket.reserve(cost)) };
    });
    expect(got).toEqual(table);
    expect(bucket.stats.waiting).toBe(5);
  });

  it('each booking is served (its tokens taken) exactly at its delay, in order, and never before', async () => {
    const { clock, bucket, grants } = setup(2, 4);
    for (const { at, cost } of table) {
      clock.advanceSync(at - clock.now());
      bucket.reserve(cost);
    }
    await clock.advance(2_000);
    expect(grants()).toEqual([
      { at: 0, cost: 1 },
      { at: 0, cost: 1 },
      { at: 250, cost: 1 },
      { at: 500, cost: 1 },
      { at: 1_000, cost: 2 },
      { at: 1_250, cost: 1 },
      { at: 1_375, cost: 0.5 },
    ]);
    expect(bucket.stats).toEqual({ granted: 7, rejected: 0, aborted: 0, waiting: 0 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('the bucket is exactly as an acquire at `delay` leaves it: available drops at that instant, not before', () => {
    const { clock, bucket } = setup(3, 1);
    bucket.acquireNowait(3);
    const r = bucket.reserve(2);
    expect(view(r)).toEqual({ ok: true, delay: 2_000 });
    expect(statesAt(clock, bucket, [0, 1_000, 1_500, 1_999, 2_000, 2_500, 3_000])).toEqual([
      { at: 0, available: 0, waiting: 1 },
      { at: 1_000, available: 1, waiting: 1 },
      { at: 1_500, available: 1.5, waiting: 1 },
      { at: 1_999, available: 1.999, waiting: 1 },
      { at: 2_000, available: 0, waiting: 0 },
      { at: 2_500, available: 0.5, waiting: 0 },
      { at: 3_000, available: 1, waiting: 0 },
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('holds its place: acquireNowait is refused while it waits, even when enough tokens are there', () => {
    const { clock, bucket } = setup(3, 1);
    bucket.acquireNowait(3);
    bucket.reserve(2); // due at 2000
    clock.advanceSync(1_500);
    expect(bucket.available).toBe(1.5);
    expect(bucket.acquireNowait(1)).toBe(false);
    expect(bucket.timeToAvailable(1)).toBe(1_500); // behind the booking: 3 tokens from empty at 0
    clock.advanceSync(1_500);
    expect(bucket.acquireNowait(1)).toBe(true);
  });

  it('a queued reservation is not idle, so a KeyedLimiter does not drop it', () => {
    const { bucket } = setup(1, 1);
    bucket.acquireNowait();
    bucket.reserve();
    expect(bucket.idle).toBe(false);
  });

  it('reports queued then granted, with the predicted and the actual wait', async () => {
    const { clock, bucket, events } = setup(1, 2);
    bucket.acquireNowait();
    bucket.reserve();
    await clock.advance(500);
    expect(events).toEqual([
      { type: 'granted', at: 0, cost: 1, wait: 0, key: undefined },
      { type: 'queued', at: 0, cost: 1, wait: 500, key: undefined },
      { type: 'granted', at: 500, cost: 1, wait: 500, key: undefined },
    ]);
  });
});

describe('reserve with acquire waiters', () => {
  it('a reservation behind waiters gets the delay of the end of the queue', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const { log, track } = settlements(clock);
    track('a', bucket.acquire()); // 1000
    track('b', bucket.acquire(1, { priority: -5 })); // 2000
    track('c', bucket.acquire(1, { priority: 3 })); // overtakes a and b: 1000
    const r = bucket.reserve();
    expect(view(r)).toEqual({ ok: true, delay: 4_000 });
    await clock.advance(4_000);
    expect(log).toEqual([
      { label: 'c', at: 1_000 },
      { label: 'a', at: 2_000 },
      { label: 'b', at: 3_000 },
    ]);
    expect(bucket.stats.waiting).toBe(0);
    expect(bucket.available).toBe(0); // the reservation took the token of 4000
  });

  it('a higher-priority acquire arriving later does not overtake the reservation', async () => {
    const { clock, bucket, grants } = setup(1, 1);
    bucket.acquireNowait();
    const r = bucket.reserve();
    expect(view(r)).toEqual({ ok: true, delay: 1_000 });
    const { log, track } = settlements(clock);
    // Predicted behind the reservation: 2000.
    expect(await rejection(bucket.acquire(1, { priority: 100, maxWait: 1_999 }))).toMatchObject({ reason: 'max-wait', retryAfter: 2_000 });
    track('high', bucket.acquire(1, { priority: 100 }));
    await clock.advance(2_000);
    expect(grants()).toEqual([
      { at: 0, cost: 1 },
      { at: 1_000, cost: 1 }, // the reservation
      { at: 2_000, cost: 1 }, // high
    ]);
    expect(log).toEqual([{ label: 'high', at: 2_000 }]);
  });

  it('nor does it overtake the waiters ahead of the reservation: a booking pins the queue before it', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const { log, track } = settlements(clock);
    track('low', bucket.acquire()); // 1000, not due yet
    expect(view(bucket.reserve())).toEqual({ ok: true, delay: 2_000 });
    track('high', bucket.acquire(1, { priority: 1 }));
    await clock.advance(3_000);
    expect(log).toEqual([
      { label: 'low', at: 1_000 },
      { label: 'high', at: 3_000 },
    ]);
  });

  it('acquire waiters that join after it are served after it', async () => {
    const { clock, bucket, grants } = setup(2, 1);
    bucket.acquireNowait(2);
    expect(view(bucket.reserve(2))).toEqual({ ok: true, delay: 2_000 });
    const { log, track } = settlements(clock);
    track('w', bucket.acquire(1));
    await clock.advance(3_000);
    expect(grants().slice(1)).toEqual([
      { at: 2_000, cost: 2 },
      { at: 3_000, cost: 1 },
    ]);
    expect(log).toEqual([{ label: 'w', at: 3_000 }]);
  });
});

describe('Reservation.cancel', () => {
  it('at the head: the place is given back and the waiter behind moves up', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const r = bucket.reserve(); // 1000
    const { log, track } = settlements(clock);
    track('w', bucket.acquire()); // 2000
    await clock.advance(500);
    r.cancel();
    expect(bucket.stats.waiting).toBe(1);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1_500);
    expect(log).toEqual([{ label: 'w', at: 1_000 }]);
    expect(bucket.available).toBe(1); // nothing taken for the cancelled booking
  });

  it('at the head with nobody behind: the bucket is as if it was never booked, no timer is left', () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const r = bucket.reserve();
    clock.advanceSync(400);
    r.cancel();
    expect(clock.pendingTimers).toBe(0);
    expect(bucket.stats).toEqual({ granted: 1, rejected: 0, aborted: 0, waiting: 0 });
    expect(bucket.available).toBe(0.4);
    clock.advanceSync(600);
    expect(bucket.idle).toBe(true);
    expect(bucket.acquireNowait()).toBe(true);
  });

  it('in the middle: the callers behind it move up by its cost', async () => {
    const { clock, bucket } = setup(2, 1);
    bucket.acquireNowait(2);
    const { log, track } = settlements(clock);
    track('a', bucket.acquire()); // 1000
    const r = bucket.reserve(2); // 3000
    track('b', bucket.acquire()); // 4000
    expect(r.delay).toBe(3_000);
    expect(bucket.timeToAvailable()).toBe(5_000);
    await clock.advance(200);
    r.cancel();
    expect(bucket.timeToAvailable()).toBe(2_800); // 3000 from 200
    await clock.advance(5_000);
    expect(log).toEqual([
      { label: 'a', at: 1_000 },
      { label: 'b', at: 2_000 },
    ]);
  });

  it('twice is a no-op', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const r = bucket.reserve();
    const { log, track } = settlements(clock);
    track('w', bucket.acquire());
    r.cancel();
    r.cancel();
    expect(bucket.stats.waiting).toBe(1);
    expect(bucket.acquireNowait()).toBe(false);
    await clock.advance(1_000);
    expect(log).toEqual([{ label: 'w', at: 1_000 }]);
    expect(bucket.stats.waiting).toBe(0);
    r.cancel();
    expect(bucket.stats.waiting).toBe(0);
  });

  it('after its turn is a no-op: the tokens it took are not given back', async () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const r = bucket.reserve();
    await clock.advance(1_500);
    expect(bucket.available).toBe(0.5);
    r.cancel();
    expect(bucket.available).toBe(0.5);
    expect(bucket.stats.waiting).toBe(0);
    expect(bucket.acquireNowait()).toBe(false);
  });

  it('reports no event: only grants, waits, refusals, aborts and pauses are reported', () => {
    const { bucket, events } = setup(1, 1);
    bucket.acquireNowait();
    const r = bucket.reserve();
    const before = events.length;
    r.cancel();
    expect(events.length).toBe(before);
    expect(bucket.stats.aborted).toBe(0);
  });
});

describe('reserve: refusals leave nothing booked', () => {
  it('a delay over maxWait: { ok: false, delay: predicted }, no booking, no timer, no tokens taken', () => {
    const { clock, bucket, events } = setup(1, 1);
    bucket.acquireNowait();
    void bucket.acquire(); // 1000
    const r = bucket.reserve(1, { maxWait: 1_999 });
    expect(view(r)).toEqual({ ok: false, delay: 2_000 });
    expect(bucket.stats).toEqual({ granted: 1, rejected: 1, aborted: 0, waiting: 1 });
    expect(clock.pendingTimers).toBe(1);
    expect(events.at(-1)).toEqual({ type: 'rejected', at: 0, cost: 1, wait: 2_000, key: undefined });
    r.cancel(); // no-op
    expect(bucket.stats.waiting).toBe(1);
  });

  it.each([
    { maxWait: 0, want: { ok: false, delay: 500 } },
    { maxWait: 499, want: { ok: false, delay: 500 } },
    { maxWait: 500, want: { ok: true, delay: 500 } },
    { maxWait: Infinity, want: { ok: true, delay: 500 } },
  ])('maxWait $maxWait with a delay of 500 → $want', ({ maxWait, want }) => {
    const { bucket } = setup(1, 2);
    bucket.acquireNowait();
    expect(view(bucket.reserve(1, { maxWait }))).toEqual(want);
    expect(bucket.stats.waiting).toBe(want.ok ? 1 : 0);
  });

  it('maxWait 0 still grants when the tokens are there now', () => {
    const { bucket } = setup(1, 2);
    expect(view(bucket.reserve(1, { maxWait: 0 }))).toEqual({ ok: true, delay: 0 });
  });

  it('maxQueue full: { ok: false, delay: predicted }, nothing booked', () => {
    const { bucket } = setup(1, 1, { maxQueue: 1 });
    bucket.acquireNowait();
    expect(view(bucket.reserve())).toEqual({ ok: true, delay: 1_000 });
    expect(view(bucket.reserve())).toEqual({ ok: false, delay: 2_000 });
    expect(bucket.stats).toEqual({ granted: 1, rejected: 1, aborted: 0, waiting: 1 });
  });

  it('counts a pause running now in the delay', async () => {
    const { clock, bucket, grants } = setup(2, 1);
    bucket.pause(1_500);
    expect(view(bucket.reserve(1, { maxWait: 1_499 }))).toEqual({ ok: false, delay: 1_500 });
    expect(view(bucket.reserve())).toEqual({ ok: true, delay: 1_500 });
    await clock.advance(1_500);
    expect(grants()).toEqual([{ at: 1_500, cost: 1 }]);
  });

  // Reservation.ok says "false when refused (maxWait, maxQueue, never)", and its delay is
  // "Infinity when it never could be served". A bucket that never refills cannot serve 3 tokens
  // when 2 are left: the booking is accepted with delay Infinity instead, and it then blocks
  // every later call for good, even those the 2 tokens left could serve.
  it('a booking that can never be served is refused with delay Infinity', () => {
    const { bucket } = setup(5, 0);
    bucket.acquireNowait(3);
    expect(view(bucket.reserve(3))).toEqual({ ok: false, delay: Infinity });
    expect(bucket.stats.waiting).toBe(0);
    expect(bucket.acquireNowait(1)).toBe(true);
  });
});

describe('reserve: a later pause', () => {
  // Observed behaviour, as the TSDoc of reserve() says: "the delay holds unless a later pause
  // pushes the whole queue back". The caller was told 1000 ms and is not told again; the tokens
  // are taken when the pause ends.
  it('pause after a booking delays its service to the end of the pause', () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const r = bucket.reserve();
    expect(view(r)).toEqual({ ok: true, delay: 1_000 });
    clock.advanceSync(500);
    bucket.pause(2_000); // until 2500
    expect(statesAt(clock, bucket, [999, 1_000, 2_499, 2_500])).toEqual([
      { at: 999, available: 0.999, waiting: 1 },
      { at: 1_000, available: 1, waiting: 1 },
      { at: 2_499, available: 1, waiting: 1 },
      { at: 2_500, available: 0, waiting: 0 },
    ]);
    expect(clock.pendingTimers).toBe(0);
    r.cancel(); // after its turn: no-op
    expect(bucket.available).toBe(0);
  });

  it('cancel during that pause gives the place back as usual', () => {
    const { clock, bucket } = setup(1, 1);
    bucket.acquireNowait();
    const r = bucket.reserve();
    bucket.pause(3_000);
    clock.advanceSync(2_000);
    r.cancel();
    expect(bucket.stats.waiting).toBe(0);
    clock.advanceSync(1_000);
    expect(bucket.acquireNowait()).toBe(true);
  });
});

describe('reserve: a booking is not served before its delay', () => {
  // The caller acts at `delay`, by itself. When a waiter ahead leaves, the booking is served
  // (its tokens taken) at once instead, up to `delay` early, while the caller still acts at
  // `delay`: the bucket, refilled in between, then grants another call at that same instant.
  // Here two calls go out at 2000 from a bucket of capacity 1.
  it('a waiter ahead that aborts does not let the booking take its tokens before its delay', async () => {
    const { clock, bucket, grants } = setup(1, 1);
    bucket.acquireNowait();
    const controller = new AbortController();
    const ahead = bucket.acquire(1, { signal: controller.signal });
    const r = bucket.reserve();
    expect(view(r)).toEqual({ ok: true, delay: 2_000 });
    await clock.advance(500);
    controller.abort();
    await rejection(ahead);
    await clock.advance(1_500); // 2000: the caller of the reservation acts now
    const actsAt2000 = 1 + (bucket.acquireNowait() ? 1 : 0);
    expect(actsAt2000).toBe(1);
    expect(grants().at(1)).toEqual({ at: 2_000, cost: 1 });
  });
});

describe('reserve through a KeyedLimiter', () => {
  function keyedSetup() {
    const clock: ManualClock = createManualClock();
    const events: { type: string; key: unknown; at: number; cost: number; wait: number }[] = [];
    const keyed = new KeyedLimiter((_: string) => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock }), {
      clock,
      onEvent: (e) => events.push({ type: e.type, key: e.key, at: clock.now(), cost: e.cost, wait: e.wait }),
    });
    return { clock, keyed, events };
  }

  it('books per key; events carry the key', async () => {
    const { clock, keyed, events } = keyedSetup();
    expect(view(keyed.reserve('a'))).toEqual({ ok: true, delay: 0 });
    expect(view(keyed.reserve('a'))).toEqual({ ok: true, delay: 1_000 });
    expect(view(keyed.reserve('b', 1))).toEqual({ ok: true, delay: 0 });
    expect(view(keyed.reserve('a', 1, { maxWait: 1_000 }))).toEqual({ ok: false, delay: 2_000 });
    await clock.advance(1_000);
    expect(events).toEqual([
      { type: 'granted', key: 'a', at: 0, cost: 1, wait: 0 },
      { type: 'queued', key: 'a', at: 0, cost: 1, wait: 1_000 },
      { type: 'granted', key: 'b', at: 0, cost: 1, wait: 0 },
      { type: 'rejected', key: 'a', at: 0, cost: 1, wait: 2_000 },
      { type: 'granted', key: 'a', at: 1_000, cost: 1, wait: 1_000 },
    ]);
  });

  it('bookings of all keys share the keyed limiter\'s one timer', async () => {
    const { clock, keyed, events } = keyedSetup();
    for (const key of ['a', 'b', 'c']) keyed.acquireNowait(key);
    keyed.reserve('a');
    keyed.reserve('b');
    keyed.reserve('c');
    keyed.reserve('c');
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1_000);
    expect(clock.pendingTimers).toBe(1); // c's second booking, due at 2000
    await clock.advance(1_000);
    expect(clock.pendingTimers).toBe(0);
    expect(events.filter((e) => e.type === 'granted' && e.wait > 0).map((e) => [e.key, e.at])).toEqual([
      ['a', 1_000],
      ['b', 1_000],
      ['c', 1_000],
      ['c', 2_000],
    ]);
  });

  it('a separate limiter per key would hold one timer each', () => {
    const clock = createManualClock();
    const buckets = [0, 1, 2].map(() => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock }));
    for (const bucket of buckets) {
      bucket.acquireNowait();
      bucket.reserve();
    }
    expect(clock.pendingTimers).toBe(3);
  });

  it('cancel through the keyed limiter gives the place back', async () => {
    const { clock, keyed } = keyedSetup();
    keyed.acquireNowait('a');
    const r = keyed.reserve('a');
    r.cancel();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(1_000);
    expect(keyed.acquireNowait('a')).toBe(true);
  });
});

describe('reserve: bad input throws at once', () => {
  it.each([
    { cost: -1, error: RangeError },
    { cost: Number.NaN, error: RangeError },
    { cost: 3, error: RangeError },
    { cost: Infinity, error: RangeError },
    { cost: '1', error: TypeError },
    { cost: null, error: TypeError },
  ])('cost $cost: $error.name naming cost and the capacity', ({ cost, error }) => {
    const { bucket } = setup(2, 1);
    expect(() => bucket.reserve(cost as number)).toThrow(error);
    expect(() => bucket.reserve(cost as number)).toThrow(/`cost`.*capacity 2/);
    expect(bucket.stats).toEqual({ granted: 0, rejected: 0, aborted: 0, waiting: 0 });
  });

  it.each([
    { name: 'null options', options: null, error: TypeError, message: /`options`.*null/ },
    { name: 'a number as options', options: 5, error: TypeError, message: /`options`.*5 \(number\)/ },
    { name: 'an array as options', options: [], error: TypeError, message: /`options`/ },
    { name: 'a negative maxWait', options: { maxWait: -1 }, error: RangeError, message: /`maxWait`.*-1 \(number\)/ },
    { name: 'a NaN maxWait', options: { maxWait: Number.NaN }, error: RangeError, message: /`maxWait`.*NaN \(number\)/ },
    { name: 'a string maxWait', options: { maxWait: '10' }, error: TypeError, message: /`maxWait`.*"10" \(string\)/ },
    { name: 'priority (an acquire option)', options: { priority: 1 }, error: TypeError, message: /Unknown option `priority`.*maxWait/ },
    { name: 'signal (an acquire option)', options: { signal: new AbortController().signal }, error: TypeError, message: /Unknown option `signal`/ },
    { name: 'a misspelt option', options: { maxwait: 10 }, error: TypeError, message: /Unknown option `maxwait`/ },
  ])('$name: $error.name', ({ options, error, message }) => {
    const { bucket } = setup(2, 1);
    bucket.acquireNowait(2);
    expect(() => bucket.reserve(1, options as never)).toThrow(error);
    expect(() => bucket.reserve(1, options as never)).toThrow(message);
    expect(bucket.stats.waiting).toBe(0);
  });

  it('undefined options and an undefined maxWait are the defaults', () => {
    const { bucket } = setup(1, 1);
    expect(view(bucket.reserve(1, undefined))).toEqual({ ok: true, delay: 0 });
    expect(view(bucket.reserve(1, { maxWait: undefined }))).toEqual({ ok: true, delay: 1_000 });
  });
});
