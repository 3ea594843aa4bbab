// The contract every RateLimiter meets, run against each implementation.
import { describe, expect, it } from 'vitest';
import { isRateLimitError, type RateLimiter } from '../src/index.js';
import { createManualClock, type ManualClock } from '../src/testing.js';
import { track } from './settle.js';

/** What a contract run needs to know about the implementation under test. */
export interface ContractSubject {
  /** A fresh, full limiter of capacity `capacity` on `clock`, refilling eventually. */
  make(clock: ManualClock, capacity: number): RateLimiter;
  /** Upper bound in ms for one token to come back after the limiter was emptied. */
  refillWithin: number;
}


export function describeRateLimiterContract(name: string, subject: ContractSubject): void {
  describe(`RateLimiter contract: ${name}`, () => {
    const setup = (capacity = 4) => {
      const clock = createManualClock(1_000);
      return { clock, limiter: subject.make(clock, capacity) };
    };

    it('starts idle and full, grants up to its capacity at once, then refuses', () => {
      const { limiter } = setup(4);
      expect(limiter.capacity).toBe(4);
      expect(limiter.idle).toBe(true);
      expect(limiter.available).toBe(4);
      expect(limiter.timeToAvailable(4)).toBe(0);
      for (let i = 0; i < 4; i++) expect(limiter.acquireNowait()).toBe(true);
      expect(limiter.acquireNowait()).toBe(false);
      expect(limiter.idle).toBe(false);
      expect(limiter.stats).toMatchObject({ granted: 4, rejected: 1, aborted: 0, waiting: 0 });
    });

    it('grants again once timeToAvailable has passed, not a moment earlier', async () => {
      const { clock, limiter } = setup(2);
      limiter.acquireNowait(2);
      const wait = limiter.timeToAvailable();
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(subject.refillWithin);
      await clock.advance(wait - 0.001);
      expect(limiter.acquireNowait()).toBe(false);
      await clock.advance(0.001);
      expect(limiter.acquireNowait()).toBe(true);
    });

    it('grants cost 0 at once, even when empty', async () => {
      const { limiter } = setup(1);
      limiter.acquireNowait();
      expect(limiter.acquireNowait(0)).toBe(true);
      await expect(limiter.acquire(0)).resolves.toBeUndefined();
    });

    it('refuses a cost above capacity, negative or not a number', async () => {
      const { limiter } = setup(3);
      expect(() => limiter.acquireNowait(4)).toThrow(RangeError);
      expect(() => limiter.acquireNowait(4)).toThrow(/`cost`.*3.*got 4 \(number\)/);
      expect(() => limiter.acquireNowait(-1)).toThrow(RangeError);
      expect(() => limiter.acquireNowait(Number.NaN)).toThrow(RangeError);
      expect(() => limiter.acquireNowait('1' as unknown as number)).toThrow(TypeError);
      await expect(limiter.acquire(4)).rejects.toThrow(RangeError);
      expect(() => limiter.timeToAvailable(4)).toThrow(RangeError);
      expect(limiter.available).toBe(3);
    });

    it('acquire resolves without a timer when tokens are there', async () => {
      const { clock, limiter } = setup(2);
      await limiter.acquire();
      await limiter.acquire();
      expect(clock.pendingTimers).toBe(0);
      expect(limiter.stats.granted).toBe(2);
    });

    it('serves waiters first come first served, with one timer', async () => {
      const { clock, limiter } = setup(1);
      limiter.acquireNowait();
      const order: number[] = [];
      const waits = [0, 1, 2, 3].map((i) => limiter.acquire().then(() => order.push(i)));
      expect(clock.pendingTimers).toBe(1);
      expect(limiter.stats.waiting).toBe(4);
      expect(limiter.acquireNowait()).toBe(false);
      await clock.advance(subject.refillWithin * 5);
      await Promise.all(waits);
      expect(order).toEqual([0, 1, 2, 3]);
      expect(clock.pendingTimers).toBe(0);
    });

    it('never lets acquireNowait overtake a waiter', async () => {
      const { clock, limiter } = setup(2);
      limiter.acquireNowait(2);
      const big = track(limiter.acquire(2));
      await clock.advance(subject.refillWithin);
      expect(limiter.acquireNowait(1)).toBe(false);
      await clock.advance(subject.refillWithin * 2);
      expect(big.settled).toBe(true);
    });

    it('rejects with the signal reason and lets the next waiter move up', async () => {
      const { clock, limiter } = setup(2);
      limiter.acquireNowait(2);
      const controller = new AbortController();
      const reason = new Error('user left');
      const head = limiter.acquire(2, { signal: controller.signal });
      const next = track(limiter.acquire(1));
      controller.abort(reason);
      await expect(head).rejects.toBe(reason);
      expect(limiter.stats).toMatchObject({ aborted: 1, waiting: 1 });
      await clock.advance(subject.refillWithin);
      expect(next.settled).toBe(true);
    });

    it('rejects an already aborted signal at once and leaves no trace', async () => {
      const { limiter } = setup(2);
      const before = limiter.available;
      await expect(limiter.acquire(1, { signal: AbortSignal.abort('gone') })).rejects.toBe('gone');
      expect(limiter.available).toBe(before);
      expect(limiter.stats).toMatchObject({ granted: 0, aborted: 1, waiting: 0 });
    });

    it('rejects up front when the predicted wait exceeds maxWait', async () => {
      const { clock, limiter } = setup(1);
      limiter.acquireNowait();
      const predicted = limiter.timeToAvailable();
      const error: unknown = await limiter.acquire(1, { maxWait: predicted / 2 }).catch((e: unknown) => e);
      expect(isRateLimitError(error)).toBe(true);
      expect(error).toMatchObject({ reason: 'max-wait', retryAfter: predicted });
      expect(clock.now()).toBe(1_000);
      const ok = track(limiter.acquire(1, { maxWait: predicted }));
      await clock.advance(predicted);
      expect(ok).toMatchObject({ settled: true, value: undefined });
    });

    it('pauses, never shortens a pause, and serves waiters after it', async () => {
      const { clock, limiter } = setup(2);
      limiter.pause(1_000);
      limiter.pause(100);
      expect(limiter.acquireNowait()).toBe(false);
      expect(limiter.timeToAvailable()).toBe(1_000);
      const waiter = track(limiter.acquire());
      await clock.advance(999);
      expect(waiter.settled).toBe(false);
      await clock.advance(1);
      expect(waiter.settled).toBe(true);
      expect(limiter.acquireNowait()).toBe(true);
    });

    it('becomes idle again once it has refilled', async () => {
      const { clock, limiter } = setup(2);
      limiter.acquireNowait(2);
      await clock.advance(subject.refillWithin * 2);
      expect(limiter.idle).toBe(true);
    });
  });
}
