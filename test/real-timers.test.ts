// The real clock and the host's own timers, in every environment (Node, happy-dom, Chromium):
// waiters are granted in order, never early, and close to their ideal times.
import { expect, it } from 'vitest';
import { createSystemClock, TokenBucket } from '../src/index.js';

it('60 waiters at 100/s are served in order, never early, within a few ms of their ideal times', async () => {
  const clock = createSystemClock({ unref: false });
  // Capacity 5: a late grant is made up by the next ones, so each lateness is measured alone.
  const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 100, clock });
  const t0 = clock.now();
  bucket.acquireNowait(5);
  const lateness: number[] = [];
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      bucket.acquire().then(() => {
        order.push(i);
        lateness.push(clock.now() - t0 - (i + 1) * 10);
      }),
    ),
  );
  expect(order).toEqual(order.map((_, i) => i));
  expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0);
  lateness.sort((a, b) => a - b);
  // The median grant is typically well under a millisecond late; allow for a loaded machine.
  expect(lateness[30]!).toBeLessThan(8);
  console.info(`real timers: median lateness ${lateness[30]!.toFixed(2)} ms, max ${lateness[59]!.toFixed(2)} ms`);
});
