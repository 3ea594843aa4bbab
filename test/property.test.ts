// Property tests on the manual clock: whatever the callers do, no window of any length sees more
// grants than the bound, waiters are served in order, and nobody waits forever.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyedLimiter, TokenBucket, type RateLimiter } from '../src/index.js';
import { createManualClock } from '../src/testing.js';
import { assertFifo, assertWindows, keyedSubject, limiterSubject, runSchedule, schedules } from './schedule.js';

describe('TokenBucket properties', () => {
  it('never grants more than capacity + rate * window in any window; FIFO; nobody waits forever', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 10 }), fc.double({ min: 0.5, max: 10, noNaN: true })),
        fc.constantFrom(0.5, 1, 3, 10, 50, 1_000 / 7),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 1e9 }),
        fc.gen(),
        async (capacity, refillPerSecond, fill, start, gen) => {
          const clock = createManualClock(start);
          const bucket = new TokenBucket({ capacity, refillPerSecond, initialTokens: capacity * fill, clock });
          const { grants, waiters, served } = await runSchedule(clock, limiterSubject(bucket), gen(schedules, { targets: 1 }));
          const queued = waiters.filter((w) => !w.done).length;
          await clock.advance(((queued + 1) * capacity * 1000) / refillPerSecond + 2_000);
          expect(waiters.every((w) => w.done)).toBe(true);
          expect(bucket.stats.waiting).toBe(0);
          expect(clock.pendingTimers).toBe(0);
          assertWindows(grants, (ms) => capacity + (refillPerSecond * ms) / 1000);
          assertFifo(served, waiters);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('KeyedLimiter properties', () => {
  it('keeps every key within its bound while keys are dropped, evicted and recreated', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(1, 4, 20),
        fc.constantFrom(1, 2, Infinity),
        fc.gen(),
        async (capacity, refillPerSecond, maxKeys, gen) => {
          const clock = createManualClock();
          const keyed = new KeyedLimiter<number, RateLimiter>(() => new TokenBucket({ capacity, refillPerSecond, clock }), { clock, maxKeys });
          const { grants, waiters, served } = await runSchedule(clock, keyedSubject(keyed, capacity), gen(schedules, { targets: 4 }));
          await clock.advance(((waiters.length + 1) * capacity * 1000) / refillPerSecond + 2_000);
          expect(waiters.every((w) => w.done)).toBe(true);
          expect(clock.pendingTimers).toBe(0);
          expect(keyed.size).toBeLessThanOrEqual(maxKeys);
          assertWindows(grants, (ms) => capacity + (refillPerSecond * ms) / 1000);
          assertFifo(served, waiters);
        },
      ),
      { numRuns: 300 },
    );
  });
});
