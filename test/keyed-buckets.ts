// A KeyedLimiter of token buckets on a manual clock, for the tests of KeyedLimiter.
import { KeyedLimiter, TokenBucket, type KeyedLimiterOptions, type TokenBucketOptions } from '../src/index.js';
import { createManualClock } from '../src/testing.js';

/**
 * A KeyedLimiter whose keys each get a TokenBucket of `bucket` (default: 1 token, 1 a second),
 * all on one manual clock; `created` lists the keys the factory was called with, in order.
 */
export function keyedBuckets(
  options: Omit<KeyedLimiterOptions, 'clock'> = {},
  bucket: Omit<TokenBucketOptions, 'clock'> = { capacity: 1, refillPerSecond: 1 },
) {
  const clock = createManualClock();
  const created: string[] = [];
  const keyed = new KeyedLimiter(
    (key: string) => {
      created.push(key);
      return new TokenBucket({ ...bucket, clock });
    },
    { ...options, clock },
  );
  return { clock, keyed, created };
}
