// The README's first screen, run on the manual clock: its //=> results must hold.
import { expect, it } from 'vitest';
import { BaseRateLimiter, KeyedLimiter, TokenBucket, type LimiterOptions } from '../src/index.js';
import { createManualClock } from '../src/testing.js';

it('the first-screen example answers what the README says', async () => {
  const clock = createManualClock();
  const perTenant = new KeyedLimiter((_tenant: string) => new TokenBucket({ capacity: 5, refillPerSecond: 1, clock }), { clock });
  expect(perTenant.acquireNowait('acme', 5)).toBe(true);
  expect(perTenant.acquireNowait('acme')).toBe(false);
  expect(perTenant.timeToAvailable('acme')).toBe(1000);
  expect(perTenant.acquireNowait('globex')).toBe(true);
  let resolved = false;
  const waiting = perTenant.acquire('acme').then(() => (resolved = true));
  await clock.advance(999);
  expect(resolved).toBe(false);
  await clock.advance(1);
  await waiting;
  expect(resolved).toBe(true);
});

// The custom-algorithm guide's `Quota`, verbatim apart from the clock.
class Quota extends BaseRateLimiter {
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

it('the custom-algorithm guide: queues, abort, maxWait, keyed use and reset() come for free', async () => {
  const clock = createManualClock();
  const quotas = new KeyedLimiter((_account: string) => new Quota(100, { clock }), { clock });
  expect(quotas.acquireNowait('acme', 100)).toBe(true);
  expect(quotas.acquireNowait('acme')).toBe(false);
  await expect(quotas.acquire('acme', 1, { maxWait: 5_000 })).rejects.toMatchObject({ reason: 'max-wait', retryAfter: Infinity, key: 'acme' });
  const order: string[] = [];
  const first = quotas.acquire('acme').then(() => order.push('first'));
  const controller = new AbortController();
  const aborted = quotas.acquire('acme', 1, { signal: controller.signal });
  const second = quotas.acquire('acme', 2).then(() => order.push('second'));
  controller.abort(new Error('gave up'));
  await expect(aborted).rejects.toThrow('gave up');
  expect(clock.pendingTimers).toBe(0); // an infinite wait needs no timer
  quotas.get('acme').reset();
  await Promise.all([first, second]);
  expect(order).toEqual(['first', 'second']);
  expect(quotas.get('acme').available).toBe(97);
});
