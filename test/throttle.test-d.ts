// Type tests for throttle (vitest typecheck: checked by tsc, never run).
import { describe, expectTypeOf, test } from 'vitest';
import { KeyedLimiter, throttle, throttleFetch, TokenBucket, type FetchRule, type ThrottleFetchOptions, type ThrottleOptions, type Throttled } from '../src/index.js';

const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 1 });
const perTenant = new KeyedLimiter((_tenant: string) => new TokenBucket({ capacity: 5, refillPerSecond: 1 }));
const perId = new KeyedLimiter((_id: number) => new TokenBucket({ capacity: 5, refillPerSecond: 1 }));

interface User {
  id: number;
  name: string;
}

declare function getUser(id: number, options?: { fields: string[] }): Promise<User>;
declare function add(a: number, b: number): number;

describe('throttle: the wrapper keeps the function type', () => {
  test("parameters are fn's, the result a promise of fn's awaited result", () => {
    const throttledGet = throttle(getUser, { limiter: bucket });
    expectTypeOf(throttledGet).parameters.toEqualTypeOf<Parameters<typeof getUser>>();
    expectTypeOf(throttledGet(1)).toEqualTypeOf<Promise<User>>();
    expectTypeOf(throttledGet(1, { fields: ['name'] })).toEqualTypeOf<Promise<User>>();
    // @ts-expect-error the id is a number
    void throttledGet('1');
    // @ts-expect-error a required parameter is missing
    void throttledGet();
    // @ts-expect-error too many arguments
    void throttledGet(1, undefined, 3);
  });

  test('a synchronous fn gives a promise of its result', () => {
    const throttledAdd = throttle(add, { limiter: bucket });
    expectTypeOf(throttledAdd(1, 2)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(throttledAdd).toEqualTypeOf<Throttled<typeof add>>();
  });

  test('a nested promise is flattened, as await does', () => {
    const nested = throttle(async () => Promise.resolve('x'), { limiter: bucket });
    expectTypeOf(nested()).toEqualTypeOf<Promise<string>>();
  });

  test('this is kept', () => {
    class Api {
      base = 'https://api.example.com';
      async get(this: Api, path: string): Promise<string> {
        return this.base + path;
      }
    }
    const get = throttle(Api.prototype.get, { limiter: bucket });
    expectTypeOf(get).thisParameter.toEqualTypeOf<Api>();
    void get.call(new Api(), '/users');
    // @ts-expect-error `this` must be an Api
    void get.call({}, '/users');
  });
});

describe('throttle: options', () => {
  test('a KeyedLimiter requires key, and key returns its key type', () => {
    throttle(getUser, { limiter: perId, key: (id) => id });
    throttle(getUser, { limiter: perTenant, key: (id) => `tenant-${id}` });
    // @ts-expect-error a KeyedLimiter without key
    throttle(getUser, { limiter: perTenant });
    // @ts-expect-error the key type is a string, key returns a number
    throttle(getUser, { limiter: perTenant, key: (id) => id });
  });

  test('a plain limiter takes no key', () => {
    // @ts-expect-error key is only for a KeyedLimiter
    throttle(getUser, { limiter: bucket, key: (id: number) => id });
  });

  test("key and cost receive fn's parameter types", () => {
    throttle(getUser, {
      limiter: perTenant,
      key: (id, options) => {
        expectTypeOf(id).toEqualTypeOf<number>();
        expectTypeOf(options).toEqualTypeOf<{ fields: string[] } | undefined>();
        return String(id);
      },
      cost: (id, options) => {
        expectTypeOf(id).toEqualTypeOf<number>();
        return options?.fields.length ?? 1;
      },
    });
    // @ts-expect-error cost's parameter is fn's id, a number
    throttle(getUser, { limiter: bucket, cost: (id: string) => id.length });
    // @ts-expect-error key must take fn's parameters
    throttle(getUser, { limiter: perTenant, key: (id: string) => id });
  });

  test('the other options and their types', () => {
    const options: ThrottleOptions<typeof getUser> = {
      limiter: bucket,
      cost: 2,
      mode: 'reject',
      maxWait: 1_000,
      priority: 1,
      signal: new AbortController().signal,
      maxConcurrent: 4,
    };
    throttle(getUser, options);
    // @ts-expect-error an unknown mode
    throttle(getUser, { limiter: bucket, mode: 'drop' });
    // @ts-expect-error an unknown option
    throttle(getUser, { limiter: bucket, concurrency: 2 });
    // @ts-expect-error maxWait is a number of ms
    throttle(getUser, { limiter: bucket, maxWait: '1s' });
    // @ts-expect-error limiter is required
    throttle(getUser, { maxConcurrent: 2 });
    // @ts-expect-error not a limiter
    throttle(getUser, { limiter: { capacity: 5 } });
  });
});

describe('throttleFetch', () => {
  test("has fetch's exact type", () => {
    const apiFetch = throttleFetch({ rules: [{ match: 'https://api.example.com/*', limit: { capacity: 5, refillPerSecond: 1 } }] });
    expectTypeOf(apiFetch).toEqualTypeOf<typeof fetch>();
    expectTypeOf(apiFetch('https://api.example.com/x')).toEqualTypeOf<Promise<Response>>();
    void apiFetch(new URL('https://api.example.com/x'), { method: 'POST', body: 'x' });
    void apiFetch(new Request('https://api.example.com/x'));
  });

  test('options and rules', () => {
    const rule: FetchRule = { match: /api/, method: ['GET', 'HEAD'], limiter: perTenant, key: (request) => new URL(request.url).host, cost: 2 };
    throttleFetch({ rules: [rule], unmatched: { capacity: 10, refillPerSecond: 5 }, retry: { limit: 3, statuses: [429] }, maxConcurrent: 4 });
    throttleFetch({ unmatched: 'pass', retry: true, fetch: globalThis.fetch });
    // @ts-expect-error an unknown unmatched mode
    throttleFetch({ unmatched: 'drop' });
    // @ts-expect-error a rule needs match
    throttleFetch({ rules: [{ limit: { capacity: 1, refillPerSecond: 1 } }] });
    // @ts-expect-error an unknown retry option
    throttleFetch({ retry: { tries: 3 } });
    // @ts-expect-error a predicate receives a Request
    throttleFetch({ rules: [{ match: (url: number) => url > 0, limiter: bucket }] });
    const options: ThrottleFetchOptions = { mode: 'reject', maxWait: 1_000 };
    throttleFetch(options);
  });
});
