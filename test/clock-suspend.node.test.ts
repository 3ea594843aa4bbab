// Suspend-awareness of systemClock, checked against stubbed `performance.now` and `Date.now`.
// src/clock.ts reads both globals when it is first evaluated, so every test stubs them first and
// then imports a fresh copy of the module.
//
// The rule (src/clock.ts): the wall clock is looked at only once monotonic time has advanced by at
// least 1000 ms since the last look; if wall time advanced more than monotonic time by over
// SUSPEND_THRESHOLD (1000 ms) in between, the difference is added to the clock for good. Readings
// never decrease.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';

type ClockModule = typeof import('../src/clock.js');

const WALL0 = 1_700_000_000_000;
let mono = 0;
let wall = WALL0;

async function freshClock(): Promise<ClockModule> {
  vi.resetModules();
  return import('../src/clock.js');
}

beforeEach(() => {
  mono = 0;
  wall = WALL0;
  vi.stubGlobal('performance', { now: () => mono });
  vi.spyOn(Date, 'now').mockImplementation(() => wall);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** Lets `ms` of time pass on both clocks, as when the machine is awake. */
function awake(ms: number): void {
  mono += ms;
  wall += ms;
}

describe('systemClock with stubbed globals', () => {
  test('follows performance.now() while the wall clock agrees', async () => {
    const { systemClock } = await freshClock();
    expect(systemClock.now()).toBe(0);
    awake(250);
    expect(systemClock.now()).toBe(250);
    awake(5_000);
    expect(systemClock.now()).toBe(5_250);
  });

  test('a wall clock that jumps backwards is ignored', async () => {
    const { systemClock } = await freshClock();
    awake(500);
    expect(systemClock.now()).toBe(500);
    wall -= 3_600_000; // the wall clock is set back an hour
    awake(1_500); // past the next wall check
    expect(systemClock.now()).toBe(2_000);
    awake(1_000);
    expect(systemClock.now()).toBe(3_000);
  });

  test('never decreases, even if performance.now() went backwards', async () => {
    const { systemClock } = await freshClock();
    mono = 800;
    expect(systemClock.now()).toBe(800);
    mono = 300;
    expect(systemClock.now()).toBe(800);
    mono = 900;
    expect(systemClock.now()).toBe(900);
  });

  test('a suspend (wall time moved, performance.now() stood still) is credited at the next wall check', async () => {
    const { systemClock } = await freshClock();
    expect(systemClock.now()).toBe(0);
    wall += 60_000; // a minute asleep: performance.now() did not move
    // Not credited yet: less than 1000 ms of monotonic time since the last wall check.
    expect(systemClock.now()).toBe(0);
    awake(999);
    expect(systemClock.now()).toBe(999);
    awake(1);
    // Monotonic time advanced 1000 ms, wall time 61 000 ms: 60 000 ms credited.
    expect(systemClock.now()).toBe(61_000);
    awake(500);
    expect(systemClock.now()).toBe(61_500);
  });

  test('a credit is kept for good, also when the wall clock later jumps backwards', async () => {
    const { systemClock } = await freshClock();
    wall += 10_000;
    awake(1_000);
    expect(systemClock.now()).toBe(11_000);
    wall -= 10_000;
    awake(1_000);
    expect(systemClock.now()).toBe(12_000);
  });

  test('a forward wall step larger than the threshold is credited like a suspend', async () => {
    const { SUSPEND_THRESHOLD, systemClock } = await freshClock();
    awake(1_000);
    expect(systemClock.now()).toBe(1_000);
    wall += SUSPEND_THRESHOLD + 1;
    awake(1_000);
    expect(systemClock.now()).toBe(2_000 + SUSPEND_THRESHOLD + 1);
  });

  test.each([
    { gap: 1, credited: 0 },
    { gap: 500, credited: 0 },
    { gap: 1_000, credited: 0 },
    { gap: 1_001, credited: 1_001 },
  ])('a wall clock ahead by $gap ms between two checks credits $credited ms', async ({ gap, credited }) => {
    const { systemClock } = await freshClock();
    expect(systemClock.now()).toBe(0);
    wall += gap;
    awake(1_000);
    expect(systemClock.now()).toBe(1_000 + credited);
  });

  test('small gaps are judged per check interval, not summed', async () => {
    const { systemClock } = await freshClock();
    for (let i = 1; i <= 10; i++) {
      wall += 900; // NTP slewing ahead, 900 ms per check: each below the threshold
      awake(1_000);
      expect(systemClock.now()).toBe(i * 1_000);
    }
  });
});

describe('systemClock.setTimeout with stubbed timers', () => {
  interface Armed {
    fn: () => void;
    ms: number;
    unref: ReturnType<typeof vi.fn>;
  }

  function stubTimers(): { armed: Armed[]; cleared: unknown[] } {
    const armed: Armed[] = [];
    const cleared: unknown[] = [];
    vi.stubGlobal('setTimeout', (fn: () => void, ms: number) => {
      const handle: Armed = { fn, ms, unref: vi.fn() };
      armed.push(handle);
      return handle;
    });
    vi.stubGlobal('clearTimeout', (handle: unknown) => {
      cleared.push(handle);
    });
    return { armed, cleared };
  }

  // All of these stay synchronous between stubbing and unstubbing the timer globals.

  test('waits longer than MAX_TIMEOUT in chunks of MAX_TIMEOUT, never firing early', async () => {
    const { MAX_TIMEOUT, systemClock } = await freshClock();
    const { armed } = stubTimers();
    let fired = 0;
    systemClock.setTimeout(() => fired++, 3 * MAX_TIMEOUT + 10);
    expect(armed.map((a) => a.ms)).toEqual([MAX_TIMEOUT]);
    awake(MAX_TIMEOUT);
    armed[0]!.fn();
    awake(MAX_TIMEOUT);
    armed[1]!.fn();
    awake(MAX_TIMEOUT);
    armed[2]!.fn();
    expect(armed.map((a) => a.ms)).toEqual([MAX_TIMEOUT, MAX_TIMEOUT, MAX_TIMEOUT, 10]);
    expect(fired).toBe(0);
    awake(10);
    armed[3]!.fn();
    expect(fired).toBe(1);
    expect(armed).toHaveLength(4);
  });

  test('a real timer that fires early re-arms for the rest', async () => {
    const { systemClock } = await freshClock();
    const { armed } = stubTimers();
    let fired = 0;
    systemClock.setTimeout(() => fired++, 100);
    awake(60);
    armed[0]!.fn(); // 40 ms early
    expect(fired).toBe(0);
    expect(armed.map((a) => a.ms)).toEqual([100, 40]);
    awake(39.5);
    armed[1]!.fn(); // 0.5 ms early: re-armed for a whole millisecond
    expect(fired).toBe(0);
    expect(armed.at(-1)!.ms).toBe(1);
    awake(1);
    armed[2]!.fn();
    expect(fired).toBe(1);
  });

  test('timers are unref()d where the host supports it (Node)', async () => {
    const { systemClock } = await freshClock();
    const { armed } = stubTimers();
    systemClock.setTimeout(() => undefined, 50);
    expect(armed[0]!.unref).toHaveBeenCalledOnce();
  });

  test('cancel clears the pending real timer, and a second cancel does nothing', async () => {
    const { systemClock } = await freshClock();
    const { armed, cleared } = stubTimers();
    const cancel = systemClock.setTimeout(() => undefined, 50);
    cancel();
    expect(cleared).toEqual([armed[0]]);
    cancel();
    expect(cleared).toHaveLength(1);
  });

  test('a zero or negative delay arms a 0 ms timer', async () => {
    const { systemClock } = await freshClock();
    const { armed } = stubTimers();
    let fired = 0;
    systemClock.setTimeout(() => fired++, 0);
    systemClock.setTimeout(() => fired++, -5);
    expect(armed.map((a) => a.ms)).toEqual([0, 0]);
    armed[0]!.fn();
    armed[1]!.fn();
    expect(fired).toBe(2);
  });
});
