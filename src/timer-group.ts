import type { Clock } from './clock.js';
import { TimerQueue } from './timer-queue.js';

/** A {@link Clock} whose timers share one timer of another clock. */
export interface TimerGroup extends Clock {
  /** Timers scheduled in the group and neither fired nor cancelled. */
  readonly pendingTimers: number;
}

/**
 * Wraps `clock` so that all timers set through the result share one timer of `clock`, armed
 * for the earliest of them. A `KeyedLimiter` hands one to all its limiters: ten thousand keys
 * waiting cost one live timer.
 */
export function createTimerGroup(clock: Clock): TimerGroup {
  const queue = new TimerQueue();
  let cancel: (() => void) | undefined;
  let armedAt = Infinity;
  let firing = false;

  const rearm = (): void => {
    if (firing) return;
    const next = queue.nextAt;
    if (next === armedAt) return;
    cancel?.();
    cancel = undefined;
    armedAt = next;
    if (next !== Infinity) cancel = clock.setTimeout(fire, next - clock.now());
  };

  const fire = (): void => {
    cancel = undefined;
    armedAt = Infinity;
    firing = true;
    try {
      const now = clock.now();
      for (let fn = queue.takeDue(now); fn !== undefined; fn = queue.takeDue(now)) fn();
    } finally {
      firing = false;
      rearm();
    }
  };

  return {
    now: () => clock.now(),
    setTimeout(fn, ms) {
      const cancelOne = queue.add(clock.now() + (ms > 0 ? ms : 0), fn);
      rearm();
      return () => {
        cancelOne();
        if (queue.size === 0) rearm();
      };
    },
    get pendingTimers() {
      return queue.size;
    },
  };
}
