/**
 * Why a {@link RateLimitError} was raised.
 *
 * @example
 * ```ts
 * const reason: RateLimitReason = 'max-wait';
 * ```
 */
export type RateLimitReason =
  /** `acquire` predicted a wait longer than its `maxWait`. */
  | 'max-wait'
  /** A `KeyedLimiter` holds `maxKeys` keys and none of them can be dropped. */
  | 'max-keys'
  /** A bounded queue is full. */
  | 'queue-full'
  /** A caller asked to fail fast and no token was there. */
  | 'rejected';

/**
 * Options of {@link RateLimitError}.
 *
 * @example
 * ```ts
 * new RateLimitError('busy', { reason: 'max-keys', retryAfter: 0, key: 'tenant-1' });
 * ```
 */
export interface RateLimitErrorOptions {
  /** Why the call was refused. */
  reason: RateLimitReason;
  /** Milliseconds after which the same call could succeed; `Infinity` when it never can. */
  retryAfter: number;
  /** The key of a keyed limiter, when there is one. */
  key?: unknown;
  /** The error that led to this one, if any. */
  cause?: unknown;
}

/**
 * A call was refused by a limiter: it would have waited too long, a queue was full, or the
 * caller asked to fail fast. Check it with {@link isRateLimitError}, which also recognises
 * instances from another copy of this package.
 *
 * @example
 * ```ts
 * try {
 *   await bucket.acquire(1, { maxWait: 100 });
 * } catch (error) {
 *   if (isRateLimitError(error)) console.log(error.reason, error.retryAfter); //=> 'max-wait' 480
 * }
 * ```
 */
export class RateLimitError extends Error {
  override readonly name = 'RateLimitError' as const;
  /** Why the call was refused. */
  readonly reason: RateLimitReason;
  /** Milliseconds after which the same call could succeed; `Infinity` when it never can. */
  readonly retryAfter: number;
  /** The key of a keyed limiter, `undefined` for a plain limiter. */
  readonly key: unknown;

  /**
   * @param message - a human-readable description.
   * @param options - reason, retryAfter, key and cause.
   */
  constructor(message: string, options: RateLimitErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options.reason;
    this.retryAfter = options.retryAfter;
    this.key = options.key;
  }
}

/**
 * Tells whether `value` is a {@link RateLimitError}, also one created by another copy of this
 * package (two bundles on one page), by its `name`, `reason` and `retryAfter`.
 *
 * @param value - anything, typically a caught error.
 * @returns `true` for a rate-limit error.
 * @example
 * ```ts
 * isRateLimitError(new RateLimitError('slow down', { reason: 'max-wait', retryAfter: 5 })); //=> true
 * isRateLimitError(new Error('boom')); //=> false
 * ```
 */
export function isRateLimitError(value: unknown): value is RateLimitError {
  if (value instanceof RateLimitError) return true;
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<RateLimitError>;
  return (
    candidate.name === 'RateLimitError' &&
    typeof candidate.reason === 'string' &&
    typeof candidate.retryAfter === 'number'
  );
}
