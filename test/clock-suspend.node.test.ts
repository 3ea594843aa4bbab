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

describe('systemClock.setTimeout with stubbed host timers', () => {
  /** One timer handed to the host: a `setTimeout` (with `ms`) or a `setImmediate` (a turn of the loop). */
  interface HostTimer {
    kind: 'timeout' | 'immediate';
    fn: () => void;
    ms: number;
    unref: ReturnType<typeof vi.fn>;
    cleared: boolean;
  }

  /**
   * Replaces the host's timer functions with a recorder. Tests stay synchronous between this call
   * and the end of the test, so the runner never sees the stubs.
   */
  function stubHost() {
    const timers: HostTimer[] = [];
    const add = (kind: HostTimer['kind'], fn: () => void, ms: number): HostTimer => {
      const timer: HostTimer = { kind, fn, ms, unref: vi.fn(), cleared: false };
      timers.push(timer);
      return timer;
    };
    const clear = (timer: HostTimer | undefined) => {
      if (timer !== undefined) timer.cleared = true;
    };
    vi.stubGlobal('setTimeout', (fn: () => void, ms: number) => add('timeout', fn, ms));
    vi.stubGlobal('setImmediate', (fn: () => void) => add('immediate', fn, 0));
    vi.stubGlobal('clearTimeout', clear);
    vi.stubGlobal('clearImmediate', clear);
    const pending = () => timers.filter((t) => !t.cleared && !('fired' in t));
    /** Fires the one pending host timer, `early` ms before the host delay is over. */
    const fireNext = (early = 0): void => {
      const live = pending();
      expect(live).toHaveLength(1);
      const timer = live[0]!;
      Object.assign(timer, { fired: true });
      awake(timer.kind === 'timeout' ? Math.max(0, timer.ms - early) : 0.25);
      timer.fn();
    };
    return { timers, pending, fireNext };
  }

  test('waits longer than MAX_TIMEOUT in host timers of at most MAX_TIMEOUT, and fires at the due time', async () => {
    const { MAX_TIMEOUT, systemClock } = await freshClock();
    const host = stubHost();
    const due = 3 * MAX_TIMEOUT + 10;
    const firedAt: number[] = [];
    systemClock.setTimeout(() => firedAt.push(mono), due);
    expect(host.timers[0]).toMatchObject({ kind: 'timeout', ms: MAX_TIMEOUT });
    while (firedAt.length === 0 && host.timers.length < 100) host.fireNext();
    expect(firedAt).toHaveLength(1);
    expect(firedAt[0]).toBeGreaterThanOrEqual(due);
    expect(firedAt[0]).toBeLessThan(due + 2);
    expect(host.timers.every((t) => t.ms <= MAX_TIMEOUT)).toBe(true);
    expect(host.timers.filter((t) => t.kind === 'timeout' && t.ms === MAX_TIMEOUT)).toHaveLength(3);
    expect(host.pending()).toHaveLength(0);
  });

  test('a host timer that fires early re-arms: the callback never runs before its due time', async () => {
    const { systemClock } = await freshClock();
    const host = stubHost();
    const firedAt: number[] = [];
    systemClock.setTimeout(() => firedAt.push(mono), 100);
    host.fireNext(40); // woke up 40 ms early
    expect(mono).toBe(60);
    expect(firedAt).toEqual([]);
    expect(host.pending()).toHaveLength(1);
    while (firedAt.length === 0 && host.timers.length < 100) {
      host.fireNext(0.5); // every later wake-up is half a millisecond early too
      if (firedAt.length === 0) expect(mono).toBeLessThan(100);
    }
    expect(firedAt).toHaveLength(1);
    expect(firedAt[0]).toBeGreaterThanOrEqual(100);
    expect(firedAt[0]).toBeLessThan(102);
  });

  test('timers waiting on the host are unref()d in Node', async () => {
    const { systemClock } = await freshClock();
    const host = stubHost();
    systemClock.setTimeout(() => undefined, 50);
    expect(host.timers[0]).toMatchObject({ kind: 'timeout' });
    expect(host.timers[0]!.unref).toHaveBeenCalledOnce();
  });

  test('cancel clears the pending host timer, and a second cancel does nothing', async () => {
    const { systemClock } = await freshClock();
    const host = stubHost();
    let fired = 0;
    const cancel = systemClock.setTimeout(() => fired++, 50);
    expect(host.pending()).toHaveLength(1);
    cancel();
    expect(host.pending()).toHaveLength(0);
    expect(host.timers.filter((t) => t.cleared)).toHaveLength(1);
    cancel();
    expect(host.timers.filter((t) => t.cleared)).toHaveLength(1);
    expect(fired).toBe(0);
  });

  test('a zero or negative delay fires on the next host turn, never synchronously', async () => {
    const { systemClock } = await freshClock();
    const host = stubHost();
    let fired = 0;
    systemClock.setTimeout(() => fired++, 0);
    expect(fired).toBe(0);
    host.fireNext();
    expect(fired).toBe(1);
    systemClock.setTimeout(() => fired++, -5);
    expect(fired).toBe(1);
    host.fireNext();
    expect(fired).toBe(2);
    expect(host.timers.every((t) => t.ms <= 1)).toBe(true);
  });
});
