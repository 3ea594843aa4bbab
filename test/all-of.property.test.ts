// Property tests of allOf on the manual clock: composites sharing parts, and the parts used
// directly too. Whatever the callers do, no part grants more than its bound in any window, a
// composite that refuses leaves every part exactly as it was, and nobody waits forever.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AllOf, allOf, KeyedLimiter, TokenBucket, type BaseRateLimiter, type LimiterEvent } from '../src/index.js';
import { createManualClock } from '../src/testing.js';
import { assertFifo, assertWindows, costOf, keyedSubject, runSchedule, schedules, type Cost, type Grant, type ScheduleShape, type Subject } from './schedule.js';

/** Schedules for several targets: more taking, waiting and stepping than aborting and pausing. */
const shape = (targets: number): ScheduleShape => ({
  targets,
  maxLength: 80,
  step: 1_000,
  priorities: [0, 0, 1, -1],
  weights: { nowait: 3, acquire: 3, abort: 1, abortShared: 1, advance: 3, pause: 1 },
});

/** What can be read of a part, to compare before and after a refusal at the same instant. */
function snapshot(part: BaseRateLimiter) {
  const timeToAvailable = part.timeToAvailable(part.capacity);
  return { timeToAvailable, available: part.available, granted: part.stats.granted };
}

/** The parts that grant in the end. */
function leavesOf(limiter: BaseRateLimiter): BaseRateLimiter[] {
  return limiter instanceof AllOf ? limiter.parts.flatMap(leavesOf) : [limiter];
}

/**
 * An `onEvent` listener recording when a composite grants while someone waits on one of its
 * parts directly: that waiter was overtaken.
 */
function overtakes(times: number[], clock: { now(): number }): (event: LimiterEvent) => void {
  return (event) => {
    if (event.type !== 'granted' || event.cost === 0) return;
    if (leavesOf(event.limiter as BaseRateLimiter).some((leaf) => leaf.stats.waiting > 0)) times.push(clock.now());
  };
}

/** The grants of targets as grants of the parts they take from: `target` becomes the part's index. */
function partGrants(grants: readonly Grant[], targets: readonly BaseRateLimiter[], parts: readonly BaseRateLimiter[]): Grant[] {
  return grants.flatMap((g) => leavesOf(targets[g.target]!).map((leaf) => ({ ...g, target: parts.indexOf(leaf) })));
}

/** The bound of each bucket, by index: capacity + rate × window. */
const bucketBounds =
  (buckets: readonly TokenBucket[]) =>
  (ms: number, i: number): number =>
    buckets[i]!.capacity + (buckets[i]!.refillPerSecond * ms) / 1_000;

const capacity = fc.oneof(fc.integer({ min: 1, max: 6 }), fc.double({ min: 0.5, max: 6, noNaN: true }));
const rate = fc.constantFrom(0.5, 1, 3, 10, 1_000 / 7);

describe('allOf properties', () => {
  it('composites sharing parts: every part within its bound, refusals leave no trace, FIFO per composite, nobody waits forever', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(capacity, rate), { minLength: 6, maxLength: 6 }),
        fc.integer({ min: 0, max: 1e9 }),
        fc.gen(),
        async (shapes, start, gen) => {
          const clock = createManualClock(start);
          const buckets = shapes.map(([c, r]) => new TokenBucket({ capacity: c, refillPerSecond: r, clock }));
          const [global, shared, k0, k1, k2, k3] = buckets as [TokenBucket, TokenBucket, TokenBucket, TokenBucket, TokenBucket, TokenBucket];
          // A composite never grants while someone waits on one of its parts directly.
          const overtaken: number[] = [];
          const onEvent = overtakes(overtaken, clock);
          const targets: BaseRateLimiter[] = [
            new AllOf([global, k0], { onEvent }),
            new AllOf([global, shared, k1], { onEvent }),
            new AllOf([shared, k2], { onEvent }),
            new AllOf([allOf(global, k3), shared], { onEvent }),
            global,
            shared,
          ];
          const composites = 4;
          const subject: Subject = {
            capacity: (t) => targets[t]!.capacity,
            nowait: (t, cost) => {
              const before = buckets.map(snapshot);
              const ok = targets[t]!.acquireNowait(cost);
              if (!ok) expect(buckets.map(snapshot), `refusal of ${cost} by target ${t} left a trace`).toEqual(before);
              return ok;
            },
            // Composites are asked at priority 0 so their own order is plain FIFO.
            acquire: (t, cost, options) => targets[t]!.acquire(cost, t < composites ? { ...options, priority: 0 } : options),
            pause: (t, ms) => targets[t]!.pause(ms),
          };
          const { grants, waiters, served, paused } = await runSchedule(clock, subject, gen(schedules, shape(targets.length)));
          // Liveness: with no new callers, every waiter is served (or was refused or aborted).
          const owed = waiters.filter((w) => !w.done).reduce((sum, w) => sum + w.cost, 0);
          const slowest = Math.min(...shapes.map(([, r]) => r));
          await clock.advance(((owed + 6 * 6) * 1_000) / slowest + paused + 2_000);
          expect(waiters.filter((w) => !w.done)).toEqual([]);
          expect(overtaken, 'composite grants while a part had waiters of its own').toEqual([]);
          expect(targets.map((t) => t.stats.waiting)).toEqual([0, 0, 0, 0, 0, 0]);
          expect(clock.pendingTimers).toBe(0);
          assertWindows(partGrants(grants, targets, buckets), bucketBounds(buckets));
          // First come, first served within each composite.
          assertFifo(served.filter((id) => waiters[id]!.target < composites), waiters);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('waiters gathered during a pause of the shared parts: at its end each part serves its own waiters before any composite', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), rate), { minLength: 4, maxLength: 4 }),
        fc.array(fc.record({ target: fc.nat(4), cost: fc.constantFrom<Cost>('one', 'full', 0.5) }), { minLength: 1, maxLength: 20 }),
        fc.subarray([0, 1, 2, 3]),
        async (shapes, calls, paused) => {
          const clock = createManualClock();
          const buckets = shapes.map(([c, r]) => new TokenBucket({ capacity: c, refillPerSecond: r, clock }));
          const [global, shared, k0, k1] = buckets as [TokenBucket, TokenBucket, TokenBucket, TokenBucket];
          const overtaken: number[] = [];
          const onEvent = overtakes(overtaken, clock);
          const targets: BaseRateLimiter[] = [
            new AllOf([global, k0], { onEvent }),
            new AllOf([global, shared, k1], { onEvent }),
            new AllOf([allOf(shared, k0), k1], { onEvent }),
            global,
            shared,
          ];
          for (const i of paused) buckets[i]!.pause(1_000);
          const grants: Grant[] = [];
          const waits = calls.map(({ target, cost }) => {
            const c = costOf(cost, targets[target]!.capacity);
            return targets[target]!.acquire(c).then(() => {
              grants.push({ target, at: clock.now(), cost: c });
            });
          });
          await clock.advance(1_000);
          await clock.advance(((calls.length * 6 + 6) * 1_000) / Math.min(...shapes.map(([, r]) => r)));
          await Promise.all(waits);
          expect(overtaken).toEqual([]);
          expect(clock.pendingTimers).toBe(0);
          assertWindows(partGrants(grants, targets, buckets), bucketBounds(buckets));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('KeyedLimiter of allOf(global, perKey): the global and every key within their bounds while keys come and go', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(capacity, rate),
        fc.tuple(capacity, rate),
        fc.constantFrom(2, Infinity),
        fc.gen(),
        async ([gCapacity, gRate], [kCapacity, kRate], maxKeys, gen) => {
          const clock = createManualClock();
          const global = new TokenBucket({ capacity: gCapacity, refillPerSecond: gRate, clock });
          const keyed = new KeyedLimiter((_key: number) => allOf(global, new TokenBucket({ capacity: kCapacity, refillPerSecond: kRate, clock })), {
            clock,
            maxKeys,
          });
          const subject: Subject = { ...keyedSubject(keyed, Math.min(gCapacity, kCapacity)), pause: (_, ms) => global.pause(ms) };
          const { grants, waiters, paused } = await runSchedule(clock, subject, gen(schedules, shape(4)));
          const owed = waiters.filter((w) => !w.done).reduce((sum, w) => sum + w.cost, 0);
          await clock.advance(((owed + 12) * 1_000) / Math.min(gRate, kRate) + paused + 2_000);
          expect(waiters.every((w) => w.done)).toBe(true);
          expect(clock.pendingTimers).toBe(0);
          expect(keyed.size).toBeLessThanOrEqual(maxKeys);
          // Every grant of every key is a grant of the global too.
          assertWindows(grants.map((g) => ({ ...g, target: -1 })), (ms) => gCapacity + (gRate * ms) / 1_000);
          assertWindows(grants, (ms) => kCapacity + (kRate * ms) / 1_000);
          // Once all is full again, every key is idle and goes.
          await clock.advance(((gCapacity + kCapacity) * 1_000) / Math.min(gRate, kRate) + 1);
          keyed.prune();
          expect(keyed.size).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
