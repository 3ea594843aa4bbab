// Type tests for the algorithms, composites, reservations, events, key pools and server hints
// (vitest typecheck: checked by tsc, never run).
import { describe, expectTypeOf, test } from 'vitest';
import {
  AllOf,
  allOf,
  FixedWindow,
  KeyedLimiter,
  parseRateLimitHeaders,
  SlidingWindowLog,
  TokenBucket,
  type KeyedLimiterStats,
  type LimiterEvent,
  type LimiterEventType,
  type RateLimiter,
  type RateLimitHints,
  type Reservation,
} from '../src/index.js';

describe('FixedWindow and SlidingWindowLog', () => {
  test('options: required fields, the base options, nothing else', () => {
    new FixedWindow({ limit: 10, interval: 1_000, maxQueue: 5, onEvent: (event) => void event.type });
    // @ts-expect-error interval is required
    new FixedWindow({ limit: 10 });
    // @ts-expect-error an unknown option is an error
    new FixedWindow({ limit: 10, interval: 1_000, windowMs: 5 });
    new SlidingWindowLog({ windows: [{ limit: 5, interval: 1_000 }, { limit: 100, interval: 60_000 }] });
    // @ts-expect-error a window needs limit and interval
    new SlidingWindowLog({ windows: [{ limit: 5 }] });
    expectTypeOf(new SlidingWindowLog({ windows: [{ limit: 5, interval: 1_000 }] })).toExtend<RateLimiter>();
  });
});

describe('allOf', () => {
  test('takes limiters built on BaseRateLimiter and is one itself', () => {
    const global = new TokenBucket({ capacity: 10, refillPerSecond: 10 });
    const both = allOf(global, new FixedWindow({ limit: 2, interval: 1_000 }));
    expectTypeOf(both).toEqualTypeOf<AllOf>();
    expectTypeOf(both).toExtend<RateLimiter>();
    expectTypeOf(both.parts).toEqualTypeOf<readonly import('../src/index.js').BaseRateLimiter[]>();
    // @ts-expect-error a number is not a limiter
    allOf(global, 5);
    // @ts-expect-error the clock comes from the parts
    new AllOf([global], { clock: global.clock });
    const perKey = new KeyedLimiter((_: string) => allOf(global, new TokenBucket({ capacity: 2, refillPerSecond: 1 })));
    expectTypeOf(perKey.get('a')).toEqualTypeOf<AllOf>();
  });
});

describe('reserve, events, stats', () => {
  test('reserve returns a Reservation; events are typed', () => {
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1 });
    const booking = bucket.reserve(1, { maxWait: 1_000 });
    expectTypeOf(booking).toEqualTypeOf<Reservation>();
    expectTypeOf(booking.ok).toEqualTypeOf<boolean>();
    expectTypeOf(booking.delay).toEqualTypeOf<number>();
    expectTypeOf(booking.cancel).toEqualTypeOf<() => void>();
    // @ts-expect-error reserve takes maxWait only
    bucket.reserve(1, { priority: 1 });
    expectTypeOf<LimiterEvent['type']>().toEqualTypeOf<LimiterEventType>();
    expectTypeOf<LimiterEventType>().toEqualTypeOf<'granted' | 'queued' | 'rejected' | 'aborted' | 'paused'>();
  });

  test('KeyedLimiter: key pools keep the key type; stats', () => {
    const perApiKey = new KeyedLimiter((_: 'key-a' | 'key-b') => new TokenBucket({ capacity: 1, refillPerSecond: 1 }));
    expectTypeOf(perApiKey.acquireAny(['key-a', 'key-b'])).toEqualTypeOf<Promise<'key-a' | 'key-b'>>();
    expectTypeOf(perApiKey.acquireNowaitAny(['key-a'])).toEqualTypeOf<'key-a' | 'key-b' | undefined>();
    // @ts-expect-error not one of the keys
    perApiKey.acquireNowaitAny(['key-c']);
    expectTypeOf(perApiKey.stats).toEqualTypeOf<KeyedLimiterStats>();
    expectTypeOf(perApiKey.reserve('key-a')).toEqualTypeOf<Reservation>();
  });
});

describe('parseRateLimitHeaders', () => {
  test('accepts the usual header shapes and returns optional numbers', () => {
    expectTypeOf(parseRateLimitHeaders(new Headers())).toEqualTypeOf<RateLimitHints>();
    parseRateLimitHeaders({ 'retry-after': '5', 'x-ratelimit-remaining': 0, 'set-cookie': ['a', 'b'] });
    parseRateLimitHeaders([['retry-after', '5']]);
    parseRateLimitHeaders(new Map([['retry-after', '5']]), 1_700_000_000_000);
    expectTypeOf<RateLimitHints['retryAfter']>().toEqualTypeOf<number | undefined>();
    // @ts-expect-error not headers
    parseRateLimitHeaders(5);
  });
});
