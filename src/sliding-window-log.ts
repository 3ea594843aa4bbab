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
 * O(number of windows), amortized.
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
   * entries have left it: exact. Above `capacity` (the base predicting a wait behind the
   * queue), the cost is taken greedily in parts on a copy of the log — at each instant as much
   * as every window has room for — which is a lower bound, since real callers take their whole
   * cost at once. After {@link MAX_STEPS} steps the rest is estimated at the pace of the slowest
   * window: `(ceil(rest / limit) - 1) × interval` after the last instant simulated.
   */
  protected timeToAvailableAt(cost: number, now: number): number {
    return cost > this.#shape.capacity ? this.#simulate(cost, now) : this.#waitFor(cost, now);
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

  /**
   * The wait for a cost above `capacity`, granted greedily on a copy of the log: at each instant
   * as much as every window has room for, then on to the instant an entry leaves the windows
   * that are full.
   */
  #simulate(cost: number, now: number): number {
    const { limits, intervals } = this.#shape;
    const n = limits.length;
    const log = this.#log;
    const size = this.#size;
    // A copy of the entries, to which the parts granted in the simulation are added.
    const times: number[] = [];
    const costs: number[] = [];
    const starts: number[] = [];
    const sums: number[] = [];
    if (log === undefined) {
      for (let i = 0; i < n; i++) starts.push(0), sums.push(0);
    } else {
      const ring = n * SLOTS;
      const mask = (log.length - ring) / 2 - 1;
      for (let j = 0; j < size; j++) {
        const at = ring + ((this.#head + j) & mask) * 2;
        times.push(log[at]!);
        costs.push(log[at + 1]!);
      }
      for (let i = 0; i < n; i++) starts.push(log[i * SLOTS + START]!), sums.push(log[i * SLOTS + SUM]!);
    }
    let rest = cost;
    let t = now;
    for (let step = 0; step < MAX_STEPS; step++) {
      // Drop what has left by `t`; see whether the rest fits, else how much room there is.
      const end = times.length;
      let room = Infinity;
      let done = true;
      for (let i = 0; i < n; i++) {
        const interval = intervals[i]!;
        let j = starts[i]!;
        let sum = sums[i]!;
        while (j < end && times[j]! + interval <= t) sum -= costs[j++]!;
        if (j === end) sum = 0;
        starts[i] = j;
        sums[i] = sum;
        const limit = limits[i]!;
        if (limit - sum < room) room = limit - sum;
        if (!fits(sum, rest, limit)) done = false;
      }
      if (done) return t > now ? waitUntil(t, now) : 0;
      if (room > 0) {
        times.push(t);
        costs.push(room);
        for (let i = 0; i < n; i++) sums[i] = sums[i]! + room;
        rest -= room;
      }
      // On to the first instant at which every full window has had an entry leave.
      let next = t;
      for (let i = 0; i < n; i++) {
        const limit = limits[i]!;
        if (limit - sums[i]! <= limit * TOLERANCE) {
          const leaves = times[starts[i]!]! + intervals[i]!;
          if (leaves > next) next = leaves;
        }
      }
      t = next;
    }
    // Too long a queue to follow: the rest at the pace of the slowest window, a `limit` from `t`
    // on and one more every `interval`.
    let more = 0;
    for (let i = 0; i < n; i++) more = Math.max(more, (Math.ceil(rest / limits[i]! - TOLERANCE) - 1) * intervals[i]!);
    return t + more - now;
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
 * Steps simulated when predicting a wait behind the queue; beyond them the wait is estimated,
 * so a long queue costs a bounded amount of work per call.
 */
const MAX_STEPS = 128;

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
