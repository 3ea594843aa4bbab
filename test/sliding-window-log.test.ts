import { describe, expect, test } from 'vitest';
import { KeyedLimiter, SlidingWindowLog, type SlidingWindowLogOptions } from '../src/index.js';
import { createManualClock, type ManualClock } from '../src/testing.js';
import { describeRateLimiterContract } from './contract.js';
import { playSteps, type Step } from './fixed-instants.js';
import { track } from './settle.js';

describeRateLimiterContract('SlidingWindowLog (two windows)', {
  make: (clock, capacity) =>
    new SlidingWindowLog({
      windows: [
        { limit: capacity, interval: 100 },
        { limit: 2 * capacity, interval: 300 },
      ],
      clock,
    }),
  refillWithin: 150,
});

describeRateLimiterContract('SlidingWindowLog (one window)', {
  make: (clock, capacity) => new SlidingWindowLog({ windows: [{ limit: capacity, interval: 100 }], clock }),
  refillWithin: 100,
});

function setup(options: Omit<SlidingWindowLogOptions, 'clock'>, start = 0): { clock: ManualClock; limiter: SlidingWindowLog } {
  const clock = createManualClock(start);
  return { clock, limiter: new SlidingWindowLog({ ...options, clock }) };
}

/** Runs `acquireNowait` at fixed instants of the manual clock, in order. */
function run(options: Omit<SlidingWindowLogOptions, 'clock'>, steps: readonly Step[], start = 0): void {
  const { clock, limiter } = setup(options, start);
  playSteps(clock, limiter, steps);
}

const perSecondAndMinute = { windows: [{ limit: 5, interval: 1_000 }, { limit: 12, interval: 60_000 }] };

describe('SlidingWindowLog: acquireNowait at fixed instants', () => {
  test('3 per 1000 ms: an entry leaves exactly interval ms after it was granted', () => {
    run({ windows: [{ limit: 3, interval: 1_000 }] }, [
      { at: 0, cost: 1, want: true },
      { at: 400, cost: 2, want: true },
      { at: 999, cost: 1, want: false },
      { at: 1_000, cost: 1, want: true }, // the entry of 0 left
      { at: 1_000, cost: 1, want: false },
      { at: 1_399, cost: 1, want: false },
      { at: 1_400, cost: 2, want: true }, // the 2 of 400 left
      { at: 1_400, cost: 0, want: true },
      { at: 2_399, cost: 2, want: false }, // the 2 of 1400 are still inside
      { at: 2_399, cost: 1, want: true },
      { at: 10_000, cost: 3, want: true }, // nothing carries over
      { at: 10_000, cost: 1, want: false },
    ]);
  });

  test('no edge burst: a window never holds more than limit, wherever it starts', () => {
    run({ windows: [{ limit: 5, interval: 1_000 }] }, [
      { at: 999.5, cost: 5, want: true },
      { at: 1_000, cost: 1, want: false }, // a fixed window would grant 5 more here
      { at: 1_999, cost: 1, want: false },
      { at: 1_999.5, cost: 5, want: true },
    ]);
  });

  test('5 per second and 12 per minute: the minute limit bites after 12 grants spread over seconds', () => {
    run(perSecondAndMinute, [
      { at: 0, cost: 5, want: true },
      { at: 0, cost: 1, want: false }, // the second window
      { at: 1_000, cost: 5, want: true },
      { at: 2_000, cost: 1, want: true },
      { at: 3_000, cost: 1, want: true },
      { at: 4_000, cost: 1, want: false }, // 12 within the minute
      { at: 59_999, cost: 1, want: false },
      { at: 60_000, cost: 5, want: true }, // the first 5 left the minute window
      { at: 60_000, cost: 1, want: false }, // the second window again
      { at: 60_999, cost: 1, want: false },
      { at: 61_000, cost: 5, want: true }, // the 5 of 1000 left the minute
      { at: 62_000, cost: 1, want: true }, // the 1 of 2000 left: 1 + 5 + 5 + 1 = 12
      { at: 62_000, cost: 1, want: false }, // the minute again
      { at: 62_000, cost: 0, want: true },
      { at: 63_000, cost: 1, want: true },
    ]);
  });

  test('windows may be given in any order', () => {
    const steps = [
      { at: 0, cost: 2, want: true },
      { at: 100, cost: 2, want: false },
      { at: 1_000, cost: 1, want: true },
      { at: 2_000, cost: 1, want: false },
      { at: 10_000, cost: 2, want: true },
    ];
    run({ windows: [{ limit: 2, interval: 1_000 }, { limit: 3, interval: 10_000 }] }, steps);
    run({ windows: [{ limit: 3, interval: 10_000 }, { limit: 2, interval: 1_000 }] }, steps);
  });

  test('fractional costs and limits', () => {
    run({ windows: [{ limit: 0.3, interval: 10 }] }, [
      { at: 0, cost: 0.1, want: true },
      { at: 1, cost: 0.2, want: true }, // 0.30000000000000004: fits
      { at: 2, cost: 0.01, want: false },
      { at: 10, cost: 0.1, want: true },
      { at: 10, cost: 0.01, want: false },
      { at: 11, cost: 0.2, want: true },
    ]);
  });

  test('clock readings near 1e12 with fractions', () => {
    const t = 1e12;
    run(
      { windows: [{ limit: 2, interval: 1_000 }] },
      [
        { at: t + 0.25, cost: 1, want: true },
        { at: t + 0.5, cost: 1, want: true },
        { at: t + 1_000.2421875, cost: 1, want: false },
        { at: t + 1_000.25, cost: 1, want: true },
        { at: t + 1_000.25, cost: 1, want: false },
        { at: t + 1_000.5, cost: 1, want: true },
      ],
      t + 0.25,
    );
  });
});

describe('SlidingWindowLog: available, timeToAvailable, idle', () => {
  test('available is the least room over the windows', () => {
    const { clock, limiter } = setup(perSecondAndMinute);
    expect(limiter.available).toBe(5);
    limiter.acquireNowait(4);
    expect(limiter.available).toBe(1);
    clock.advanceSync(1_000);
    expect(limiter.available).toBe(5);
    limiter.acquireNowait(5);
    clock.advanceSync(1_000);
    expect(limiter.available).toBe(3); // 12 - 9 within the minute
  });

  test.each([
    { grants: [], at: 0, cost: 5, want: 0 },
    { grants: [[0, 5]], at: 0, cost: 1, want: 1_000 },
    { grants: [[0, 5]], at: 250, cost: 1, want: 750 },
    { grants: [[0, 2], [400, 3]], at: 500, cost: 2, want: 500 }, // the 2 of 0 must leave
    { grants: [[0, 2], [400, 3]], at: 500, cost: 3, want: 900 }, // and the 3 of 400
    { grants: [[0, 5], [1_000, 5], [2_000, 2]], at: 2_000, cost: 1, want: 58_000 }, // the minute
    { grants: [[0, 5], [1_000, 5], [2_000, 2]], at: 2_000, cost: 5, want: 58_000 },
    { grants: [[0, 5], [1_000, 5], [2_000, 2]], at: 60_000, cost: 5, want: 0 }, // the 5 of 0 left the minute
    { grants: [[0, 5], [1_000, 5], [2_000, 2]], at: 59_999.5, cost: 1, want: 0.5 },
  ])('after $grants, at $at, cost $cost: $want ms', ({ grants, at, cost, want }) => {
    const { clock, limiter } = setup(perSecondAndMinute);
    for (const [t, c] of grants) {
      clock.advanceSync(t! - clock.now());
      expect(limiter.acquireNowait(c)).toBe(true);
    }
    clock.advanceSync(at - clock.now());
    expect(limiter.timeToAvailable(cost)).toBe(want);
  });

  test('agrees with acquireNowait at every instant', () => {
    const { clock, limiter } = setup(perSecondAndMinute);
    for (let t = 0; t < 200_000; t += 250) {
      const wait = limiter.timeToAvailable(2);
      expect(limiter.acquireNowait(2), `at ${t}, predicted ${wait}`).toBe(wait === 0);
      if (wait > 0 && wait < 250) {
        clock.advanceSync(wait);
        expect(limiter.acquireNowait(2)).toBe(true);
        clock.advanceSync(250 - wait);
      } else {
        clock.advanceSync(250);
      }
    }
  });

  test('counts the queue ahead, granting it greedily on a copy of the log', async () => {
    const { clock, limiter } = setup({ windows: [{ limit: 2, interval: 1_000 }, { limit: 3, interval: 10_000 }] });
    limiter.acquireNowait(2);
    const first = track(limiter.acquire(1)); // at 1000
    expect(limiter.timeToAvailable(1)).toBe(10_000); // the 10 s window holds 3 until the first 2 leave
    expect(limiter.timeToAvailable(2)).toBe(10_000);
    const second = track(limiter.acquire(2)); // at 10000
    // 1 at 1000 and 2 at 10000 fill the 10 s window until 20000.
    expect(limiter.timeToAvailable(2)).toBe(20_000);
    const third = track(limiter.acquire(2));
    await clock.advance(1_000);
    expect(first.settled).toBe(true);
    await clock.advance(8_999);
    expect(second.settled).toBe(false);
    await clock.advance(1);
    expect(second.settled).toBe(true);
    await clock.advance(9_999);
    expect(third.settled).toBe(false);
    await clock.advance(1);
    expect(third.settled).toBe(true);
  });

  test('behind a queue of parts that do not fit side by side, the prediction is a lower bound', async () => {
    const { clock, limiter } = setup({ windows: [{ limit: 3, interval: 1_000 }] });
    limiter.acquireNowait(3);
    void limiter.acquire(2); // at 1000
    void limiter.acquire(2); // at 2000: 2 + 2 do not fit in one window
    const predicted = limiter.timeToAvailable(2); // 1 at 1000, 3 at 2000 … as if parts could split
    expect(predicted).toBe(2_000);
    const last = track(limiter.acquire(2));
    await clock.advance(2_999);
    expect(last.settled).toBe(false);
    await clock.advance(1);
    expect(last.settled).toBe(true);
  });

  test('one window: a queue of any length is predicted exactly, the log repeating every interval', async () => {
    const { clock, limiter } = setup({ windows: [{ limit: 1, interval: 10 }] });
    limiter.acquireNowait();
    const waiters = Array.from({ length: 3_000 }, () => track(limiter.acquire()));
    expect(limiter.stats.waiting).toBe(3_000);
    const predicted = limiter.timeToAvailable();
    expect(predicted).toBe(30_010);
    await clock.advance(10);
    expect(waiters[0]!.settled).toBe(true);
    await clock.advance(29_990);
    expect(waiters.every((w) => w.settled)).toBe(true);
    expect(clock.now()).toBe(30_000);
  });

  test('one window with entries apart: each period grants them again at the instants they leave', async () => {
    const { clock, limiter } = setup({ windows: [{ limit: 3, interval: 1_000 }] });
    for (const at of [0, 300, 600]) {
      clock.advanceSync(at - clock.now());
      expect(limiter.acquireNowait()).toBe(true);
    }
    clock.advanceSync(100); // at 700
    const waiters = Array.from({ length: 1_000 }, () => track(limiter.acquire()));
    // Waiter k (from 1) is the k-th grant after the log's: period ceil(k / 3), at the instant
    // of entry (k - 1) % 3. The next caller is the 1001st: period 334, entry 300.
    expect(limiter.timeToAvailable()).toBe(334_300 - 700);
    expect(limiter.timeToAvailable(0.5)).toBe(334_300 - 700);
    await clock.advance(333_999 - 700);
    expect(waiters[998]!.settled).toBe(true);
    expect(waiters[999]!.settled).toBe(false);
    await clock.advance(1);
    expect(waiters[999]!.settled).toBe(true);
  });

  test('parts that fill a window but for rounding are predicted to fit in it, as they are granted', async () => {
    const { clock, limiter } = setup({ windows: [{ limit: 0.5, interval: 1 }] });
    const times: number[] = [];
    const waits = Array.from({ length: 199 }, () => limiter.acquire(0.005).then(() => times.push(clock.now())));
    expect(limiter.stats.waiting).toBe(99);
    // 100 × 0.005 adds up to a hair over 0.5: the window takes it all the same.
    expect(limiter.timeToAvailable(0.005)).toBe(1);
    waits.push(limiter.acquire(0.005).then(() => times.push(clock.now())));
    await clock.advance(10);
    await Promise.all(waits);
    expect(times.filter((t) => t === 1)).toHaveLength(100);
  });

  test('several windows: simulated up to 128 steps, then each window alone from there', async () => {
    const { clock, limiter } = setup({ windows: [{ limit: 1, interval: 10 }, { limit: 2, interval: 1_000 }] });
    limiter.acquireNowait();
    const waiters = Array.from({ length: 1_000 }, () => track(limiter.acquire()));
    // Grant j (from 0) at floor(j / 2) × 1000 + (j % 2) × 10; the next caller is grant 1001.
    expect(limiter.timeToAvailable()).toBe(500_010);
    await clock.advance(499_999);
    expect(waiters[998]!.settled).toBe(true);
    expect(waiters[999]!.settled).toBe(false);
    await clock.advance(1);
    expect(waiters[999]!.settled).toBe(true);
  });

  test('several windows: a simulation made earlier on the same log serves while at most 1/64 of the wait short', () => {
    const { clock, limiter } = setup({ windows: [{ limit: 3, interval: 1_000 }, { limit: 10, interval: 10_000 }] });
    limiter.acquireNowait(2);
    void limiter.acquire(2); // room 1 now, so it waits for the 2 of 0 to leave, at 1000
    // Behind it, 4 in parts: 1 now, 3 at 1000.
    expect(limiter.timeToAvailable(2)).toBe(1_000);
    clock.advanceSync(1);
    // Exactly: 1 at 1, 2 at 1000, 1 at 1001. The simulation of 0 says 1000: 1 ms short, kept.
    expect(limiter.timeToAvailable(2)).toBe(999);
    clock.advanceSync(19);
    // 20 ms short would be more than 1/64 of the wait: simulated afresh from 20.
    expect(limiter.timeToAvailable(2)).toBe(1_000);
  });

  test('a timer that fires when an entry leaves grants there, near 1e12 too', async () => {
    for (const start of [0.3, 1e12 + 0.3, 1e12 + 0.1, 123_456.789]) {
      const { clock, limiter } = setup({ windows: [{ limit: 1, interval: 1_000 }, { limit: 2, interval: 3_000 }] }, start);
      limiter.acquireNowait();
      const times: number[] = [];
      const waits = [limiter.acquire(), limiter.acquire()].map((p) => p.then(() => times.push(clock.now())));
      await clock.advance(3_000);
      await Promise.all(waits);
      expect(times).toEqual([start + 1_000, start + 3_000]);
      expect(clock.pendingTimers).toBe(0);
    }
  });

  test('idle once no entry is inside any window', () => {
    const { clock, limiter } = setup(perSecondAndMinute);
    expect(limiter.idle).toBe(true);
    limiter.acquireNowait(0);
    expect(limiter.idle).toBe(true);
    limiter.acquireNowait(1);
    expect(limiter.idle).toBe(false);
    clock.advanceSync(1_000);
    expect(limiter.available).toBe(5);
    expect(limiter.idle).toBe(false); // still inside the minute
    clock.advanceSync(58_999);
    expect(limiter.idle).toBe(false);
    clock.advanceSync(1);
    expect(limiter.idle).toBe(true);
  });
});

describe('SlidingWindowLog: waiting through acquire', () => {
  test('waiters are served as entries leave, in order, with one timer', async () => {
    const { clock, limiter } = setup({ windows: [{ limit: 2, interval: 1_000 }] });
    limiter.acquireNowait(1);
    clock.advanceSync(300);
    limiter.acquireNowait(1);
    const served: [number, number][] = [];
    const waits = [1, 1, 2, 1].map((cost, i) => limiter.acquire(cost).then(() => served.push([i, clock.now()])));
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(5_000);
    await Promise.all(waits);
    expect(served).toEqual([
      [0, 1_000],
      [1, 1_300],
      [2, 2_300],
      [3, 3_300],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  test('5 per second and 12 per minute through acquire', async () => {
    const { clock, limiter } = setup(perSecondAndMinute);
    const times: number[] = [];
    const waits = Array.from({ length: 15 }, () => limiter.acquire().then(() => times.push(clock.now())));
    await clock.advance(120_000);
    await Promise.all(waits);
    expect(times).toEqual([0, 0, 0, 0, 0, 1_000, 1_000, 1_000, 1_000, 1_000, 2_000, 2_000, 60_000, 60_000, 60_000]);
  });

  test('a KeyedLimiter drops a key once its log is empty', async () => {
    const clock = createManualClock();
    const keyed = new KeyedLimiter(() => new SlidingWindowLog({ ...perSecondAndMinute, clock }), { clock });
    expect(keyed.acquireNowait('a', 5)).toBe(true);
    const waiting = track(keyed.acquire('a'));
    await clock.advance(1_000);
    expect(waiting.settled).toBe(true);
    expect(keyed.prune()).toBe(0);
    await clock.advance(59_999);
    expect(keyed.prune()).toBe(0); // the grant of 1000 is inside the minute
    await clock.advance(1);
    expect(keyed.prune()).toBe(1);
    expect(keyed.size).toBe(0);
  });
});

describe('SlidingWindowLog: the ring buffer', () => {
  // 100,000 grants take seconds in a DOM environment on a busy machine: not the default 5 s.
  test('100,000 grants over a long time: answers stay exact as the ring grows, wraps and shrinks', () => {
    const { clock, limiter } = setup({ windows: [{ limit: 3, interval: 10 }, { limit: 500, interval: 5_000 }] });
    let granted = 0;
    let i = 0;
    // Bursts that fill the ring, then a trickle that wraps it round many times.
    while (granted < 100_000) {
      const burst = i % 50 < 5;
      const cost = burst ? 1 : (i % 3) + 1;
      const wait = limiter.timeToAvailable(cost);
      if (wait === 0) {
        expect(limiter.acquireNowait(cost)).toBe(true);
        granted++;
      } else {
        expect(limiter.acquireNowait(cost)).toBe(false);
        clock.advanceSync(wait);
        expect(limiter.acquireNowait(cost)).toBe(true);
        granted++;
      }
      clock.advanceSync(burst ? 3.25 : 7.5);
      i++;
    }
    // The last 10 ms hold at most 3, the last 5 s at most 500: check against a log of our own.
    expect(limiter.available).toBeLessThanOrEqual(3);
    clock.advanceSync(5_000);
    expect(limiter.idle).toBe(true);
    expect(limiter.available).toBe(3);
    expect(limiter.acquireNowait(3)).toBe(true);
    expect(limiter.timeToAvailable(1)).toBe(10);
  }, 60_000);

  test('matches a naive log at every step, as the ring grows while wrapped, shrinks and empties', () => {
    const windows = [{ limit: 8, interval: 50 }, { limit: 200, interval: 2_000 }];
    const { clock, limiter } = setup({ windows });
    const naive: { at: number; cost: number }[] = [];
    const room = (now: number, cost: number) =>
      windows.every(({ limit, interval }) => naive.filter((e) => e.at + interval > now).reduce((s, e) => s + e.cost, 0) + cost <= limit);
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    // Phases: a trickle that moves the ring's head round, a rush that grows it, a lull that
    // shrinks it, a pause that empties it.
    const gaps = [[20, 40, 60], [0, 1, 2, 5], [100, 300, 450], [2_500]];
    for (let step = 0; step < 40_000; step++) {
      const block = Math.floor(step / 500) % 4;
      const phase = gaps[block === 3 && step % 500 === 499 ? 3 : Math.min(block, 2)]!;
      const cost = [1, 2, 0.5, 4][Math.floor(random() * 4)]!;
      const want = room(clock.now(), cost);
      expect(limiter.acquireNowait(cost)).toBe(want);
      if (want) naive.push({ at: clock.now(), cost });
      const wait = limiter.timeToAvailable(cost);
      expect(wait === 0).toBe(room(clock.now(), cost));
      clock.advanceSync(phase[Math.floor(random() * phase.length)]!);
      while (naive.length > 0 && naive[0]!.at + 2_000 <= clock.now()) naive.shift();
      expect(limiter.idle).toBe(naive.length === 0);
    }
  });

  test('a fresh limiter and one whose log has emptied behave the same', () => {
    const { clock, limiter } = setup({ windows: [{ limit: 2, interval: 100 }] });
    for (let round = 0; round < 3; round++) {
      expect(limiter.idle).toBe(true);
      expect(limiter.available).toBe(2);
      expect(limiter.acquireNowait(2)).toBe(true);
      expect(limiter.timeToAvailable()).toBe(100);
      clock.advanceSync(100);
    }
  });
});

describe('SlidingWindowLog: options', () => {
  test('windows and capacity are readable; windows is a frozen copy in the given order', () => {
    const given = [{ limit: 100, interval: 60_000 }, { limit: 5, interval: 1_000 }];
    const { limiter } = setup({ windows: given });
    expect(limiter.windows).toEqual(given);
    expect(limiter.windows).not.toBe(given);
    expect(Object.isFrozen(limiter.windows)).toBe(true);
    expect(Object.isFrozen(limiter.windows[0])).toBe(true);
    expect(limiter.capacity).toBe(5);
    given[1]!.limit = 50;
    expect(limiter.capacity).toBe(5);
  });

  test('limiters made alike answer alike, made differently differently', () => {
    const clock = createManualClock();
    const a = new SlidingWindowLog({ windows: [{ limit: 2, interval: 100 }], clock });
    const b = new SlidingWindowLog({ windows: [{ limit: 2, interval: 100 }, { limit: 3, interval: 1_000 }], clock });
    const c = new SlidingWindowLog({ windows: [{ limit: 2, interval: 100 }], clock });
    const d = new SlidingWindowLog({ windows: [{ limit: 2, interval: 200 }], clock });
    expect([a.windows.length, b.windows.length, c.windows.length]).toEqual([1, 2, 1]);
    expect(d.windows[0]!.interval).toBe(200);
    a.acquireNowait(2);
    expect(c.available).toBe(2);
  });

  const ok = { limit: 1, interval: 1_000 };
  const cases: { name: string; options: unknown; error: typeof TypeError | typeof RangeError; message: RegExp }[] = [
    { name: 'options missing', options: undefined, error: TypeError, message: /`windows`.*undefined \(undefined\)/ },
    { name: 'options null', options: null, error: TypeError, message: /`SlidingWindowLog options`.*null \(null\)/ },
    { name: 'windows missing', options: {}, error: TypeError, message: /`windows`.*undefined \(undefined\)/ },
    { name: 'windows an object', options: { windows: ok }, error: TypeError, message: /`windows`.*\[object\] \(object\)/ },
    { name: 'windows empty', options: { windows: [] }, error: RangeError, message: /`windows`.*non-empty.*\[array\] \(object\)/ },
    { name: 'a window a number', options: { windows: [ok, 5] }, error: TypeError, message: /`windows\[1\]`.*5 \(number\)/ },
    { name: 'a window null', options: { windows: [null] }, error: TypeError, message: /`windows\[0\]`.*null \(null\)/ },
    { name: 'a window an array', options: { windows: [[1, 1_000]] }, error: TypeError, message: /`windows\[0\]`.*\[array\]/ },
    { name: 'a window with an extra key', options: { windows: [ok, { limit: 1, interval: 5, burst: 2 }] }, error: TypeError, message: /`burst`.*`windows\[1\]`.*limit, interval/ },
    { name: 'limit missing', options: { windows: [{ interval: 1_000 }] }, error: TypeError, message: /`windows\[0\]\.limit`.*undefined \(undefined\)/ },
    { name: 'limit a string', options: { windows: [ok, { limit: '5', interval: 1_000 }] }, error: TypeError, message: /`windows\[1\]\.limit`.*"5" \(string\)/ },
    { name: 'limit 0', options: { windows: [ok, { limit: 0, interval: 1_000 }] }, error: RangeError, message: /`windows\[1\]\.limit`.*0 \(number\)/ },
    { name: 'limit Infinity', options: { windows: [{ limit: Infinity, interval: 1_000 }] }, error: RangeError, message: /`windows\[0\]\.limit`.*Infinity \(number\)/ },
    { name: 'limit NaN', options: { windows: [{ limit: Number.NaN, interval: 1_000 }] }, error: RangeError, message: /`windows\[0\]\.limit`.*NaN \(number\)/ },
    { name: 'interval missing', options: { windows: [{ limit: 1 }] }, error: TypeError, message: /`windows\[0\]\.interval`.*undefined \(undefined\)/ },
    { name: 'interval a string', options: { windows: [{ limit: 1, interval: '1s' }] }, error: TypeError, message: /`windows\[0\]\.interval`.*"1s" \(string\)/ },
    { name: 'interval negative', options: { windows: [{ limit: 1, interval: -1 }] }, error: RangeError, message: /`windows\[0\]\.interval`.*-1 \(number\)/ },
    { name: 'interval Infinity', options: { windows: [ok, ok, { limit: 1, interval: Infinity }] }, error: RangeError, message: /`windows\[2\]\.interval`.*Infinity \(number\)/ },
    { name: 'an unknown option', options: { windows: [ok], limit: 5 }, error: TypeError, message: /`limit`.*`SlidingWindowLog options`/ },
    { name: 'clock a number', options: { windows: [ok], clock: 0 }, error: TypeError, message: /`clock`.*0 \(number\)/ },
  ];

  test.each(cases)('$name', ({ options, error, message }) => {
    expect(() => new SlidingWindowLog(options as SlidingWindowLogOptions)).toThrow(error);
    expect(() => new SlidingWindowLog(options as SlidingWindowLogOptions)).toThrow(message);
  });

  test('a cost above the smallest limit is a RangeError naming it', () => {
    const { limiter } = setup(perSecondAndMinute);
    expect(() => limiter.acquireNowait(6)).toThrow(/`cost`.*\b5\b.*6 \(number\)/);
  });
});

describe('SlidingWindowLog: the documented example', () => {
  test('answers what the TSDoc and README say', () => {
    const clock = createManualClock();
    const api = new SlidingWindowLog({ windows: [{ limit: 5, interval: 1_000 }, { limit: 100, interval: 60_000 }], clock });
    expect(api.acquireNowait(5)).toBe(true);
    expect(api.acquireNowait()).toBe(false);
    expect(api.timeToAvailable()).toBe(1_000);
  });
});
