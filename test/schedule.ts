// Random schedules of callers for the property tests: what callers do (take now, wait, abort,
// pause), a runner that plays a schedule against limiters on the manual clock and records every
// grant, and the checks on what it recorded (window bounds, first come first served).
import fc from 'fast-check';
import type { AcquireOptions, KeyedLimiter, RateLimiter } from '../src/index.js';
import type { ManualClock } from '../src/testing.js';

/**
 * A cost relative to the capacity of the limiter it is asked of, so that one schedule fits
 * limiters of every size: `'zero'`, `'one'` (1, or the capacity if smaller), `'full'` (the
 * capacity), or a fraction of the capacity in [0, 1].
 */
export type Cost = 'zero' | 'one' | 'full' | number;

/** The cost `cost` stands for at this capacity. */
export const costOf = (cost: Cost, capacity: number): number =>
  cost === 'zero' ? 0 : cost === 'one' ? Math.min(1, capacity) : cost === 'full' ? capacity : cost * capacity;

/**
 * One step of a schedule. `target` picks one of the subject's targets (a key, or one limiter of
 * several); `pick` picks one of the open waiters or edges, modulo their number.
 */
export type Action =
  | { type: 'nowait'; target: number; cost: Cost }
  | { type: 'acquire'; target: number; cost: Cost; abortable: 'no' | 'own' | 'shared'; maxWait: number; priority: number }
  | { type: 'abort'; pick: number }
  | { type: 'abortShared' }
  | { type: 'advance'; ms: number }
  | { type: 'edge'; pick: number; offset: number }
  | { type: 'pause'; target: number; ms: number };

/** What schedules to draw. Plain data, so that `fc.gen` can replay and shrink them. */
export interface ScheduleShape {
  /** How many targets the actions address. */
  targets: number;
  /** Longest schedule; default 60 actions. */
  maxLength?: number;
  /** Largest finite `maxWait` in ms, drawn besides `Infinity`; default 3 000. */
  maxWait?: number;
  /** Largest whole step of the clock in ms; default 2 000. */
  step?: number;
  /** Largest fractional step of the clock in ms; default 50. */
  fine?: number;
  /** Steps drawn as they are (next to window edges), besides the whole and fractional ones. */
  marks?: readonly number[];
  /** Whether to draw `edge` actions: the subject must then say where its edges are. */
  edges?: boolean;
  /** Priorities of the waiting callers, drawn evenly; default `[0]`. */
  priorities?: readonly number[];
  /** How often each kind of action is drawn relative to the others; default 1 each. */
  weights?: Partial<Record<Action['type'], number>>;
}

const cost = fc.oneof(fc.constant<Cost>('one'), fc.constant<Cost>('zero'), fc.constant<Cost>('full'), fc.double({ min: 0, max: 1, noNaN: true }));

/** Schedules of this shape; use with `fc.gen()`: `gen(schedules, { targets: 1 })`. */
export const schedules = (shape: ScheduleShape): fc.Arbitrary<Action[]> => {
  const { targets, maxLength = 60, maxWait = 3_000, step = 2_000, fine = 50, marks = [], edges = false, priorities = [0], weights = {} } = shape;
  const target = fc.nat(targets - 1);
  const steps = [fc.integer({ min: 0, max: step }), fc.double({ min: 0, max: fine, noNaN: true })];
  if (marks.length > 0) steps.push(fc.constantFrom(...marks));
  const kinds: { [K in Action['type']]?: fc.Arbitrary<Extract<Action, { type: K }>> } = {
    nowait: fc.record({ type: fc.constant('nowait' as const), target, cost }),
    acquire: fc.record({
      type: fc.constant('acquire' as const),
      target,
      cost,
      abortable: fc.constantFrom('no' as const, 'own' as const, 'shared' as const),
      maxWait: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: maxWait })),
      priority: fc.constantFrom(...priorities),
    }),
    abort: fc.record({ type: fc.constant('abort' as const), pick: fc.nat() }),
    abortShared: fc.record({ type: fc.constant('abortShared' as const) }),
    advance: fc.record({ type: fc.constant('advance' as const), ms: fc.oneof(...steps) }),
    pause: fc.record({ type: fc.constant('pause' as const), target, ms: fc.integer({ min: 0, max: 1_500 }) }),
  };
  if (edges) kinds.edge = fc.record({ type: fc.constant('edge' as const), pick: fc.nat(), offset: fc.constantFrom(-1, -0.5, -0.001, 0, 0.001, 0.5) });
  const order: Action['type'][] = ['nowait', 'acquire', 'abort', 'abortShared', 'advance', 'edge', 'pause'];
  const arbitraries = order.flatMap((type) => {
    const arbitrary = kinds[type] as fc.Arbitrary<Action> | undefined;
    return arbitrary === undefined ? [] : [{ arbitrary, weight: weights[type] ?? 1 }];
  });
  return fc.array(fc.oneof(...arbitraries), { maxLength });
};

/** A grant seen by the runner: to which target, when, and how much. */
export interface Grant {
  target: number;
  at: number;
  cost: number;
}

/** What a schedule runs against: one limiter, the keys of a keyed one, or several limiters. */
export interface Subject {
  /** The capacity relative costs are taken of, for this target. */
  capacity(target: number): number;
  nowait(target: number, cost: number): boolean;
  acquire(target: number, cost: number, options: AcquireOptions): Promise<void>;
  pause(target: number, ms: number): void;
  /**
   * An instant where the algorithm's answer changes (a window start, an entry leaving), chosen
   * by `pick`, given the grants so far; the run moves the clock to it plus a small offset.
   */
  edge?(pick: number, now: number, grants: readonly Grant[]): number;
  /** The limiter's prediction, checked against `acquireNowait` where given. */
  timeToAvailable?(target: number, cost: number): number;
}

/** One limiter as the only target, its `timeToAvailable` checked against `acquireNowait`. */
export function limiterSubject(limiter: RateLimiter): Subject {
  return {
    capacity: () => limiter.capacity,
    nowait: (_, cost) => limiter.acquireNowait(cost),
    acquire: (_, cost, options) => limiter.acquire(cost, options),
    pause: (_, ms) => limiter.pause(ms),
    timeToAvailable: (_, cost) => limiter.timeToAvailable(cost),
  };
}

/** The keys of a keyed limiter as the targets, costs taken of `capacity`. */
export function keyedSubject<L extends RateLimiter>(keyed: KeyedLimiter<number, L>, capacity: number): Subject {
  return {
    capacity: () => capacity,
    nowait: (key, cost) => keyed.acquireNowait(key, cost),
    acquire: (key, cost, options) => keyed.acquire(key, cost, options),
    pause: (key, ms) => {
      try {
        keyed.get(key).pause(ms);
      } catch {
        // max-keys: the key cannot be held now
      }
    },
  };
}

/** A caller of `acquire` in a run; `id` is its place in the run's list of waiters. */
export interface Waiter {
  id: number;
  target: number;
  cost: number;
  priority: number;
  controller: AbortController | undefined;
  done: boolean;
}

/**
 * Plays `script` against `subject` on `clock`. Throws when `acquireNowait` takes tokens while a
 * caller of the same target waits at a priority it may not overtake (0 or higher), or
 * contradicts the subject's `timeToAvailable`.
 *
 * @returns every grant; every waiter, done or still waiting; the ids of waiters served (cost 0
 *   excepted), in the order they were; and the sum of all pauses in ms.
 */
export async function runSchedule(clock: ManualClock, subject: Subject, script: readonly Action[]) {
  const grants: Grant[] = [];
  const waiters: Waiter[] = [];
  const served: number[] = [];
  let paused = 0;
  let shared = new AbortController();
  for (const action of script) {
    switch (action.type) {
      case 'nowait': {
        const cost = costOf(action.cost, subject.capacity(action.target));
        const queued = waiters.some((w) => !w.done && w.target === action.target && w.priority >= 0);
        const predicted = subject.timeToAvailable?.(action.target, cost);
        const ok = subject.nowait(action.target, cost);
        if (predicted !== undefined && (predicted === 0) !== ok) throw new Error(`timeToAvailable said ${predicted}, acquireNowait ${ok}`);
        if (ok && cost > 0 && queued) throw new Error('acquireNowait overtook a waiter');
        if (ok) grants.push({ target: action.target, at: clock.now(), cost });
        break;
      }
      case 'acquire': {
        const cost = costOf(action.cost, subject.capacity(action.target));
        const controller = action.abortable === 'own' ? new AbortController() : action.abortable === 'shared' ? shared : undefined;
        const waiter: Waiter = { id: waiters.length, target: action.target, cost, priority: action.priority, controller, done: false };
        waiters.push(waiter);
        subject.acquire(action.target, cost, { signal: controller?.signal, maxWait: action.maxWait, priority: action.priority }).then(
          () => {
            waiter.done = true;
            // Cost 0 is granted at once by design, so it is outside the order of the queue.
            if (cost > 0) served.push(waiter.id);
            grants.push({ target: action.target, at: clock.now(), cost });
          },
          () => {
            waiter.done = true;
          },
        );
        await Promise.resolve();
        break;
      }
      case 'abort': {
        const open = waiters.filter((w) => !w.done && w.controller !== undefined);
        open[action.pick % Math.max(1, open.length)]?.controller?.abort();
        await clock.advance(0);
        break;
      }
      case 'abortShared':
        shared.abort();
        shared = new AbortController();
        await clock.advance(0);
        break;
      case 'advance':
        await clock.advance(action.ms);
        break;
      case 'edge': {
        if (subject.edge === undefined) throw new Error('edge actions need a subject with edge()');
        const to = subject.edge(action.pick, clock.now(), grants) + action.offset;
        if (to > clock.now()) await clock.advance(to - clock.now());
        break;
      }
      case 'pause':
        subject.pause(action.target, action.ms);
        paused += action.ms;
        break;
    }
  }
  return { grants, waiters, served, paused };
}

/** The grants of each target, each list in time order. */
export function byTarget(grants: readonly Grant[]): Grant[][] {
  const targets = new Map<number, Grant[]>();
  for (const g of grants) targets.set(g.target, [...(targets.get(g.target) ?? []), g]);
  return [...targets.values()].map((list) => list.sort((a, b) => a.at - b.at));
}

/**
 * Checks every window [t_i, t_j] between two grants of the same target against
 * `bound(width, target)`, the most that may be granted in a window `width` ms wide.
 */
export function assertWindows(grants: readonly Grant[], bound: (ms: number, target: number) => number): void {
  for (const list of byTarget(grants)) {
    for (let i = 0; i < list.length; i++) {
      let sum = 0;
      for (let j = i; j < list.length; j++) {
        sum += list[j]!.cost;
        const width = list[j]!.at - list[i]!.at;
        const most = bound(width, list[i]!.target);
        if (sum > most + 1e-6) throw new Error(`${sum} tokens granted in ${width} ms for target ${list[i]!.target}, bound ${most}`);
      }
    }
  }
}

/** Served ids of one target must be increasing: first come, first served. */
export function assertFifo(served: readonly number[], waiters: readonly Waiter[]): void {
  const last = new Map<number, number>();
  for (const id of served) {
    const { target } = waiters[id]!;
    if ((last.get(target) ?? -1) > id) throw new Error(`waiter ${id} of target ${target} served out of order`);
    last.set(target, id);
  }
}
