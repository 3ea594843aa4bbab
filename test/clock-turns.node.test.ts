// What a wait on the system clock costs the event loop: a timer, and rarely a few turns for
// the last fraction of a millisecond — not a spin through every turn until the deadline.
import { afterEach, expect, it } from 'vitest';
import { createSystemClock } from '../src/index.js';

const realSetImmediate = globalThis.setImmediate;
afterEach(() => {
  globalThis.setImmediate = realSetImmediate;
});

it('40 waits of 3.3 to 10.3 ms take a timer each and few extra turns, and none fires early', async () => {
  let turns = 0;
  globalThis.setImmediate = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => {
    turns++;
    return realSetImmediate(fn, ...args);
  }) as typeof setImmediate;
  const clock = createSystemClock({ unref: false });
  const early: number[] = [];
  const late: number[] = [];
  for (let i = 0; i < 40; i++) {
    const ms = 3.3 + (i % 8);
    const start = clock.now();
    await new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    const off = clock.now() - start - ms;
    (off < 0 ? early : late).push(off);
  }
  expect(early).toEqual([]);
  // Spinning through the last fraction of a millisecond took thousands of turns here.
  expect(turns).toBeLessThan(200);
  late.sort((a, b) => a - b);
  console.info(`system clock: ${turns} extra turns for 40 waits; median lateness ${late[20]!.toFixed(2)} ms`);
});
