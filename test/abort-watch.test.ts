// Many waiters sharing one AbortSignal: one listener, one pass, the rest of the queue unharmed.
import { describe, expect, it } from 'vitest';
import { KeyedLimiter, TokenBucket } from '../src/index.js';
import { createManualClock } from '../src/testing.js';
import { rejection } from './settle.js';

describe('waiters sharing one signal', () => {
  it('all reject with the reason, and the waiters without it are served on time, in order', async () => {
    const clock = createManualClock();
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 10, clock });
    bucket.acquireNowait();
    const controller = new AbortController();
    const served: [number, number][] = [];
    const kept: Promise<unknown>[] = [];
    const dropped: Promise<unknown>[] = [];
    for (let i = 0; i < 3_000; i++) {
      if (i % 3 === 0) kept.push(bucket.acquire().then(() => served.push([i, clock.now()])));
      else dropped.push(rejection(bucket.acquire(1, { signal: controller.signal })));
    }
    expect(bucket.stats.waiting).toBe(3_000);
    const reason = new Error('page closed');
    controller.abort(reason);
    expect(bucket.stats).toMatchObject({ waiting: 1_000, aborted: 2_000 });
    for (const error of await Promise.all(dropped)) expect(error).toBe(reason);
    await clock.advance(100 * 1_000);
    await Promise.all(kept);
    // The i-th kept waiter (0-based) is served at (i + 1) * 100 ms: the aborted ones took nothing.
    expect(served.map(([, at]) => at)).toEqual(served.map((_, i) => (i + 1) * 100));
    expect(served.map(([i]) => i)).toEqual(served.map((_, i) => i * 3));
    expect(clock.pendingTimers).toBe(0);
  });

  it('aborting waiters in the middle leaves gaps that cost the others nothing', async () => {
    const clock = createManualClock();
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
    bucket.acquireNowait();
    const order: number[] = [];
    const controllers = Array.from({ length: 200 }, () => new AbortController());
    const waits = controllers.map((controller, i) =>
      bucket.acquire(1, { signal: controller.signal }).then(
        () => order.push(i),
        () => undefined,
      ),
    );
    // Abort every waiter but the head and each tenth one, from the back.
    for (let i = 199; i > 0; i--) if (i % 10 !== 0) controllers[i]!.abort();
    expect(bucket.stats.waiting).toBe(20);
    expect(bucket.timeToAvailable()).toBe(21_000);
    await clock.advance(20_000);
    await Promise.all(waits);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
  });

  it('works across the keys of a KeyedLimiter, each key served once afterwards', async () => {
    const clock = createManualClock();
    const keyed = new KeyedLimiter((_: number) => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock }), { clock });
    const controller = new AbortController();
    const waits: Promise<unknown>[] = [];
    for (let key = 0; key < 500; key++) {
      keyed.acquireNowait(key);
      waits.push(rejection(keyed.acquire(key, 1, { signal: controller.signal })));
    }
    const late = keyed.acquire(7);
    expect(clock.pendingTimers).toBe(1);
    controller.abort('stop');
    for (const error of await Promise.all(waits)) expect(error).toBe('stop');
    await clock.advance(1_000);
    await expect(late).resolves.toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
  });
});
