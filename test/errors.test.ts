import { describe, expect, test } from 'vitest';
import { isRateLimitError, RateLimitError } from '../src/index.js';

describe('RateLimitError', () => {
  test('carries message, name, reason, retryAfter and key', () => {
    const error = new RateLimitError('slow down', { reason: 'max-wait', retryAfter: 480, key: 'api.github.com' });
    expect(error.message).toBe('slow down');
    expect(error.name).toBe('RateLimitError');
    expect(error.reason).toBe('max-wait');
    expect(error.retryAfter).toBe(480);
    expect(error.key).toBe('api.github.com');
    expect(String(error)).toBe('RateLimitError: slow down');
    expect(typeof error.stack).toBe('string');
  });

  test('is an Error and a RateLimitError', () => {
    const error = new RateLimitError('x', { reason: 'queue-full', retryAfter: 0 });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(Object.prototype.toString.call(error)).toBe('[object Error]');
  });

  test('key is undefined when not given; retryAfter may be Infinity', () => {
    const error = new RateLimitError('never', { reason: 'max-wait', retryAfter: Infinity });
    expect(error.key).toBeUndefined();
    expect(error.retryAfter).toBe(Infinity);
  });

  test('keeps any key value as is, objects by identity', () => {
    const key = { tenant: 42 };
    expect(new RateLimitError('x', { reason: 'max-keys', retryAfter: 0, key }).key).toBe(key);
    expect(new RateLimitError('x', { reason: 'max-keys', retryAfter: 0, key: 7 }).key).toBe(7);
  });

  test('passes cause through like Error does', () => {
    const cause = new TypeError('root');
    const error = new RateLimitError('wrapped', { reason: 'rejected', retryAfter: 10, cause });
    expect(error.cause).toBe(cause);
  });

  test('has no cause property when none is given', () => {
    const error = new RateLimitError('x', { reason: 'rejected', retryAfter: 10 });
    expect('cause' in error).toBe(false);
    expect(error.cause).toBeUndefined();
  });

  test.each(['max-wait', 'max-keys', 'queue-full', 'rejected'] as const)('reason %s is kept', (reason) => {
    expect(new RateLimitError('x', { reason, retryAfter: 1 }).reason).toBe(reason);
  });
});

describe('isRateLimitError', () => {
  test('true for real instances, and for subclasses', () => {
    expect(isRateLimitError(new RateLimitError('x', { reason: 'max-wait', retryAfter: 5 }))).toBe(true);
    class MyError extends RateLimitError {}
    expect(isRateLimitError(new MyError('x', { reason: 'rejected', retryAfter: 5 }))).toBe(true);
  });

  test('true for a look-alike from another bundle: a plain object with the name, reason and retryAfter', () => {
    expect(isRateLimitError({ name: 'RateLimitError', reason: 'max-wait', retryAfter: 5, message: 'x' })).toBe(true);
    expect(isRateLimitError({ name: 'RateLimitError', reason: 'max-keys', retryAfter: Infinity })).toBe(true);
  });

  test('true for an Error named RateLimitError with reason and retryAfter (another copy of the class)', () => {
    const foreign = Object.assign(new Error('x'), { name: 'RateLimitError', reason: 'queue-full', retryAfter: 0 });
    expect(foreign).not.toBeInstanceOf(RateLimitError);
    expect(isRateLimitError(foreign)).toBe(true);

    class RateLimitErrorCopy extends Error {
      override readonly name = 'RateLimitError';
      readonly reason = 'max-wait';
      readonly retryAfter = 12;
    }
    expect(isRateLimitError(new RateLimitErrorCopy('x'))).toBe(true);
  });

  test('narrows the type', () => {
    const value: unknown = { name: 'RateLimitError', reason: 'max-wait', retryAfter: 5 };
    if (!isRateLimitError(value)) throw new Error('expected a rate-limit error');
    expect(value.retryAfter + 1).toBe(6);
  });

  test.each([
    ['undefined', undefined],
    ['null', null],
    ['the string "RateLimitError"', 'RateLimitError'],
    ['a number', 429],
    ['a plain Error', new Error('boom')],
    ['a TypeError', new TypeError('bad')],
    ['an Error named RateLimitError without reason and retryAfter', Object.assign(new Error('x'), { name: 'RateLimitError' })],
    ['a look-alike without reason', { name: 'RateLimitError', retryAfter: 5 }],
    ['a look-alike without retryAfter', { name: 'RateLimitError', reason: 'max-wait' }],
    ['a look-alike with a string retryAfter', { name: 'RateLimitError', reason: 'max-wait', retryAfter: '5' }],
    ['a look-alike with a numeric reason', { name: 'RateLimitError', reason: 1, retryAfter: 5 }],
    ['an object with another name', { name: 'HTTPError', reason: 'max-wait', retryAfter: 5 }],
    ['a function', () => undefined],
  ])('false for %s', (_, value) => {
    expect(isRateLimitError(value)).toBe(false);
  });
});
