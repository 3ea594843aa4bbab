export { systemClock, createSystemClock, wallTime, MAX_TIMEOUT, SUSPEND_THRESHOLD, type Clock, type SystemClockOptions } from './clock.js';
export { RateLimitError, isRateLimitError, type RateLimitReason, type RateLimitErrorOptions } from './errors.js';
export { BaseRateLimiter, type RateLimiter, type AcquireOptions, type RateLimiterStats, type LimiterOptions, type LimiterEvent, type LimiterEventType, type Reservation, type ReserveOptions } from './rate-limiter.js';
export { TokenBucket, type TokenBucketOptions } from './token-bucket.js';
export { KeyedLimiter, type KeyedLimiterOptions, type KeyedLimiterStats } from './keyed-limiter.js';
