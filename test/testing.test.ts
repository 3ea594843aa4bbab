import { describe, expect, test } from 'vitest';
import { createManualClock } from '../src/testing.js';

describe('createManualClock', () => {
  test('starts at 0 by default, or at the given instant', () => {
    expect(createManualClock().now()).toBe(0);
    expect(createManualClock(1_000).now()).toBe(1_000);
    expect(createManualClock(-50).now()).toBe(-50);
  });

  test('advanceSync moves time by exactly ms, fractions too', () => {
    const clock = createManualClock();
    clock.advanceSync(5);
    expect(clock.now()).toBe(5);
    clock.advanceSync(0);
    expect(clock.now()).toBe(5);
    clock.advanceSync(0.5);
    expect(clock.now()).toBe(5.5);
  });

  test('advance moves time by exactly ms and settles after the target is reached', async () => {
    const clock = createManualClock(10);
    const pending = clock.advance(90);
    await pending;
    expect(clock.now()).toBe(100);
  });

  test('timers fire in due order, ties in the order they were set', () => {
    const clock = createManualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('c@30'), 30);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('b1@20'), 20);
    clock.setTimeout(() => fired.push('b2@20'), 20);
    clock.setTimeout(() => fired.push('b3@20'), 20);
    clock.advanceSync(100);
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20', 'b3@20', 'c@30']);
  });

  test('a timer does not fire before its due time, and fires at it', () => {
    const clock = createManualClock();
    let fired = 0;
    clock.setTimeout(() => fired++, 200);
    clock.advanceSync(199);
    expect(fired).toBe(0);
    clock.advanceSync(1);
    expect(fired).toBe(1);
    clock.advanceSync(1_000);
    expect(fired).toBe(1);
  });

  test('now() inside a callback reads the timer due time, not the advance target', () => {
    const clock = createManualClock(1_000);
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), 7);
    clock.setTimeout(() => seen.push(clock.now()), 250);
    clock.advanceSync(10_000);
    expect(seen).toEqual([1_007, 1_250]);
    expect(clock.now()).toBe(11_000);
  });

  test('a zero or negative delay is due now and fires on the next advance, even advance(0)', () => {
    const clock = createManualClock(5);
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), 0);
    clock.setTimeout(() => seen.push(clock.now()), -100);
    expect(seen).toEqual([]);
    clock.advanceSync(0);
    expect(seen).toEqual([5, 5]);
  });

  test('timers set by callbacks fire within the same advance when due before its end', () => {
    const clock = createManualClock();
    const seen: [string, number][] = [];
    clock.setTimeout(() => {
      seen.push(['outer', clock.now()]);
      clock.setTimeout(() => {
        seen.push(['inner', clock.now()]);
        clock.setTimeout(() => seen.push(['too-late', clock.now()]), 100);
      }, 5);
    }, 10);
    clock.advanceSync(20);
    expect(seen).toEqual([
      ['outer', 10],
      ['inner', 15],
    ]);
    expect(clock.pendingTimers).toBe(1);
    clock.advanceSync(95);
    expect(seen.at(-1)).toEqual(['too-late', 115]);
  });

  test('a timer set by a callback for an earlier instant than the next timer fires before it', () => {
    const clock = createManualClock();
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push('first@10');
      clock.setTimeout(() => fired.push('nested@12'), 2);
    }, 10);
    clock.setTimeout(() => fired.push('second@20'), 20);
    clock.advanceSync(30);
    expect(fired).toEqual(['first@10', 'nested@12', 'second@20']);
  });

  test('advance runs promise callbacks between timers, so awaited code can set timers in the same advance', async () => {
    const clock = createManualClock();
    const seen: number[] = [];
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    const task = (async () => {
      await sleep(10);
      seen.push(clock.now());
      await sleep(10);
      seen.push(clock.now());
      await sleep(10);
      seen.push(clock.now());
    })();
    await clock.advance(25);
    expect(seen).toEqual([10, 20]);
    await clock.advance(5);
    await task;
    expect(seen).toEqual([10, 20, 30]);
  });

  test('advanceSync does not run promise callbacks in between, so an awaited chain needs more advances', async () => {
    const clock = createManualClock();
    const seen: number[] = [];
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    void (async () => {
      await sleep(10);
      seen.push(clock.now());
      await sleep(10);
      seen.push(clock.now());
    })();
    clock.advanceSync(25);
    expect(seen).toEqual([]);
    await Promise.resolve();
    // The continuation ran after the advance ended, so it read the target and set its timer from there.
    expect(seen).toEqual([25]);
    clock.advanceSync(10);
    await Promise.resolve();
    expect(seen).toEqual([25, 35]);
  });

  test('cancel prevents firing and is idempotent', () => {
    const clock = createManualClock();
    let fired = 0;
    const cancel = clock.setTimeout(() => fired++, 10);
    clock.setTimeout(() => fired++, 10);
    expect(clock.pendingTimers).toBe(2);
    cancel();
    expect(clock.pendingTimers).toBe(1);
    cancel();
    cancel();
    expect(clock.pendingTimers).toBe(1);
    clock.advanceSync(10);
    expect(fired).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  test('cancel after the timer fired does nothing', () => {
    const clock = createManualClock();
    let fired = 0;
    const cancel = clock.setTimeout(() => fired++, 10);
    const other = clock.setTimeout(() => fired++, 50);
    clock.advanceSync(10);
    cancel();
    expect(clock.pendingTimers).toBe(1);
    clock.advanceSync(40);
    expect(fired).toBe(2);
    other();
    expect(clock.pendingTimers).toBe(0);
  });

  test('a callback can cancel a later timer due in the same advance', () => {
    const clock = createManualClock();
    const fired: string[] = [];
    let cancelLater = (): void => undefined;
    clock.setTimeout(() => {
      fired.push('first');
      cancelLater();
    }, 10);
    cancelLater = clock.setTimeout(() => fired.push('later'), 20);
    clock.advanceSync(30);
    expect(fired).toEqual(['first']);
    expect(clock.pendingTimers).toBe(0);
  });

  test('pendingTimers counts scheduled timers neither fired nor cancelled', () => {
    const clock = createManualClock();
    expect(clock.pendingTimers).toBe(0);
    const cancels = Array.from({ length: 100 }, (_, i) => clock.setTimeout(() => undefined, i + 1));
    expect(clock.pendingTimers).toBe(100);
    for (const cancel of cancels.slice(0, 60)) cancel();
    expect(clock.pendingTimers).toBe(40);
    clock.advanceSync(80);
    expect(clock.pendingTimers).toBe(20);
    clock.advanceSync(20);
    expect(clock.pendingTimers).toBe(0);
  });

  test('many cancelled timers do not disturb the order of the live ones', () => {
    const clock = createManualClock();
    const fired: number[] = [];
    const cancels: (() => void)[] = [];
    for (let i = 0; i < 500; i++) {
      const at = (i * 7919) % 500;
      const cancel = clock.setTimeout(() => fired.push(at), at);
      if (i % 3 !== 0) cancels.push(cancel);
    }
    for (const cancel of cancels) cancel();
    clock.advanceSync(500);
    expect(fired).toHaveLength(Math.ceil(500 / 3));
    expect(fired).toEqual([...fired].sort((a, b) => a - b));
  });

  test.each([-1, Number.NaN, Infinity, -Infinity])('advanceSync(%s) throws a RangeError naming ms', (ms) => {
    const clock = createManualClock();
    expect(() => clock.advanceSync(ms)).toThrow(RangeError);
    expect(() => clock.advanceSync(ms)).toThrow(/`ms`/);
    expect(() => clock.advanceSync(ms)).toThrow(String(ms));
    expect(clock.now()).toBe(0);
  });

  test.each([-1, Number.NaN, Infinity])('advance(%s) rejects with a RangeError and leaves time alone', async (ms) => {
    const clock = createManualClock();
    await expect(clock.advance(ms)).rejects.toThrow(RangeError);
    await expect(clock.advance(ms)).rejects.toThrow(/`ms`.*\(number\)/);
    expect(clock.now()).toBe(0);
  });

  test.each([Number.NaN, Infinity, -Infinity])('createManualClock(%s) throws a RangeError naming start', (start) => {
    expect(() => createManualClock(start)).toThrow(RangeError);
    expect(() => createManualClock(start)).toThrow(/`start`.*\(number\)/);
  });

  test.each(['5', null])('createManualClock(%s) throws a TypeError naming start and the type', (start) => {
    expect(() => createManualClock(start as unknown as number)).toThrow(TypeError);
    expect(() => createManualClock(start as unknown as number)).toThrow(`(${start === null ? 'null' : typeof start})`);
  });
});
