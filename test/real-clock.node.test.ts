// End-to-end on the real clock and real timers: the one place where tests wait on real time.
import { describe, expect, it } from 'vitest';
import { KeyedLimiter, TokenBucket } from '../src/index.js';

describe('TokenBucket on the real clock', () => {
  it('400 callers against 50/s with capacity 10: bounded windows, FIFO, small lateness', async () => {
    const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 50 });
    const t0 = performance.now();
    const grants: { i: number; at: number }[] = [];
    await Promise.all(
      Array.from({ length: 400 }, (_, i) => bucket.acquire().then(() => grants.push({ i, at: performance.now() }))),
    );
    // FIFO: granted in call order.
    expect(grants.map((g) => g.i)).toEqual(grants.map((_, i) => i));
    // No 1 s window holds more than capacity + rate * 1 s = 60 grants.
    let maxInWindow = 0;
    for (let a = 0, b = 0; b < grants.length; b++) {
      while (grants[b]!.at - grants[a]!.at > 1000) a++;
      maxInWindow = Math.max(maxInWindow, b - a + 1);
    }
    expect(maxInWindow).toBeLessThanOrEqual(60);
    // Never early against the ideal schedule, and typically late by well under a millisecond.
    // (Tail lateness depends on the machine's load: it is measured by the benchmark, not here.)
    const lateness = grants.map((g, i) => g.at - t0 - (i < 10 ? 0 : (i - 9) * 20)).sort((x, y) => x - y);
    expect(lateness[0]!).toBeGreaterThanOrEqual(-0.5);
    expect(lateness[Math.floor(lateness.length / 2)]!).toBeLessThan(5);
  }, 20_000);

  it('serves waiters of many keys through one shared timer and lets the process idle', async () => {
    const keyed = new KeyedLimiter((_: number) => new TokenBucket({ capacity: 1, refillPerSecond: 20 }));
    const t0 = performance.now();
    const keys = Array.from({ length: 200 }, (_, i) => i);
    for (const key of keys) keyed.acquireNowait(key);
    await Promise.all(keys.map((key) => keyed.acquire(key)));
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(49);
    expect(elapsed).toBeLessThan(1_000);
  });
});
