/** A wait that an `AbortSignal` can end. */
export interface Abortable {
  /**
   * Ends the wait with `reason`. May return follow-up work (serving the waiters behind it),
   * which runs once per abort however many waits asked for it.
   */
  abort(reason: unknown): (() => void) | undefined;
}

/** The waits of each signal, behind its one listener. */
const watched = new WeakMap<AbortSignal, Set<Abortable>>();

/**
 * Ends `wait` when its signal aborts. However many waits share a signal, it gets one listener
 * (no `MaxListenersExceededWarning` in Node for a signal shared by thousands of calls), and
 * aborting them all costs one pass, with each limiter's queue served once afterwards.
 */
export function watch(signal: AbortSignal, wait: Abortable): void {
  let waits = watched.get(signal);
  if (waits === undefined) {
    const all = new Set<Abortable>();
    waits = all;
    watched.set(signal, all);
    signal.addEventListener(
      'abort',
      () => {
        watched.delete(signal);
        const after = new Set<() => void>();
        for (const each of all) {
          const next = each.abort(signal.reason);
          if (next !== undefined) after.add(next);
        }
        for (const next of after) next();
      },
      { once: true },
    );
  }
  waits.add(wait);
}

/** Stops watching `wait` (it was served). The signal keeps its one listener for later waits. */
export function unwatch(signal: AbortSignal, wait: Abortable): void {
  watched.get(signal)?.delete(wait);
}
