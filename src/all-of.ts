import { BaseRateLimiter, grantAt, idleAt, settleAt, timeToAvailableFor, waitingOf, type LimiterOptions } from './rate-limiter.js';
import { checkOptions, invalid } from './validate.js';

/**
 * Options of {@link AllOf}: the {@link LimiterOptions} but `clock`, which comes from the parts.
 *
 * @example
 * ```ts
 * const options: AllOfOptions = { maxQueue: 100, onEvent: (event) => console.log(event.type) };
 * ```
 */
export type AllOfOptions = Omit<LimiterOptions, 'clock'>;

const OPTION_NAMES = ['maxQueue', 'onEvent'] as const;

/**
 * A limiter that grants only when every one of its parts can: a global limit and a per-endpoint
 * limit, 5 per second and 100 per minute from two different algorithms, a limit per user inside
 * a limit per tenant.
 *
 * - **Atomic.** A grant asks every part first and takes from each only once all have said yes,
 *   so a part never gives tokens away when another refuses: a refusal leaves every part exactly
 *   as it was.
 * - **Answers.** `capacity` and `available` are the smallest of the parts'; `timeToAvailable` is
 *   the longest of the parts' waits, each counting that part's own queue and pause.
 * - **Order.** Callers waiting in the composite's `acquire` are served first come first served
 *   (by priority, as in any limiter). Callers waiting on a part directly are never overtaken:
 *   while one waits there, the part grants nothing to a composite, and the composite's predicted
 *   wait counts them. Composites that share a part (one global bucket inside every key's
 *   `allOf(global, perKey)`) each wait on their own timer and are served in the order their
 *   turns come: when the shared tokens come back, the first composite whose timer finds them
 *   takes them, and the others wait on. There is no queue across composites: under sustained
 *   overload of a shared part one composite's waiters can wait longer than predicted, or behind
 *   another's; bound the wait with a `signal` (`maxWait` is checked against the prediction,
 *   which cannot see other composites' waiters).
 * - **Reservations.** A composite cannot promise a delay: a part shared with other composites,
 *   or used directly, can give its tokens to others first. So `reserve` on a composite grants at
 *   once or refuses (`{ ok: false, delay }`, `delay` being the predicted wait); it never books
 *   ahead. Use `acquire` to wait.
 * - **Tokens that come back by other means than time** (a part whose algorithm calls
 *   `recheck()`, such as a quota the server resets) wake that part's own waiters, not a
 *   composite's: the composite looks again at its next timer or call (`acquire`,
 *   `timeToAvailable`).
 * - **Stats and events.** A grant counts in the composite's stats and in each part's (a part
 *   reports it to its `onEvent` as `granted`); refusals, waits and aborts count in the
 *   composite's alone.
 * - **Idle.** A composite is idle when nobody waits on it, it is not paused and every part is
 *   idle. A `KeyedLimiter` of `allOf(global, perKey)` therefore drops a key once the global and
 *   the key's limiter are both full.
 * - **Pause.** `pause(ms)` pauses the composite alone; pause a shared part to pause every
 *   composite built on it.
 *
 * Parts are limiters built on {@link BaseRateLimiter} (`TokenBucket`, `FixedWindow`,
 * `SlidingWindowLog`, other composites, your own algorithms), all on the same clock, each at
 * most once (also counting the parts of nested composites).
 *
 * @example
 * ```ts
 * const clock = createManualClock();
 * const global = new TokenBucket({ capacity: 10, refillPerSecond: 10, clock });
 * const search = new AllOf([global, new TokenBucket({ capacity: 2, refillPerSecond: 2, clock })], { maxQueue: 50 });
 * search.acquireNowait(2); //=> true  (takes 2 from each)
 * search.acquireNowait(); //=> false (the endpoint's bucket is empty; the global keeps its 8)
 * global.available; //=> 8
 * ```
 */
export class AllOf extends BaseRateLimiter {
  /** The smallest capacity of the parts: the most one call may take. */
  readonly capacity: number;
  readonly #parts: readonly BaseRateLimiter[];

  /**
   * @param parts - the limiters that must all grant: one or more, built on
   * {@link BaseRateLimiter}, on one clock, none twice.
   * @param options - `maxQueue` and `onEvent` ({@link AllOfOptions}) for the composite's own
   * queue; the clock is the parts' clock.
   * @throws TypeError when `parts` is not an array, a part is not built on `BaseRateLimiter`,
   * a part uses another clock than `parts[0]`, a limiter appears twice (directly or inside a
   * nested composite), or for a bad or unknown option (`clock` included).
   * @throws RangeError when `parts` is empty, or `maxQueue` is not a number >= 0.
   */
  constructor(parts: readonly BaseRateLimiter[], options?: AllOfOptions) {
    if (!Array.isArray(parts)) invalid('parts', 'an array of limiters', parts);
    if (parts.length === 0) invalid('parts', 'one or more limiters', parts, RangeError);
    const seen = new Map<BaseRateLimiter, number>();
    for (let i = 0; i < parts.length; i++) {
      const part: unknown = parts[i];
      if (!(part instanceof BaseRateLimiter)) invalid(`parts[${i}]`, 'a limiter built on BaseRateLimiter', part);
      if (part.clock !== parts[0]!.clock) invalid(`parts[${i}]`, 'a limiter on the same clock as `parts[0]` (parts share one clock)', part);
      for (const leaf of leavesOf(part)) {
        const first = seen.get(leaf);
        if (first !== undefined) {
          invalid(`parts[${i}]`, `a limiter that shares nothing with \`parts[${first}]\` (each limiter at most once in a composite)`, part);
        }
        seen.set(leaf, i);
      }
    }
    if (typeof options === 'object' && options !== null && 'clock' in options) {
      throw new TypeError('Unknown option `clock` in `AllOf options`: a composite uses the clock of its parts');
    }
    const { maxQueue, onEvent } = checkOptions('AllOf options', options, OPTION_NAMES);
    super({ clock: parts[0]!.clock, maxQueue, onEvent });
    this.#parts = Object.freeze(parts.slice());
    let capacity = Infinity;
    for (const part of parts) if (part.capacity < capacity) capacity = part.capacity;
    this.capacity = capacity;
  }

  /** The parts, in the order given (a frozen array). */
  get parts(): readonly BaseRateLimiter[] {
    return this.#parts;
  }

  /** The smallest of the parts' `available`, each read on the shared clock. */
  protected availableAt(): number {
    let available = Infinity;
    for (const part of this.#parts) {
      const a = part.available;
      if (a < available) available = a;
    }
    return available;
  }

  protected timeToAvailableAt(cost: number, now: number): number {
    return this.#waitFor(cost, now);
  }

  protected override tryConsumeAt(cost: number, now: number): boolean {
    if (cost === 0) return true;
    if (this.#waitFor(cost, now) > 0) return false;
    this.consumeAt(cost, now);
    return true;
  }

  /** Takes `cost` from every part; called only once {@link AllOf.#waitFor} answered 0 at `now`. */
  protected consumeAt(cost: number, now: number): void {
    if (cost === 0) return;
    const parts = this.#parts;
    for (let i = 0; i < parts.length; i++) {
      if (!grantAt(parts[i]!, cost, now)) {
        throw new Error(
          `AllOf: \`parts[${i}]\` refused ${cost} at ${now} after its timeToAvailableAt answered 0: ` +
            'its timeToAvailableAt and tryConsumeAt disagree',
        );
      }
    }
  }

  protected override isFullAt(now: number): boolean {
    for (const part of this.#parts) if (!idleAt(part, now)) return false;
    return true;
  }

  /**
   * The longest wait of the parts for `cost` at `now`, each counting its own queue and pause; 0
   * only when every part would grant `cost` at `now` at once.
   */
  #waitFor(cost: number, now: number): number {
    const parts = this.#parts;
    let wait = 0;
    for (let i = 0; i < parts.length && wait !== Infinity; i++) {
      const w = timeToAvailableFor(parts[i]!, cost, now);
      if (w > wait) wait = w;
    }
    if (wait > 0) return wait;
    // Every part has room for `cost` behind its own waiters, yet a part grants nothing to a
    // composite while anyone waits on it. Those waiters are due (its timer fires after ours, or
    // late): have it serve them now, as any call to it would. Any still waiting are of a lower
    // priority than a plain call and not due yet: wait until that part could be full again.
    // When `now` lies ahead (the end of a pause), nothing is served early: by then they are.
    let real: number | undefined;
    for (const part of parts) {
      if (waitingOf(part) === 0 || now > (real ??= this.clock.now())) continue;
      if (settleAt(part, now) > 0) {
        const w = timeToAvailableFor(part, part.capacity, now);
        if (w > wait) wait = w;
      }
    }
    return wait;
  }

  protected override get booksAhead(): boolean {
    return false;
  }
}

/**
 * A composite that grants only when every part can, atomically; see {@link AllOf}. The clock is
 * the parts' clock; for `maxQueue` or `onEvent` use `new AllOf(parts, options)`.
 *
 * @param parts - one or more limiters built on {@link BaseRateLimiter}, on one clock, none twice.
 * @returns the composite.
 * @throws TypeError when a part is not built on `BaseRateLimiter`, uses another clock than the
 * first, or appears twice (directly or inside a nested composite).
 * @throws RangeError when called without parts.
 * @example
 * ```ts
 * const global = new TokenBucket({ capacity: 10, refillPerSecond: 10 });
 * const perEndpoint = new KeyedLimiter(() => allOf(global, new TokenBucket({ capacity: 2, refillPerSecond: 1 })));
 * perEndpoint.acquireNowait('/search', 2); //=> true
 * perEndpoint.acquireNowait('/search'); //=> false (its own limit)
 * perEndpoint.acquireNowait('/users', 2); //=> true (8 left in the global, then 6)
 * ```
 */
export function allOf(...parts: BaseRateLimiter[]): AllOf {
  return new AllOf(parts);
}

/** The limiters that grant in the end: the parts of nested composites, else the limiter itself. */
function leavesOf(limiter: BaseRateLimiter): BaseRateLimiter[] {
  return limiter instanceof AllOf ? limiter.parts.flatMap(leavesOf) : [limiter];
}
