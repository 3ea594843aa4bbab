// Property tests of the window algorithms on the manual clock: whatever the callers do, no
// window holds more than its limit, waiters are served in order, and nobody waits forever.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FixedWindow, KeyedLimiter, SlidingWindowLog, type RateLimiter, type SlidingWindow } from '../src/index.js';
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
