// Looking at how promises settle, for tests.
import type { Clock } from '../src/index.js';

/** Resolves with the reason `promise` rejects with; rejects if it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** Follows a promise's state without awaiting it. */
export function track<T>(promise: Promise<T>): { settled: boolean; value?: T; error?: unknown } {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

/**
 * Records when (by `clock`) each labelled promise settled, in settlement order; a rejection is
 * logged as `"<label> (rejected)"`.
 */
export function settlements(clock: Clock) {
  const log: { label: string; at: number }[] = [];
  const track = (label: string, promise: Promise<unknown>): void => {
    promise.then(
      () => void log.push({ label, at: clock.now() }),
      () => void log.push({ label: `${label} (rejected)`, at: clock.now() }),
    );
  };
  return { log, track };
}
