import { BaseRateLimiter, LIMITER_OPTIONS, type LimiterOptions } from './rate-limiter.js';
import { checkNumber, checkOptions, invalid } from './validate.js';
import { waitUntil } from './wait-until.js';

/**
 * One window of a {@link SlidingWindowLog}: at most `limit` tokens in any `interval` ms.
 *
 * @example
 * ```ts
 * const perSecond: SlidingWindow = { limit: 5, interval: 1_000 };
 * ```
 */
export interface SlidingWindow {
  /** Tokens granted within any `interval` ms: a finite number > 0. */
  readonly limit: number;
  /** The length of the window in milliseconds: a finite number > 0. */
  readonly interval: number;
}

/**
 * Options of {@link SlidingWindowLog}.
 *
 * @example
 * ```ts
 * const options: SlidingWindowLogOptions = { windows: [{ limit: 5, interval: 1_000 }, { limit: 100, interval: 60_000 }] };
 * ```
 */
export interface SlidingWindowLogOptions extends LimiterOptions {
  /**
   * The windows, in any order; a grant needs room in every one of them. A non-empty array of
   * `{ limit, interval }` objects.
   */
  windows: readonly SlidingWindow[];
}

const OPTION_NAMES = ['windows', ...LIMITER_OPTIONS] as const;
const WINDOW_NAMES = ['limit', 'interval'] as const;

/**
 * A sliding window log: it remembers the time and cost of every grant, and grants a new cost
 * only when, in every window, the tokens granted within the last `interval` ms (at times
 * `t > now - interval`) plus the cost stay within its `limit`. An entry granted at `t` leaves a
 * window at `t + interval` exactly. Several windows at once — 5 per second *and* 100 per
 * minute — are one limiter, and there is no edge burst as with {@link FixedWindow}: no span of
 * `interval` ms, wherever it starts, ever sees more than `limit`.
 *
 * Memory follows the entries inside the largest window — at most its `limit` of them when
 * costs are at least 1, and grants at the same instant share one entry. They live in a ring
 * buffer that doubles when full and halves when a quarter full; a limiter whose log has emptied
 * holds no buffer, is full and idle, and a `KeyedLimiter` drops it. Checking a grant costs
 * O(number of windows), amortized; predicting the wait behind a queue, O(log entries) amortized,
 * on a copy of the log made when callers queue and kept until the next such copy.
 *
 * @example
 * ```ts
 * const api = new SlidingWindowLog({ windows: [{ limit: 5, interval: 1_000 }, { limit: 100, interval: 60_000 }] });
 * api.acquireNowait(5); //=> true
 * api.acquireNowait(); //=> false (5 within the last second)
 * api.timeToAvailable(); //=> 1000 (when the first 5 leave the 1 s window)
 * ```
 */
export class SlidingWindowLog extends BaseRateLimiter {
  /** The windows, shared by the limiters a factory makes alike. */
  readonly #shape: Shape;
  /**
   * `undefined` while the log is empty. Otherwise, first {@link SLOTS} numbers per window, in
   * the order of {@link Shape.limits} — the offset from `#head` of its oldest entry still inside
   * it, the cost of its entries, and the entries dropped from it since that sum was last added
   * up afresh — then the ring of entries, two numbers each: time, cost.
   */
  #log: number[] | undefined = undefined;
  /** Ring position of the oldest entry. */
  #head = 0;
  /** Entries in the ring. */
  #size = 0;

  /**
   * @param options - `windows`, and the {@link LimiterOptions} `clock`, `maxQueue`, `onEvent`.
   * @throws TypeError for an option of the wrong type, an unknown option, or a window that is
   * not a `{ limit, interval }` object (the message names it, e.g. ``windows[1].limit``).
   * @throws RangeError for an empty `windows`, or a `limit` or `interval` that is not a finite
   * number > 0.
   */
  constructor(options: SlidingWindowLogOptions) {
    const { windows } = checkOptions('SlidingWindowLog options', options, OPTION_NAMES);
    super(options);
    this.#shape = shapeOf(checkWindows(windows));
  }

  /** The windows as given (a frozen copy). */
  get windows(): readonly SlidingWindow[] {
    return this.#shape.windows;
  }

  /** The most tokens one call may take: the smallest `limit`. */
  get capacity(): number {
    return this.#shape.capacity;
  }

  protected availableAt(now: number): number {
    const log = this.#advance(now);
    if (log === undefined) return this.#shape.capacity;
    const { limits } = this.#shape;
    let free = Infinity;
    for (let i = 0; i < limits.length; i++) {
      const left = limits[i]! - log[i * SLOTS + SUM]!;
      if (left < free) free = left;
    }
    return free > 0 ? free : 0;
  }

  /**
   * For a cost up to `capacity`, the largest over the windows of the wait until enough old
   * entries have left it: exact. Above `capacity` (the base predicting a wait behind the queue),
   * the cost is taken in parts, greedily — at each instant as much as every window has room
   * for — which is a lower bound, since real callers take their whole cost at once. With one
   * window that greedy schedule repeats every `interval` and is read off the log's running
   * totals exactly, in O(log entries). With several it is simulated, at most {@link MAX_STEPS}
   * steps, beyond which each window is taken alone from where the simulation stopped: a lower
   * bound still. The log's copy and the simulation are kept for the next caller while the log is
   * unchanged, so a queue of `n` callers costs O(n log entries) to predict, not O(n²); for a
   * caller arriving later on the same log, a simulation made earlier is short by at most the
   * time between, and serves while that is at most 1/64 of the wait.
   */
  protected timeToAvailableAt(cost: number, now: number): number {
    return cost > this.#shape.capacity ? this.#predict(cost, now) : this.#waitFor(cost, now);
  }

  protected consumeAt(cost: number, now: number): void {
    this.#advance(now);
    if (cost > 0) this.#append(cost, now);
  }

  protected override tryConsumeAt(cost: number, now: number): boolean {
    const log = this.#advance(now);
    if (log !== undefined) {
      const { limits } = this.#shape;
      for (let i = 0; i < limits.length; i++) if (!fits(log[i * SLOTS + SUM]!, cost, limits[i]!)) return false;
    }
    if (cost > 0) this.#append(cost, now);
    return true;
  }

  protected override isFullAt(now: number): boolean {
    return this.#advance(now) === undefined;
  }

  /** The wait for one cost of at most `capacity`, reading the log without changing it. */
  #waitFor(cost: number, now: number): number {
    const log = this.#log;
    if (log === undefined) return 0;
    const { limits, intervals } = this.#shape;
    const size = this.#size;
    const head = this.#head;
    const mask = (log.length - limits.length * SLOTS) / 2 - 1;
    const ring = limits.length * SLOTS;
    let wait = 0;
    for (let i = 0; i < limits.length; i++) {
      const limit = limits[i]!;
      const interval = intervals[i]!;
      let j = log[i * SLOTS + START]!;
      let sum = log[i * SLOTS + SUM]!;
      let leave = now;
      // Entries that have left by `now`, then as many more as must leave for the cost to fit.
      while (j < size) {
        const at = ring + ((head + j) & mask) * 2;
        const entryLeaves = log[at]! + interval;
        if (entryLeaves > now && fits(sum, cost, limit)) break;
        leave = entryLeaves;
        sum -= log[at + 1]!;
        j++;
      }
      if (leave > now) {
        const w = waitUntil(leave, now);
        if (w > wait) wait = w;
      }
    }
    return wait;
  }

  /** The wait for a cost above `capacity`: see {@link timeToAvailableAt}. */
  #predict(cost: number, now: number): number {
    const { limits, intervals } = this.#shape;
    const log = this.#log;
    const size = this.#size;
    const ring = limits.length * SLOTS;
    // Where the newest entry is: a grant adds one or adds to it, so a plan holds while the
    // newest entry stays as it was.
    const newest = log === undefined ? 0 : ring + ((this.#head + size - 1) & ((log.length - ring) / 2 - 1)) * 2;
    let plan = plans.get(this);
    if (plan === undefined || plan.log !== log || (log !== undefined && (log[newest] !== plan.newest || log[newest + 1] !== plan.newestCost))) {
      const times: number[] = [];
      const totals: number[] = [];
      let total = 0;
      for (let j = 0; j < size; j++) {
        const at = ring + ((this.#head + j) & ((log!.length - ring) / 2 - 1)) * 2;
        times.push(log![at]!);
        totals.push((total += log![at + 1]!));
      }
      plans.set(this, (plan = { log, newest: log?.[newest] ?? 0, newestCost: log?.[newest + 1] ?? 0, times, totals, copied: size, starts: [], t: 0, steps: 0, from: Infinity }));
    }
    // The running total the parts must reach, a hair less: rounding in sums of fractional costs
    // never makes an answer late.
    let goal = (size > 0 ? plan.totals[size - 1]! : 0) + cost;
    goal -= goal * SLACK;
    if (now < plan.from) restart(plan, now);
    let at = instant(plan, goal, limits, intervals, now);
    // A simulation made earlier on the same log is a lower bound, short by at most the time
    // since: it serves while that is at most 1/STALE of the wait.
    if (limits.length > 1 && (now - plan.from) * STALE > at - now) {
      restart(plan, now);
      at = instant(plan, goal, limits, intervals, now);
    }
    return at > now ? waitUntil(at, now) : 0;
  }

  /**
   * Drops from each window's sum the entries that have left it by `now`, and from the ring the
   * entries that have left the largest window; releases the ring once empty.
   *
   * @returns the log, or `undefined` when it is empty.
   */
  #advance(now: number): number[] | undefined {
    const log = this.#log;
    if (log === undefined) return undefined;
    const { limits, intervals } = this.#shape;
    const size = this.#size;
    const head = this.#head;
    const ring = limits.length * SLOTS;
    const mask = (log.length - ring) / 2 - 1;
    for (let i = 0; i < limits.length; i++) {
      const interval = intervals[i]!;
      const s = i * SLOTS;
      let j = log[s + START]!;
      if (j === size || log[ring + ((head + j) & mask) * 2]! + interval > now) continue;
      let sum = log[s + SUM]!;
      let dropped = log[s + DROPPED]!;
      do {
        sum -= log[ring + ((head + j) & mask) * 2 + 1]!;
        j++;
        dropped++;
      } while (j < size && log[ring + ((head + j) & mask) * 2]! + interval <= now);
      // Subtracting leaves rounding behind with fractional costs: add the sum up afresh once as
      // many entries have been dropped as remain (amortized O(1) per entry).
      if (j === size) sum = 0;
      else if (dropped >= size - j && dropped >= RESUM_AFTER) {
        sum = 0;
        for (let k = j; k < size; k++) sum += log[ring + ((head + k) & mask) * 2 + 1]!;
        dropped = 0;
      }
      log[s + START] = j;
      log[s + SUM] = sum;
      log[s + DROPPED] = dropped;
    }
    // Windows are sorted by interval: the last one is the largest.
    const gone = log[(limits.length - 1) * SLOTS + START]!;
    if (gone === 0) return log;
    if (gone === size) {
      this.#log = undefined;
      this.#head = 0;
      this.#size = 0;
      return undefined;
    }
    for (let i = 0; i < limits.length; i++) log[i * SLOTS + START] = log[i * SLOTS + START]! - gone;
    this.#head = (head + gone) & mask;
    this.#size = size - gone;
    const slots = mask + 1;
    if (slots > MIN_RING && this.#size * 4 <= slots) return this.#resize(slots / 2);
    return log;
  }

  /** Adds an entry at `now` (the latest time so far), or adds to the last one when at `now` too. */
  #append(cost: number, now: number): void {
    const { limits } = this.#shape;
    const ring = limits.length * SLOTS;
    let log = this.#log;
    if (log === undefined) log = this.#log = zeros(ring + MIN_RING * 2);
    let mask = (log.length - ring) / 2 - 1;
    const size = this.#size;
    let at = ring + ((this.#head + size - 1) & mask) * 2;
    if (size > 0 && log[at] === now) {
      log[at + 1] = log[at + 1]! + cost;
    } else {
      if (size === mask + 1) {
        log = this.#resize((mask + 1) * 2);
        mask = mask * 2 + 1;
      }
      at = ring + ((this.#head + size) & mask) * 2;
      log[at] = now;
      log[at + 1] = cost;
      this.#size = size + 1;
    }
    for (let i = 0; i < limits.length; i++) log[i * SLOTS + SUM] = log[i * SLOTS + SUM]! + cost;
  }

  /** Moves the log into a ring of `slots` entries, oldest first. */
  #resize(slots: number): number[] {
    const old = this.#log!;
    const ring = this.#shape.limits.length * SLOTS;
    const mask = (old.length - ring) / 2 - 1;
    const log = zeros(ring + slots * 2);
    for (let k = 0; k < ring; k++) log[k] = old[k]!;
    const head = this.#head;
    for (let j = 0; j < this.#size; j++) {
      const from = ring + ((head + j) & mask) * 2;
      log[ring + j * 2] = old[from]!;
      log[ring + j * 2 + 1] = old[from + 1]!;
    }
    this.#log = log;
    this.#head = 0;
    return log;
  }
}

/**
 * An array of `length` zeros. A plain array of numbers, not a `Float64Array`: V8 keeps its
 * numbers unboxed all the same, at under half the fixed cost of a typed array and its buffer.
 */
function zeros(length: number): number[] {
  return new Array<number>(length).fill(0);
}

/** Numbers per window at the start of the log: START, SUM, DROPPED. */
const SLOTS = 3;
const START = 0;
const SUM = 1;
const DROPPED = 2;

/** Entries of a fresh ring (a power of two, as every ring size). */
const MIN_RING = 4;

/** Dropped entries after which a window's sum is added up afresh, at the earliest. */
const RESUM_AFTER = 16;

/**
 * Steps of the greedy schedule simulated for a limiter of several windows, at most; beyond them
 * each window is taken alone, so a long queue costs a bounded amount of work and memory.
 */
const MAX_STEPS = 128;

/**
 * What a {@link SlidingWindowLog} keeps to predict waits behind its queue, while its log is
 * unchanged: a copy of the log, then the parts of the greedy schedule simulated so far, as entry
 * times and running totals of their costs (so that the sum of any run of entries is one
 * subtraction, and the entry at which a total is reached one binary search).
 */
interface Plan {
  /** The log it was copied from, and the time and cost of its newest entry then. */
  readonly log: number[] | undefined;
  readonly newest: number;
  readonly newestCost: number;
  readonly times: number[];
  readonly totals: number[];
  /** Entries copied from the log; the simulated parts follow. */
  readonly copied: number;
  /** Per window, its oldest entry not yet left at `t`. */
  readonly starts: number[];
  /** The instant of the next step, and the steps taken since `from`. */
  t: number;
  steps: number;
  /** The start the simulation was made for. */
  from: number;
}

/** 1 part in 2^40, taken off a running total to absorb the rounding in adding it up. */
const SLACK = 2 ** -40;

/**
 * A simulation made on the same log for an earlier start is a lower bound for a later one,
 * short by at most the time between: it is taken while that is at most 1/STALE of the wait.
 */
const STALE = 64;

/**
 * One plan per limiter that has predicted a wait behind its queue, replaced by the next made and
 * gone with the limiter (not with its log: `acquireNowait` pays nothing for it).
 */
const plans = new WeakMap<SlidingWindowLog, Plan>();

/** Starts the simulation of `plan` over, at `now`. */
function restart(plan: Plan, now: number): void {
  plan.times.length = plan.totals.length = plan.copied;
  plan.starts.length = 0;
  plan.t = plan.from = now;
  plan.steps = 0;
}

/**
 * One step of the greedy schedule at `plan.t`: drops what has left each window, grants as much
 * as every window has room for, and moves on to the first instant at which every full window
 * has had an entry leave.
 */
function step(plan: Plan, limits: readonly number[], intervals: readonly number[]): void {
  const { times, totals, starts, t } = plan;
  const n = limits.length;
  const end = times.length;
  let total = end > 0 ? totals[end - 1]! : 0;
  let room = Infinity;
  for (let i = 0; i < n; i++) {
    const j = (starts[i] = first(times, starts[i] ?? 0, end, t, intervals[i]!));
    // As much as `fits` lets through.
    const left = limits[i]! * (1 + TOLERANCE) - total + (j > 0 ? totals[j - 1]! : 0);
    if (left < room) room = left;
  }
  if (room > 0) {
    times.push(t);
    totals.push((total += room));
  }
  for (let i = 0; i < n; i++) {
    const limit = limits[i]!;
    const j = starts[i]!;
    if (limit - total + (j > 0 ? totals[j - 1]! : 0) <= limit * TOLERANCE && times[j]! + intervals[i]! > plan.t) plan.t = times[j]! + intervals[i]!;
  }
  plan.steps++;
}

/**
 * The instant by which the parts of `plan` reach the running total `goal`: simulated with
 * several windows, up to {@link MAX_STEPS} steps; then each window alone, from the instant the
 * simulation reached (with one window, from `now`), where the schedule repeats every `interval`.
 */
function instant(plan: Plan, goal: number, limits: readonly number[], intervals: readonly number[], now: number): number {
  const { times, totals, copied } = plan;
  const n = limits.length;
  if (n > 1) {
    while (plan.steps < MAX_STEPS && !(totals.length > copied && totals[totals.length - 1]! > goal)) step(plan, limits, intervals);
    const k = first(totals, copied, totals.length, goal, 0);
    if (k < totals.length) return times[k]!;
  }
  const t = n > 1 ? plan.t : now;
  const end = totals.length;
  let at = t;
  for (let i = 0; i < n; i++) {
    // As much as `fits` lets through in a window.
    const limit = limits[i]! * (1 + TOLERANCE);
    // The oldest entry still inside at `t`, and the running total before it.
    const j = first(times, plan.starts[i] ?? 0, end, t, intervals[i]!);
    const before = j > 0 ? totals[j - 1]! : 0;
    // Room for the rest at `t`; else each `interval` grants `limit` again: at the instants the
    // entries inside at `t` leave, then at `t` itself, plus whole periods.
    if (goal <= before + limit) continue;
    const periods = Math.ceil((goal - before - limit) / limit);
    const k = first(totals, j, end, goal - periods * limit, 0);
    const leaves = (k < end ? times[k]! : t) + periods * intervals[i]!;
    if (leaves > at) at = leaves;
  }
  return at;
}

/**
 * The first index `k` in `[lo, hi)` with `sorted[k] + add > x`, `hi` when there is none: the
 * first entry still inside a window of `interval` at `t` (`add` the interval, `x` the instant),
 * or the first running total above a goal (`add` 0).
 */
function first(sorted: readonly number[], lo: number, hi: number, x: number, add: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! + add > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Relative slack when adding up fractional costs: `0.1 + 0.2` is `0.30000000000000004`, and a
 * limit of `0.3` should still take both. 64 ulps of the limit: far below any cost that matters.
 */
const TOLERANCE = Number.EPSILON * 64;

/** Whether `cost` more fits beside `used` under `limit`, allowing for rounding in the sum. */
function fits(used: number, cost: number, limit: number): boolean {
  return used + cost <= limit + limit * TOLERANCE;
}

/** What limiters made alike have in common. */
interface Shape {
  /** As given, frozen. */
  readonly windows: readonly SlidingWindow[];
  /** Limits and intervals sorted by interval, the largest last. */
  readonly limits: readonly number[];
  readonly intervals: readonly number[];
  readonly capacity: number;
}

let lastShape: Shape | undefined;

/**
 * The shape of a new limiter. A factory makes its limiters alike, so the last shape is reused
 * when its windows are equal, one by one.
 */
function shapeOf(windows: readonly SlidingWindow[]): Shape {
  const last = lastShape;
  if (
    last !== undefined &&
    last.windows.length === windows.length &&
    last.windows.every((w, i) => w.limit === windows[i]!.limit && w.interval === windows[i]!.interval)
  ) {
    return last;
  }
  const frozen = Object.freeze(windows.map(({ limit, interval }) => Object.freeze({ limit, interval })));
  const sorted = [...frozen].sort((a, b) => a.interval - b.interval);
  return (lastShape = {
    windows: frozen,
    limits: sorted.map((w) => w.limit),
    intervals: sorted.map((w) => w.interval),
    capacity: Math.min(...sorted.map((w) => w.limit)),
  });
}

/** A non-empty array of `{ limit, interval }` objects; errors name the path, e.g. ``windows[1].limit``. */
function checkWindows(windows: unknown): readonly SlidingWindow[] {
  if (!Array.isArray(windows)) invalid('windows', 'a non-empty array of { limit, interval } objects', windows);
  if (windows.length === 0) invalid('windows', 'a non-empty array of { limit, interval } objects', windows, RangeError);
  for (let i = 0; i < windows.length; i++) {
    const name = `windows[${i}]`;
    const window: unknown = windows[i];
    if (typeof window !== 'object' || window === null || Array.isArray(window)) invalid(name, 'an object { limit, interval }', window);
    const { limit, interval } = checkOptions(name, window as SlidingWindow, WINDOW_NAMES);
    checkNumber(`${name}.limit`, limit, 'a finite number > 0', 0, Number.MAX_VALUE, true);
    checkNumber(`${name}.interval`, interval, 'a finite number of milliseconds > 0', 0, Number.MAX_VALUE, true);
  }
  return windows as readonly SlidingWindow[];
}
