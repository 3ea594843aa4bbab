// Type tests for the public surface (vitest typecheck: checked by tsc, never run).
import { describe, expectTypeOf, test } from 'vitest';
import {
  BaseRateLimiter,
  isRateLimitError,
  KeyedLimiter,
  RateLimitError,
  systemClock,
  TokenBucket,
  type AcquireOptions,
  type Clock,
  type KeyedLimiterOptions,
  type LimiterEvent,
  type RateLimiter,
  type RateLimiterStats,
  type RateLimitReason,
  type TokenBucketOptions,
} from '../src/index.js';
import { createManualClock, type ManualClock } from '../src/testing.js';

describe('TokenBucket', () => {
  test('options: capacity and refillPerSecond required, the rest optional, nothing else allowed', () => {
    new TokenBucket({ capacity: 10, refillPerSecond: 5 });
    new TokenBucket({ capacity: 10, refillPerSecond: 5, initialTokens: 0, clock: createManualClock() });
    new TokenBucket({ capacity: 10, refillPerSecond: 5, initialTokens: undefined, clock: undefined });

    // @ts-expect-error capacity is required
    new TokenBucket({ refillPerSecond: 5 });
    // @ts-expect-error refillPerSecond is required
    new TokenBucket({ capacity: 10 });
    // @ts-expect-error options are required
    new TokenBucket();
    // @ts-expect-error an unknown option (typo) is an error
    new TokenBucket({ capacity: 10, refillPerSec: 5 });
    // @ts-expect-error an unknown option next to valid ones is an error
    new TokenBucket({ capacity: 10, refillPerSecond: 5, maxWait: 100 });
    // @ts-expect-error capacity is a number
    new TokenBucket({ capacity: '10', refillPerSecond: 5 });
    // @ts-expect-error no null sentinels
    new TokenBucket({ capacity: 10, refillPerSecond: null });
    // @ts-expect-error clock must be a Clock
    new TokenBucket({ capacity: 10, refillPerSecond: 5, clock: Date });

    expectTypeOf<TokenBucketOptions['capacity']>().toEqualTypeOf<number>();
    expectTypeOf<TokenBucketOptions['refillPerSecond']>().toEqualTypeOf<number>();
    expectTypeOf<TokenBucketOptions['initialTokens']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<TokenBucketOptions['clock']>().toEqualTypeOf<Clock | undefined>();
  });

  test('methods and properties', () => {
    const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 5 });
    expectTypeOf(bucket).toExtend<RateLimiter>();
    expectTypeOf(bucket).toExtend<BaseRateLimiter>();
    expectTypeOf(bucket.acquire()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(bucket.acquire(2, { maxWait: 100 })).toEqualTypeOf<Promise<void>>();
    expectTypeOf(bucket.acquireNowait()).toEqualTypeOf<boolean>();
    expectTypeOf(bucket.acquireNowait(3)).toEqualTypeOf<boolean>();
    expectTypeOf(bucket.timeToAvailable(3)).toEqualTypeOf<number>();
    expectTypeOf(bucket.pause(1_000)).toEqualTypeOf<void>();
    expectTypeOf(bucket.available).toEqualTypeOf<number>();
    expectTypeOf(bucket.capacity).toEqualTypeOf<number>();
    expectTypeOf(bucket.refillPerSecond).toEqualTypeOf<number>();
    expectTypeOf(bucket.idle).toEqualTypeOf<boolean>();
    expectTypeOf(bucket.stats).toEqualTypeOf<RateLimiterStats>();
    expectTypeOf(bucket.clock).toEqualTypeOf<Clock>();

    // @ts-expect-error costs are numbers
    bucket.acquireNowait('1');
    // @ts-expect-error pause needs a duration
    bucket.pause();
    // @ts-expect-error capacity is read-only
    bucket.capacity = 5;
    // @ts-expect-error available is read-only
    bucket.available = 5;
    // @ts-expect-error stats are read-only
    bucket.stats.granted = 0;
  });
});

describe('AcquireOptions', () => {
  test('signal, maxWait and priority, each optional', () => {
    expectTypeOf<AcquireOptions>().toEqualTypeOf<{
      signal?: AbortSignal | undefined;
      maxWait?: number | undefined;
      priority?: number | undefined;
    }>();
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1 });
    void bucket.acquire(1, {});
    void bucket.acquire(1, { signal: AbortSignal.timeout(100), maxWait: 5_000, priority: 1 });
    // @ts-expect-error an unknown option is an error
    void bucket.acquire(1, { maxwait: 5_000 });
    // @ts-expect-error timeout is not an acquire option (use maxWait or AbortSignal.timeout)
    void bucket.acquire(1, { timeout: 5_000 });
    // @ts-expect-error signal must be an AbortSignal
    void bucket.acquire(1, { signal: new AbortController() });
    // @ts-expect-error maxWait is a number of ms
    void bucket.acquire(1, { maxWait: '5s' });
  });
});

describe('RateLimiterStats', () => {
  test('four read-only counters', () => {
    expectTypeOf<RateLimiterStats>().toEqualTypeOf<{
      readonly granted: number;
      readonly rejected: number;
      readonly aborted: number;
      readonly waiting: number;
    }>();
  });
});

describe('KeyedLimiter', () => {
  test('the key type is inferred from the factory parameter', () => {
    const byNumber = new KeyedLimiter((id: number) => new TokenBucket({ capacity: id, refillPerSecond: 1 }));
    expectTypeOf(byNumber).toEqualTypeOf<KeyedLimiter<number, TokenBucket>>();
    void byNumber.acquire(1);
    byNumber.acquireNowait(1, 2);
    // @ts-expect-error the key is a number
    void byNumber.acquire('x');
    // @ts-expect-error the key is a number
    byNumber.acquireNowait('x');
    // @ts-expect-error the key is a number
    byNumber.get('x');
    // @ts-expect-error the key is a number
    byNumber.delete('x');
  });

  test('string keys by default; object keys when the factory says so', () => {
    const plain = new KeyedLimiter(() => new TokenBucket({ capacity: 5, refillPerSecond: 1 }));
    expectTypeOf(plain.acquire).parameter(0).toEqualTypeOf<string>();
    // @ts-expect-error the default key type is string
    plain.acquireNowait(42);

    const byTenant = new KeyedLimiter((tenant: { id: string }) => new TokenBucket({ capacity: 5, refillPerSecond: tenant.id.length }));
    byTenant.acquireNowait({ id: 'a' });
    // @ts-expect-error the key is a tenant object
    byTenant.acquireNowait('a');
  });

  test('get and peek return the factory limiter type', () => {
    const keyed = new KeyedLimiter((_: string) => new TokenBucket({ capacity: 5, refillPerSecond: 1 }));
    expectTypeOf(keyed.get('a')).toEqualTypeOf<TokenBucket>();
    expectTypeOf(keyed.peek('a')).toEqualTypeOf<TokenBucket | undefined>();
    expectTypeOf(keyed.get('a').refillPerSecond).toEqualTypeOf<number>();
  });

  test('methods', () => {
    const keyed = new KeyedLimiter((_: string) => new TokenBucket({ capacity: 5, refillPerSecond: 1 }), { maxKeys: 1_000 });
    expectTypeOf(keyed.acquire('a')).toEqualTypeOf<Promise<void>>();
    expectTypeOf(keyed.acquire('a', 2, { maxWait: 100 })).toEqualTypeOf<Promise<void>>();
    expectTypeOf(keyed.acquireNowait('a')).toEqualTypeOf<boolean>();
    expectTypeOf(keyed.timeToAvailable('a', 2)).toEqualTypeOf<number>();
    expectTypeOf(keyed.delete('a')).toEqualTypeOf<boolean>();
    expectTypeOf(keyed.prune()).toEqualTypeOf<number>();
    expectTypeOf(keyed.clear()).toEqualTypeOf<void>();
    expectTypeOf(keyed.size).toEqualTypeOf<number>();
    expectTypeOf(keyed.maxKeys).toEqualTypeOf<number>();
    // @ts-expect-error acquire options are checked here too
    void keyed.acquire('a', 1, { maxwait: 5 });
  });

  test('the factory must return a RateLimiter; options are checked', () => {
    // @ts-expect-error the factory returns a limiter, not a number
    new KeyedLimiter((_: string) => 5);
    // @ts-expect-error an unknown option is an error
    new KeyedLimiter((_: string) => new TokenBucket({ capacity: 5, refillPerSecond: 1 }), { max: 5 });
    expectTypeOf<KeyedLimiterOptions>().toEqualTypeOf<{
      maxKeys?: number | undefined;
      clock?: Clock | undefined;
      onEvent?: ((event: LimiterEvent) => void) | undefined;
    }>();
  });
});

describe('RateLimitError', () => {
  test('fields', () => {
    const error = new RateLimitError('slow down', { reason: 'max-wait', retryAfter: 100 });
    expectTypeOf(error).toExtend<Error>();
    expectTypeOf(error.name).toEqualTypeOf<'RateLimitError'>();
    expectTypeOf(error.reason).toEqualTypeOf<RateLimitReason>();
    expectTypeOf(error.retryAfter).toEqualTypeOf<number>();
    expectTypeOf(error.key).toEqualTypeOf<unknown>();
    expectTypeOf<RateLimitReason>().toEqualTypeOf<'max-wait' | 'max-keys' | 'queue-full' | 'rejected'>();
    // @ts-expect-error reason is read-only
    error.reason = 'rejected';
    // @ts-expect-error not a known reason
    new RateLimitError('x', { reason: 'too-fast', retryAfter: 1 });
    // @ts-expect-error retryAfter is required
    new RateLimitError('x', { reason: 'max-wait' });
  });

  test('isRateLimitError narrows unknown', () => {
    const caught: unknown = undefined;
    if (isRateLimitError(caught)) {
      expectTypeOf(caught).toEqualTypeOf<RateLimitError>();
      expectTypeOf(caught.retryAfter).toEqualTypeOf<number>();
    }
  });
});

describe('clocks', () => {
  test('systemClock and the manual clock are Clocks', () => {
    expectTypeOf(systemClock).toEqualTypeOf<Clock>();
    expectTypeOf(systemClock.now()).toEqualTypeOf<number>();
    expectTypeOf(systemClock.setTimeout(() => undefined, 10)).toEqualTypeOf<() => void>();
    const clock = createManualClock();
    expectTypeOf(clock).toEqualTypeOf<ManualClock>();
    expectTypeOf(clock).toExtend<Clock>();
    expectTypeOf(clock.advance(10)).toEqualTypeOf<Promise<void>>();
    expectTypeOf(clock.advanceSync(10)).toEqualTypeOf<void>();
    expectTypeOf(clock.pendingTimers).toEqualTypeOf<number>();
    // @ts-expect-error pendingTimers is read-only
    clock.pendingTimers = 0;
  });
});

describe('custom algorithms', () => {
  test('a subclass of BaseRateLimiter supplies capacity, availableAt, timeToAvailableAt and consumeAt', () => {
    class Quota extends BaseRateLimiter {
      readonly capacity = 2;
      #used = 0;
      protected availableAt(): number {
        return this.capacity - this.#used;
      }
      protected timeToAvailableAt(cost: number): number {
        return cost <= this.capacity - this.#used ? 0 : Infinity;
      }
      protected consumeAt(cost: number): void {
        this.#used += cost;
      }
    }
    expectTypeOf(new Quota()).toExtend<RateLimiter>();
    expectTypeOf(new KeyedLimiter((_: string) => new Quota()).get('a')).toEqualTypeOf<Quota>();

    // @ts-expect-error an algorithm missing consumeAt cannot be instantiated
    class Incomplete extends BaseRateLimiter {
      readonly capacity = 1;
      protected availableAt(): number {
        return 1;
      }
      protected timeToAvailableAt(): number {
        return 0;
      }
    }
    void Incomplete;
  });
});
