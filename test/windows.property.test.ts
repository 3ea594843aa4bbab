// Property tests of the window algorithms on the manual clock: whatever the callers do, no
// window holds more than its limit, waiters are served in order, and nobody waits forever.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FixedWindow, KeyedLimiter, SlidingWindowLog, type LimiterEvent, type RateLimiter, type SlidingWindow } from '../src/index.js';
import { createManualClock } from '../src/testing.js';
import { assertFifo, byTarget, keyedSubject, limiterSubject, runSchedule, schedules, type Grant, type ScheduleShape } from './schedule.js';

/** Clock readings to start from: small, large, and near 1e12 with fractions. */
const start = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1e9 }), fc.double({ min: 1e12, max: 1e12 + 1e6, noNaN: true }));

/**
 * Schedules for windows up to `longest` ms: waits and steps of the clock scaled to it, steps
 * that land next to window edges and entry departures, and jumps to the subject's edges.
 */
const shape = (targets: number, longest: number): ScheduleShape => ({
  targets,
  maxWait: Math.ceil(3 * longest),
  step: Math.ceil(2 * longest),
  fine: longest / 10,
  marks: [1, 0.5, longest - 1, longest, longest / 2],
  edges: true,
});

/**
 * Every span of `interval` ms — grants `a` then `b` with `a.at + interval > b.at`, both
 * included — holds at most `bound`.
 */
function assertSliding(grants: Grant[], interval: number, bound: number): void {
  for (const list of byTarget(grants)) {
    for (let i = 0; i < list.length; i++) {
      let sum = 0;
      for (let j = i; j < list.length && list[i]!.at + interval > list[j]!.at; j++) {
        sum += list[j]!.cost;
        if (sum > bound + 1e-6) {
          throw new Error(`${sum} granted from ${list[i]!.at} to ${list[j]!.at} for target ${list[i]!.target}: over ${bound} per ${interval} ms`);
        }
      }
    }
  }
}

/** Window `k` is `[k × interval, (k + 1) × interval)`, the products as computed. */
function windowOf(at: number, interval: number): number {
  const k = Math.floor(at / interval);
  if (k * interval > at) return k - 1;
  if ((k + 1) * interval <= at) return k + 1;
  return k;
}

/** Every aligned window holds at most `limit`. */
function assertAligned(grants: Grant[], interval: number, limit: number): void {
  for (const list of byTarget(grants)) {
    const sums = new Map<number, number>();
    for (const g of list) {
      const k = windowOf(g.at, interval);
      const sum = (sums.get(k) ?? 0) + g.cost;
      if (sum > limit + 1e-6) throw new Error(`${sum} granted in window ${k} (from ${k * interval}) for target ${g.target}: over ${limit}`);
      sums.set(k, sum);
    }
  }
}

const limit = fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 10 }), fc.double({ min: 0.5, max: 10, noNaN: true }));
const interval = fc.constantFrom(1, 10, 100, 250, 1_000, 1_000 / 3);

describe('FixedWindow properties', () => {
  it('at most limit in every aligned window, 2 × limit in every sliding one; FIFO; nobody waits forever', async () => {
    await fc.assert(
      fc.asyncProperty(limit, interval, start, fc.gen(), async (limit, interval, start, gen) => {
        const clock = createManualClock(start);
        const limiter = new FixedWindow({ limit, interval, clock });
        const subject = { ...limiterSubject(limiter), edge: (pick: number, now: number) => (windowOf(now, interval) + 1 + (pick % 2)) * interval };
        const { grants, waiters, served } = await runSchedule(clock, subject, gen(schedules, shape(1, interval)));
        const queued = waiters.filter((w) => !w.done).length;
        await clock.advance((queued + 1) * interval + 2_000);
        expect(waiters.every((w) => w.done)).toBe(true);
        expect(limiter.stats.waiting).toBe(0);
        expect(clock.pendingTimers).toBe(0);
        assertAligned(grants, interval, limit);
        assertSliding(grants, interval, 2 * limit);
        assertFifo(served, waiters);
      }),
      { numRuns: 300 },
    );
  });
});

const windows = fc.array(fc.record({ limit, interval }), { minLength: 1, maxLength: 3 });

/** The next instant after `now` at which a grant leaves the window `pick` picks (`now` if none). */
const departure =
  (windows: readonly SlidingWindow[]) =>
  (pick: number, now: number, grants: readonly Grant[]): number => {
    const window = windows[pick % windows.length]!;
    const next = grants.map((g) => g.at + window.interval).filter((t) => t > now);
    return next.length === 0 ? now : Math.min(...next);
  };

describe('SlidingWindowLog properties', () => {
  it('at most limit_i in every span of interval_i, for every window; FIFO; nobody waits forever', async () => {
    await fc.assert(
      fc.asyncProperty(windows, start, fc.gen(), async (windows, start, gen) => {
        const clock = createManualClock(start);
        const limiter = new SlidingWindowLog({ windows, clock });
        const longest = Math.max(...windows.map((w) => w.interval));
        const subject = { ...limiterSubject(limiter), edge: departure(windows) };
        const { grants, waiters, served } = await runSchedule(clock, subject, gen(schedules, shape(1, longest)));
        const queued = waiters.filter((w) => !w.done).length;
        await clock.advance((queued + 1) * longest + 2_000);
        expect(waiters.every((w) => w.done)).toBe(true);
        expect(limiter.stats.waiting).toBe(0);
        expect(clock.pendingTimers).toBe(0);
        await clock.advance(longest);
        expect(limiter.idle).toBe(true);
        for (const w of windows) assertSliding(grants, w.interval, w.limit);
        assertFifo(served, waiters);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every key within its windows while a KeyedLimiter drops and recreates keys', async () => {
    await fc.assert(
      fc.asyncProperty(windows, fc.constantFrom(1, 2, Infinity), fc.gen(), async (windows: SlidingWindow[], maxKeys, gen) => {
        const clock = createManualClock();
        const keyed = new KeyedLimiter<number, RateLimiter>(() => new SlidingWindowLog({ windows, clock }), { clock, maxKeys });
        const capacity = Math.min(...windows.map((w) => w.limit));
        const longest = Math.max(...windows.map((w) => w.interval));
        const subject = { ...keyedSubject(keyed, capacity), edge: departure(windows) };
        const { grants, waiters, served } = await runSchedule(clock, subject, gen(schedules, shape(4, longest)));
        await clock.advance((waiters.length + 1) * longest + 2_000);
        expect(waiters.every((w) => w.done)).toBe(true);
        expect(clock.pendingTimers).toBe(0);
        expect(keyed.size).toBeLessThanOrEqual(maxKeys);
        for (const w of windows) assertSliding(grants, w.interval, w.limit);
        assertFifo(served, waiters);
        // Once every log is empty, every key is idle and dropped.
        await clock.advance(longest);
        keyed.prune();
        expect(keyed.size).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * The instant by which `cost` more is granted behind the grants `log` (in time order) from
 * `start` on, taken in parts greedily — at each instant as much as every window has room for —
 * naively, and how many steps that took.
 */
function greedy(log: readonly Grant[], windows: readonly SlidingWindow[], start: number, cost: number): { at: number; steps: number } {
  const entries = log.map((g) => ({ at: g.at, cost: g.cost }));
  const starts = windows.map(() => 0);
  const sums = windows.map(() => entries.reduce((s, e) => s + e.cost, 0));
  const fits = (sum: number, c: number, limit: number) => sum + c <= limit + limit * Number.EPSILON * 64;
  let rest = cost;
  let t = start;
  for (let steps = 0; ; steps++) {
    let room = Infinity;
    windows.forEach(({ limit, interval }, i) => {
      while (starts[i]! < entries.length && entries[starts[i]!]!.at + interval <= t) sums[i]! -= entries[starts[i]!++]!.cost;
      room = Math.min(room, limit - sums[i]!);
    });
    if (windows.every(({ limit }, i) => fits(sums[i]!, rest, limit))) return { at: t, steps };
    if (room > 0) {
      entries.push({ at: t, cost: room });
      windows.forEach((_, i) => (sums[i]! += room));
      rest -= room;
    }
    let next = t;
    windows.forEach(({ limit, interval }, i) => {
      if (limit - sums[i]! <= limit * Number.EPSILON * 64) next = Math.max(next, entries[starts[i]!]!.at + interval);
    });
    t = next;
  }
}

/** What callers do in the prediction properties: the clock moves, one takes now, several queue. */
type Move = { type: 'advance'; ms: number } | { type: 'departure'; pick: number } | { type: 'nowait'; cost: number } | { type: 'queue'; cost: number; count: number };

/** A move's cost: whole tokens (at most the capacity) from 1 up, a fraction of the capacity below. */
const costIn = (cost: number, capacity: number): number => (cost >= 1 ? Math.min(cost, capacity) : cost * capacity);

const moves = (whole: boolean): fc.Arbitrary<Move[]> => {
  // Whole tokens, or fractions of the capacity (see `costIn`).
  const cost = whole ? fc.constantFrom(1, 2, 3) : fc.oneof(fc.constantFrom(0.25, 0.5, 0.75, 0.999), fc.double({ min: 0.01, max: 0.999, noNaN: true }));
  return fc.array(
    fc.oneof(
      fc.record({ type: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 1, max: 20 }), fc.double({ min: 0, max: 50, noNaN: true })) }),
      fc.record({ type: fc.constant('departure' as const), pick: fc.nat() }),
      fc.record({ type: fc.constant('nowait' as const), cost }),
      fc.record({ type: fc.constant('queue' as const), cost, count: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 20, max: 300 })) }),
    ),
    { maxLength: 30 },
  );
};

const wholeWindows = fc.array(fc.record({ limit: fc.integer({ min: 1, max: 10 }), interval: fc.constantFrom(1, 10, 100, 250, 1_000) }), { minLength: 1, maxLength: 3 });

/**
 * Plays `script` on a fresh limiter: before each caller joins the queue, its prediction is
 * compared with the naive greedy schedule by `check(predicted, exact, steps)`; every caller must
 * be granted, and no earlier than predicted.
 */
async function playPredictions(windows: readonly SlidingWindow[], start: number, script: readonly Move[], check: (predicted: number, exact: number, steps: number) => void): Promise<void> {
  const clock = createManualClock(start);
  const grants: Grant[] = [];
  const early: string[] = [];
  /** The callers waiting, first first (no priorities, no aborts): when each joined, and its prediction. */
  const queue: { cost: number; since: number; predicted: number }[] = [];
  let pending = 0;
  const onEvent = ({ type, cost }: LimiterEvent) => {
    if (type !== 'granted') return;
    const now = clock.now();
    grants.push({ target: 0, at: now, cost });
    // Nobody takes tokens at once while callers wait: this grant is the first waiter's.
    const waiter = queue.shift();
    if (waiter === undefined) return;
    pending -= waiter.cost;
    // Timers land on sums of clock readings and intervals, each rounded: allow half an ulp each.
    const rounding = 1e-9 + Number.EPSILON * Math.abs(now) * grants.length;
    if (now < waiter.since + waiter.predicted - rounding) early.push(`granted at ${now}, predicted ${waiter.since} + ${waiter.predicted}`);
  };
  const limiter = new SlidingWindowLog({ windows, clock, onEvent });
  const capacity = limiter.capacity;
  const waiting: Promise<void>[] = [];
  for (const move of script) {
    if (move.type === 'advance') clock.advanceSync(move.ms);
    else if (move.type === 'departure') {
      const next = grants.flatMap((g) => windows.map((w) => g.at + w.interval)).filter((t) => t > clock.now());
      if (next.length > 0) clock.advanceSync(Math.min(...next) + (move.pick % 2) * 0.5 - clock.now());
    } else if (move.type === 'nowait') {
      limiter.acquireNowait(costIn(move.cost, capacity));
    } else {
      const cost = costIn(move.cost, capacity);
      for (let k = 0; k < move.count; k++) {
        const now = clock.now();
        const predicted = limiter.timeToAvailable(cost);
        // The naive schedule for the first and last of a long row only: it is slow.
        if (k === 0 || k === move.count - 1) {
          const { at, steps } = greedy(grants, windows, now, pending + cost);
          check(predicted, at - now, steps);
        }
        if (predicted > 0) {
          queue.push({ cost, since: now, predicted });
          pending += cost;
        }
        waiting.push(limiter.acquire(cost));
      }
    }
  }
  await clock.advance(1e9);
  await Promise.all(waiting);
  expect(queue).toEqual([]);
  expect(early).toEqual([]);
}

describe('SlidingWindowLog: waits predicted behind a queue', () => {
  const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

  it('one window: exactly the greedy schedule of parts, and never later than the grant', async () => {
    await fc.assert(
      fc.asyncProperty(wholeWindows.map((w) => w.slice(0, 1)), fc.constantFrom(0, 0.25, 123_456.789), moves(true), async (windows, start, script) => {
        await playPredictions(windows, start, script, (predicted, exact) => {
          if (!near(predicted, exact)) throw new Error(`predicted ${predicted}, greedy ${exact}`);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('several windows: the greedy schedule while simulated (at most 1/64 short), a lower bound after', async () => {
    await fc.assert(
      fc.asyncProperty(wholeWindows, fc.constantFrom(0, 0.25, 123_456.789), moves(true), async (windows, start, script) => {
        await playPredictions(windows, start, script, (predicted, exact, steps) => {
          if (predicted > exact + 1e-6 * Math.max(1, exact)) throw new Error(`predicted ${predicted}, greedy ${exact}: late`);
          if (steps <= 100 && predicted < exact - exact / 64 - 1e-6) throw new Error(`predicted ${predicted}, greedy ${exact} in ${steps} steps`);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('fractional limits and costs: never later than the greedy schedule, nor than the grant', async () => {
    await fc.assert(
      fc.asyncProperty(windows, start, moves(false), async (windows, start, script) => {
        await playPredictions(windows, start, script, (predicted, exact) => {
          if (predicted > exact + 1e-6 * Math.max(1, exact)) throw new Error(`predicted ${predicted}, greedy ${exact}: late`);
        });
      }),
      { numRuns: 200 },
    );
  });
});
