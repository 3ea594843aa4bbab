// The real clock, on the real globals of each environment (Node, happy-dom, Chromium). The one
// real wait in this file is a single 20 ms timer; suspend-awareness is tested with stubbed
// globals in clock-suspend.node.test.ts.
import { describe, expect, test } from 'vitest';
import { MAX_TIMEOUT, SUSPEND_THRESHOLD, systemClock } from '../src/index.js';

describe('systemClock', () => {
  test('now() is a finite number that never decreases over many reads', () => {
    let previous = systemClock.now();
    expect(Number.isFinite(previous)).toBe(true);
    let decreases = 0;
    for (let i = 0; i < 100_000; i++) {
      const t = systemClock.now();
      if (t < previous) decreases++;
      previous = t;
    }
    expect(decreases).toBe(0);
  });

  test('setTimeout fires no earlier than its delay by now(); a cancelled timer never fires; cancel is idempotent', async () => {
    const t0 = systemClock.now();
    let cancelledFired = false;
    const cancel = systemClock.setTimeout(() => {
      cancelledFired = true;
    }, 5);
    cancel();
    cancel(); // idempotent
    let fired = 0;
    let cancelFired: () => void = () => undefined;
    const firedAt = await new Promise<number>((resolve) => {
      cancelFired = systemClock.setTimeout(() => {
        fired++;
        resolve(systemClock.now());
      }, 20);
    });
    expect(firedAt - t0).toBeGreaterThanOrEqual(20);
    expect(fired).toBe(1);
    expect(cancelledFired).toBe(false);
    expect(() => cancelFired()).not.toThrow(); // after firing: does nothing
  });

  test('MAX_TIMEOUT is the largest delay setTimeout accepts (2^31 - 1 ms)', () => {
    expect(MAX_TIMEOUT).toBe(2_147_483_647);
    expect(MAX_TIMEOUT).toBe(2 ** 31 - 1);
  });

  test('SUSPEND_THRESHOLD is one second', () => {
    expect(SUSPEND_THRESHOLD).toBe(1_000);
  });
});
