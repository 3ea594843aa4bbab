export { systemClock, createSystemClock, wallTime, MAX_TIMEOUT, SUSPEND_THRESHOLD, type Clock, type SystemClockOptions } from './clock.js';
export { RateLimitError, isRateLimitError, type RateLimitReason, type RateLimitErrorOptions } from './errors.js';
export { BaseRateLimiter, LIMITER_OPTIONS, type RateLimiter, type AcquireOptions, type RateLimiterStats, type LimiterOptions, type LimiterEvent, type LimiterEventType, type Reservation, type ReserveOptions } from './rate-limiter.js';
export { TokenBucket, type TokenBucketOptions } from './token-bucket.js';
export { FixedWindow, type FixedWindowOptions } from './fixed-window.js';
export { SlidingWindowLog, type SlidingWindowLogOptions, type SlidingWindow } from './sliding-window-log.js';
export { KeyedLimiter, type KeyedLimiterOptions, type KeyedLimiterStats } from './keyed-limiter.js';
export { throttle, type ThrottleOptions, type ThrottleCommonOptions, type ThrottleLimiterOptions, type ThrottleKeyedOptions, type ThrottleMode, type Throttled, type AnyFunction } from './throttle.js';
export { parseRateLimitHeaders, type RateLimitHints, type HeadersLike } from './server-hints.js';
