// Property tests of allOf on the manual clock: composites sharing parts, and the parts used
// directly too. Whatever the callers do, no part grants more than its bound in any window, a
// composite that refuses leaves every part exactly as it was, and nobody waits forever.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AllOf, allOf, KeyedLimiter, TokenBucket, type BaseRateLimiter, type LimiterEvent } from '../src/index.js';
import { createManualClock } from '../src/testing.js';

/** A cost relative to the target's capacity, so one script fits every target. */
type Cost = 'zero' | 'one' | 'full' | number;

type Action =
  | { type: 'nowait'; target: number; cost: Cost }
  | { type: 'acquire'; target: number; cost: Cost; abortable: 'no' | 'own' | 'shared'; maxWait: number; priority: number }
  | { type: 'abort'; pick: number }
  | { type: 'abortShared' }
  | { type: 'advance'; ms: number }
  | { type: 'pause'; target: number; ms: number };

interface Grant {
  at: number;
  cost: number;
}

const costOf = (cost: Cost, capacity: number): number =>
  cost === 'zero' ? 0 : cost === 'one' ? Math.min(1, capacity) : cost === 'full' ? capacity : cost * capacity;

const actions = (targets: number) =>
  fc.array(
    fc.oneof(
      { weight: 3, arbitrary: fc.record({ type: fc.constant('nowait' as const), target: fc.nat(targets - 1), cost: costArbitrary() }) },
      {
        weight: 3,
        arbitrary: fc.record({
          type: fc.constant('acquire' as const),
          target: fc.nat(targets - 1),
          cost: costArbitrary(),
          abortable: fc.constantFrom('no' as const, 'own' as const, 'shared' as const),
          maxWait: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 3_000 })),
          priority: fc.constantFrom(0, 0, 1, -1),
        }),
      },
      { weight: 1, arbitrary: fc.record({ type: fc.constant('abort' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ type: fc.constant('abortShared' as const) }) },
      {
        weight: 3,
        arbitrary: fc.record({
          type: fc.constant('advance' as const),
          ms: fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.double({ min: 0, max: 50, noNaN: true })),
        }),
      },
      { weight: 1, arbitrary: fc.record({ type: fc.constant('pause' as const), target: fc.nat(targets - 1), ms: fc.integer({ min: 0, max: 1_500 }) }) },
    ),
    { maxLength: 80 },
  );

function costArbitrary(): fc.Arbitrary<Cost> {
  return fc.oneof(fc.constantFrom<Cost>('zero', 'one', 'full'), fc.double({ min: 0, max: 1, noNaN: true }));
}

/** Checks every window [t_i, t_j] between two grants of one part against the bound. */
function assertWindows(name: string, grants: Grant[], bound: (ms: number) => number): void {
  const list = [...grants].sort((a, b) => a.at - b.at);
  for (let i = 0; i < list.length; i++) {
    let sum = 0;
    for (let j = i; j < list.length; j++) {
      sum += list[j]!.cost;
      const width = list[j]!.at - list[i]!.at;
      if (sum > bound(width) + 1e-6) throw new Error(`${name}: ${sum} tokens granted in ${width} ms, bound ${bound(width)}`);
    }
  }
}

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
          const grants = new Map<BaseRateLimiter, Grant[]>(buckets.map((b) => [b, []]));
          const granted = (target: BaseRateLimiter, cost: number) => {
            for (const leaf of leavesOf(target)) grants.get(leaf)!.push({ at: clock.now(), cost });
          };
          const waiters: { id: number; target: number; controller: AbortController | undefined; done: boolean; cost: number }[] = [];
          const served: number[] = [];
          let shared0 = new AbortController();
          let totalPause = 0;
          for (const action of gen(actions, targets.length)) {
            switch (action.type) {
              case 'nowait': {
                const target = targets[action.target]!;
                const cost = costOf(action.cost, target.capacity);
                const before = buckets.map(snapshot);
                const ok = target.acquireNowait(cost);
                if (ok) granted(target, cost);
                else expect(buckets.map(snapshot), `refusal of ${cost} by target ${action.target} left a trace`).toEqual(before);
                break;
              }
              case 'acquire': {
                const target = targets[action.target]!;
                const cost = costOf(action.cost, target.capacity);
                const controller = action.abortable === 'own' ? new AbortController() : action.abortable === 'shared' ? shared0 : undefined;
                const waiter = { id: waiters.length, target: action.target, controller, done: false, cost };
                waiters.push(waiter);
                // Composites are asked at priority 0 so their own order is plain FIFO.
                const priority = action.target < composites ? 0 : action.priority;
                target.acquire(cost, { signal: controller?.signal, maxWait: action.maxWait, priority }).then(
                  () => {
                    waiter.done = true;
                    if (cost > 0) served.push(waiter.id);
                    granted(target, cost);
                  },
                  () => {
                    waiter.done = true;
                  },
                );
                await Promise.resolve();
                break;
              }
              case 'abort': {
                const open = waiters.filter((w) => !w.done && w.controller !== undefined);
                open[action.pick % Math.max(1, open.length)]?.controller?.abort();
                await clock.advance(0);
                break;
              }
              case 'abortShared':
                shared0.abort();
                shared0 = new AbortController();
                await clock.advance(0);
                break;
              case 'advance':
                await clock.advance(action.ms);
                break;
              case 'pause':
                targets[action.target]!.pause(action.ms);
                totalPause += action.ms;
                break;
            }
          }
          // Liveness: with no new callers, every waiter is served (or was refused or aborted).
          const owed = waiters.filter((w) => !w.done).reduce((sum, w) => sum + w.cost, 0);
          const slowest = Math.min(...shapes.map(([, r]) => r));
          await clock.advance(((owed + 6 * 6) * 1_000) / slowest + totalPause + 2_000);
          expect(waiters.filter((w) => !w.done)).toEqual([]);
          expect(overtaken, 'composite grants while a part had waiters of its own').toEqual([]);
          expect(targets.map((t) => t.stats.waiting)).toEqual([0, 0, 0, 0, 0, 0]);
          expect(clock.pendingTimers).toBe(0);
          buckets.forEach((bucket, i) => {
            assertWindows(`part ${i}`, grants.get(bucket)!, (ms) => bucket.capacity + (bucket.refillPerSecond * ms) / 1_000);
          });
          // First come, first served within each composite.
          const last = new Map<number, number>();
          for (const id of served) {
            const { target } = waiters[id]!;
            if (target >= composites) continue;
            if ((last.get(target) ?? -1) > id) throw new Error(`waiter ${id} of composite ${target} served out of order`);
            last.set(target, id);
          }
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
          const grants = new Map<BaseRateLimiter, Grant[]>(buckets.map((b) => [b, []]));
          const waits = calls.map(({ target, cost }) => {
            const limiter = targets[target]!;
            const c = costOf(cost, limiter.capacity);
            return limiter.acquire(c).then(() => {
              for (const leaf of leavesOf(limiter)) grants.get(leaf)!.push({ at: clock.now(), cost: c });
            });
          });
          await clock.advance(1_000);
          await clock.advance(((calls.length * 6 + 6) * 1_000) / Math.min(...shapes.map(([, r]) => r)));
          await Promise.all(waits);
          expect(overtaken).toEqual([]);
          expect(clock.pendingTimers).toBe(0);
          buckets.forEach((bucket, i) => {
            assertWindows(`part ${i}`, grants.get(bucket)!, (ms) => bucket.capacity + (bucket.refillPerSecond * ms) / 1_000);
          });
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
          const cap = Math.min(gCapacity, kCapacity);
          const globalGrants: Grant[] = [];
          const keyGrants: Grant[][] = [[], [], [], []];
          const waiters: { done: boolean; cost: number }[] = [];
          let totalPause = 0;
          const grant = (key: number, cost: number) => {
            globalGrants.push({ at: clock.now(), cost });
            keyGrants[key]!.push({ at: clock.now(), cost });
          };
          for (const action of gen(actions, 4)) {
            const key = 'target' in action ? action.target : 0;
            switch (action.type) {
              case 'nowait': {
                const cost = costOf(action.cost, cap);
                if (keyed.acquireNowait(key, cost)) grant(key, cost);
                break;
              }
              case 'acquire': {
                const cost = costOf(action.cost, cap);
                const waiter = { done: false, cost };
                waiters.push(waiter);
                keyed.acquire(key, cost, { maxWait: action.maxWait }).then(
                  () => {
                    waiter.done = true;
                    grant(key, cost);
                  },
                  () => {
                    waiter.done = true;
                  },
                );
                await Promise.resolve();
                break;
              }
              case 'advance':
                await clock.advance(action.ms);
                break;
              case 'pause':
                global.pause(action.ms);
                totalPause += action.ms;
                break;
              default:
                break;
            }
          }
          const owed = waiters.filter((w) => !w.done).reduce((sum, w) => sum + w.cost, 0);
          await clock.advance(((owed + 12) * 1_000) / Math.min(gRate, kRate) + totalPause + 2_000);
          expect(waiters.every((w) => w.done)).toBe(true);
          expect(clock.pendingTimers).toBe(0);
          expect(keyed.size).toBeLessThanOrEqual(maxKeys);
          assertWindows('global', globalGrants, (ms) => gCapacity + (gRate * ms) / 1_000);
          keyGrants.forEach((list, key) => assertWindows(`key ${key}`, list, (ms) => kCapacity + (kRate * ms) / 1_000));
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
