// Node warns when an EventTarget gets more than 10 listeners of one type; a shared signal must not.
import { expect, it } from 'vitest';
import { TokenBucket } from '../src/index.js';
import { createManualClock } from '../src/testing.js';

it('a signal shared by 1,000 waiters gets one listener and no MaxListenersExceededWarning', async () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    const clock = createManualClock();
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
    bucket.acquireNowait();
    const controller = new AbortController();
    const waits = Array.from({ length: 1_000 }, () => bucket.acquire(1, { signal: controller.signal }).catch(() => 'aborted'));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    expect(new Set(await Promise.all(waits))).toEqual(new Set(['aborted']));
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  } finally {
    process.off('warning', onWarning);
  }
});
