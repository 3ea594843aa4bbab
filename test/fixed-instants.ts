// Table tests at fixed instants, as Go's x/time/rate has them: rows of `{ at, cost, want }`
// played in order on the manual clock.
import { expect } from 'vitest';
import type { RateLimiter } from '../src/index.js';
import type { ManualClock } from '../src/testing.js';

/** At clock reading `at`, `acquireNowait(cost)` answers `want`. */
export interface Step {
  at: number;
  cost: number;
  want: boolean;
}

/** Moves `clock` to each step's instant in turn and checks what `limiter.acquireNowait` answers there. */
export function playSteps(clock: ManualClock, limiter: RateLimiter, steps: readonly Step[]): void {
  for (const step of steps) {
    clock.advanceSync(step.at - clock.now());
    expect(clock.now()).toBe(step.at);
    expect(limiter.acquireNowait(step.cost), `acquireNowait(${step.cost}) at ${step.at}`).toBe(step.want);
  }
}
