import { describe, expect, it } from 'vitest';
import { BaseRateLimiter, KeyedLimiter, TokenBucket, type Clock } from '../src/index.js';
import { createManualClock } from '../src/testing.js';
import { describeRateLimiterContract } from './contract.js';

describeRateLimiterContract('TokenBucket', {
  make: (clock, capacity) => new TokenBucket({ capacity, refillPerSecond: 10, clock }),
  refillWithin: 100,
});

describeRateLimiterContract('TokenBucket with fractional refill', {
  make: (clock, capacity) => new TokenBucket({ capacity, refillPerSecond: 3, clock }),
  refillWithin: 1000 / 3,
});

/** A user-written algorithm: `limit` grants per aligned window of `interval` ms. */
class EveryWindow extends BaseRateLimiter {
  readonly capacity: number;
  readonly #interval: number;
  #window = -Infinity;
  #used = 0;

  constructor(limit: number, interval: number, clock: Clock) {
    super({ clock });
    this.capacity = limit;
    this.#interval = interval;
  }

  #usedAt(now: number): number {
    return Math.floor(now / this.#interval) === this.#window ? this.#used : 0;
  }

  protected availableAt(now: number): number {
    return this.capacity - this.#usedAt(now);
  }

  protected timeToAvailableAt(cost: number, now: number): number {
    const free = this.capacity - this.#usedAt(now);
    if (cost <= free) return 0;
    const windows = Math.ceil((cost - free) / this.capacity);
    return (Math.floor(now / this.#interval) + windows) * this.#interval - now;
  }

  protected consumeAt(cost: number, now: number): void {
    const window = Math.floor(now / this.#interval);
    this.#used = (window === this.#window ? this.#used : 0) + cost;
    this.#window = window;
  }
}

describeRateLimiterContract('a user-written algorithm', {
  make: (clock, capacity) => new EveryWindow(capacity, 250, clock),
  refillWithin: 250,
});

describe('a user-written algorithm', () => {
  it('gets queues, abort, maxWait and keyed use from the base class', async () => {
    const clock = createManualClock();
    const keyed = new KeyedLimiter((key: string) => new EveryWindow(key === 'vip' ? 3 : 1, 1_000, clock), { clock });
    expect(keyed.acquireNowait('vip', 3)).toBe(true);
    expect(keyed.acquireNowait('basic')).toBe(true);
    expect(keyed.acquireNowait('basic')).toBe(false);
    const served: string[] = [];
    const waits = [keyed.acquire('basic').then(() => served.push('basic')), keyed.acquire('vip').then(() => served.push('vip'))];
    const controller = new AbortController();
    const aborted = keyed.acquire('basic', 1, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    await expect(keyed.acquire('basic', 1, { maxWait: 10 })).rejects.toMatchObject({ reason: 'max-wait', key: 'basic' });
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1_000);
    await Promise.all(waits);
    expect(served).toEqual(['basic', 'vip']);
  });
});
