// The README's custom-algorithm guide: a quota that comes back only when the server says so,
// never with time. Verbatim from the guide; tests give it a manual clock through `options`.
import { BaseRateLimiter, type LimiterOptions } from '../src/index.js';

/** A limiter of `limit` tokens that come back only on `reset()`: waits are infinite until then. */
export class Quota extends BaseRateLimiter {
  readonly capacity: number;
  #left: number;
  constructor(limit: number, options?: LimiterOptions) {
    super(options);
    this.capacity = limit;
    this.#left = limit;
  }
  /** The server says the quota is back. */
  reset() {
    this.#left = this.capacity;
    this.recheck();
  }
  protected availableAt() {
    return this.#left;
  }
  protected timeToAvailableAt(cost: number) {
    return cost <= this.#left ? 0 : Infinity;
  }
  protected consumeAt(cost: number) {
    this.#left -= cost;
  }
}
