// throttleFetch: the pure behaviour on the manual clock with an injected fake fetch (every
// environment), then end-to-end runs against the local rate-limited server of
// test/setup/rate-limited-server.ts on the real clock (Node, happy-dom and Chromium).
import fc from 'fast-check';
import { afterEach, describe, expect, inject, test, vi } from 'vitest';
import { allOf } from '../src/all-of.js';
import {
  isRateLimitError,
  KeyedLimiter,
  RateLimitError,
  throttleFetch,
  TokenBucket,
  type FetchRule,
  type ThrottleFetchOptions,
} from '../src/index.js';
import { createManualClock, type ManualClock } from '../src/testing.js';
import { urlParts } from '../src/throttle-fetch.js';
import { rejection, track } from './settle.js';

/** What the fake fetch saw of one request. */
interface Sent {
  url: string;
  method: string;
  body: string | null;
  at: number;
}

type Respond = (request: Request, n: number) => Response | Promise<Response>;

/** A fetch that records each request and answers with `respond` (200 by default). */
function fakeFetch(clock: ManualClock, respond: Respond = () => new Response('ok')) {
  const sent: Sent[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const body = request.body === null ? null : await request.text();
    sent.push({ url: request.url, method: request.method, body, at: clock.now() });
    return respond(request, sent.length);
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

function setup(options: Omit<ThrottleFetchOptions, 'fetch' | 'clock'> = {}, respond?: Respond) {
  const clock = createManualClock();
  const fake = fakeFetch(clock, respond);
  const fetch = throttleFetch({ ...options, fetch: fake.fetch, clock });
  return { clock, fetch, sent: fake.sent };
}

function status(code: number, headers: Record<string, string> = {}): Response {
  return new Response(code === 204 ? null : 'x', { status: code, headers });
}

/** Flushes promise callbacks. */
async function flush(): Promise<void> {
  for (let i = 0; i < 50; i++) await undefined;
}

/**
 * Moves the manual clock on in steps until `done()`. Reading a body (`request.text()`) takes
 * turns of the event loop in browsers, not only promise callbacks, so each step also yields one
 * turn (no real time is waited for).
 */
async function advanceUntil(clock: ManualClock, done: () => boolean, step = 100, most = 1_000): Promise<void> {
  for (let i = 0; i < most && !done(); i++) {
    await new Promise((turn) => setTimeout(turn, 0));
    await clock.advance(step);
  }
  if (!done()) throw new Error('advanceUntil: still not done');
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('throttleFetch: a drop-in fetch', () => {
  test('returns the response fetch resolved with, for string, URL and Request inputs', async () => {
    const answer = new Response('hello', { status: 201, headers: { 'x-a': '1' } });
    const { fetch, sent } = setup({}, () => answer);
    expect(await fetch('https://api.example.com/a')).toBe(answer);
    await fetch(new URL('https://api.example.com/b?x=1'));
    await fetch(new Request('https://api.example.com/c', { method: 'PUT', body: 'data' }));
    await fetch('https://api.example.com/d', { method: 'post', body: 'payload', headers: { 'x-test': '1' } });
    expect(sent.map(({ url, method, body }) => [url, method, body])).toEqual([
      ['https://api.example.com/a', 'GET', null],
      ['https://api.example.com/b?x=1', 'GET', null],
      ['https://api.example.com/c', 'PUT', 'data'],
      ['https://api.example.com/d', 'POST', 'payload'],
    ]);
  });

  test("rejects as fetch does: fetch's own errors pass through", async () => {
    const { fetch } = setup({}, () => {
      throw new TypeError('Failed to fetch');
    });
    const error = await rejection(fetch('https://api.example.com/a'));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('Failed to fetch');
  });

  test('an invalid URL rejects with a TypeError, nothing sent', async () => {
    const { fetch, sent } = setup();
    expect(await rejection(fetch('http://['))).toBeInstanceOf(TypeError);
    expect(sent).toEqual([]);
  });

  test('the default fetch is globalThis.fetch, looked up at call time and called on globalThis', async () => {
    const seen: unknown[] = [];
    const throttled = throttleFetch({ clock: createManualClock() });
    vi.stubGlobal('fetch', function (this: unknown, input: string) {
      seen.push(this, input);
      return Promise.resolve(new Response('stubbed'));
    });
    expect(await (await throttled('https://api.example.com/x')).text()).toBe('stubbed');
    expect(seen).toEqual([globalThis, 'https://api.example.com/x']);
  });
});

describe('throttleFetch: the fast path', () => {
  test('a request whose tokens are there reaches fetch within the call, input and init as given', async () => {
    const seen: unknown[][] = [];
    const clock = createManualClock();
    const throttled = throttleFetch({
      rules: [{ match: 'https://api.example.com/*', limit: { capacity: 2, refillPerSecond: 1 } }],
      fetch: ((...args: unknown[]) => {
        seen.push(args);
        return Promise.resolve(new Response('ok'));
      }) as typeof globalThis.fetch,
      clock,
    });
    const init = { method: 'POST', body: 'x' };
    const url = new URL('https://api.example.com/b');
    const calls = [throttled('https://api.example.com/a', init), throttled(url), throttled('https://api.example.com/c')];
    expect(seen).toEqual([
      ['https://api.example.com/a', init],
      [url, undefined],
    ]);
    expect(seen[0]![1]).toBe(init);
    await clock.advance(1_000);
    await Promise.all(calls);
    expect(seen).toHaveLength(3);
  });
});

describe('throttleFetch: rules', () => {
  /** Whether `pattern` covers `url`, asked through a rule with a probe limiter. */
  async function matches(match: FetchRule['match'], url: string, init?: RequestInit): Promise<boolean> {
    const clock = createManualClock();
    const probe = new TokenBucket({ capacity: 100, refillPerSecond: 0, clock });
    const fetch = throttleFetch({ rules: [{ match, limiter: probe }], unmatched: 'pass', fetch: fakeFetch(clock).fetch, clock });
    await fetch(url, init);
    return probe.stats.granted === 1;
  }

  test.each([
    ['https://api.example.com/*', 'https://api.example.com/v1/users', true],
    ['https://api.example.com/*', 'https://api.example.com', true],
    ['https://api.example.com/*', 'https://API.Example.com/v1', true],
    ['https://api.example.com/*', 'http://api.example.com/v1', false],
    ['https://api.example.com/*', 'https://api.example.com.evil.test/v1', false],
    ['https://api.example.com/*', 'https://api.example.com:8443/v1', false],
    ['https://api.example.com:8443/*', 'https://api.example.com:8443/v1', true],
    ['https://api.example.com', 'https://api.example.com/any/path?q=1', true],
    ['https://*.example.com/v1/users/*', 'https://eu.example.com/v1/users/42', true],
    ['https://*.example.com/v1/users/*', 'https://eu.example.com/v1/users/42/posts?page=2', true],
    ['https://*.example.com/v1/users/*', 'https://example.com/v1/users/42', false],
    ['https://*.example.com/v1/users/*', 'https://evil.test/x.example.com/v1/users/42', false],
    ['https://*.example.com/v1/users/*', 'https://eu.example.com/v1/users', false],
    ['https://*.example.com/v1/users/*', 'https://eu.example.com/v2/users/1', false],
    ['https://api.example.com/v1/*/items', 'https://api.example.com/v1/a/b/items', true],
    ['https://api.example.com/search', 'https://api.example.com/search?q=cats', true],
    ['https://api.example.com/search?q=*', 'https://api.example.com/search?q=cats', true],
    ['https://api.example.com/search?q=*', 'https://api.example.com/search', false],
    ['https://api.example.com/a+b(c)/*', 'https://api.example.com/a+b(c)/d', true],
    ['https://api.example.com/a+b(c)/*', 'https://api.example.com/aab(c)/d', false],
    ['/api/*', 'https://anywhere.test/api/v1', true],
    ['/api/*', 'https://anywhere.test/v1/api/x', false],
    ['*', 'https://anything.test/at/all', true],
    // URLs as `URL` reads them: dot segments, encodings, IP addresses, IDNs, ports.
    ['https://api.example.com/v1/*', 'https://api.example.com/v2/../v1/x', true],
    ['https://api.example.com/v1/*', 'https://api.example.com/v1/%2e%2E/x', false],
    ['https://api.example.com/a%20b', 'https://api.example.com/a b', true],
    ['https://127.0.0.1/*', 'https://0x7f.1/x', true],
    ['https://xn--nxasmq6b.com/*', 'https://XN--NXASMQ6B.com/x', true],
    ['https://api.example.com/*', 'https://api.example.com.:443/x', false],
    ['https://api.example.com/*', 'https://api.example.com:443/x', true],
    ['https://api.example.com/x', 'https://api.example.com/x#part', true],
    ['https://api.example.com/x?q=1', 'https://api.example.com/x?q=1#part', true],
    // A blob: URL's origin is that of the URL inside it, and its path is that URL.
    ['https://a.test*', 'blob:https://a.test/1b2c', true],
    ['https://a.test/*', 'blob:https://a.test/1b2c', false],
  ])('pattern %s vs %s: %s', async (pattern, url, want) => {
    expect(await matches(pattern, url)).toBe(want);
  });

  test('a RegExp is tested against the full URL, also with the g flag', async () => {
    expect(await matches(/^https:\/\/api\.example\.com\/v\d+\//, 'https://api.example.com/v2/x')).toBe(true);
    expect(await matches(/\?page=\d+$/, 'https://api.example.com/x?page=3')).toBe(true);
    const global = /example/g;
    expect(await matches(global, 'https://example.com/')).toBe(true);
    expect(await matches(global, 'https://example.com/')).toBe(true);
    expect(await matches(/^http:/, 'https://example.com/')).toBe(false);
  });

  test('a predicate receives the Request', async () => {
    const seen: Request[] = [];
    const predicate = (request: Request): boolean => {
      seen.push(request);
      return request.headers.get('authorization') !== null;
    };
    expect(await matches(predicate, 'https://api.example.com/x', { headers: { authorization: 'Bearer t' }, method: 'DELETE' })).toBe(true);
    expect(await matches(predicate, 'https://api.example.com/x')).toBe(false);
    expect(seen[0]).toBeInstanceOf(Request);
    expect(seen[0]!.method).toBe('DELETE');
    expect(seen[0]!.url).toBe('https://api.example.com/x');
  });

  test('method filter: a method or a list, any case; other methods fall through to the next rule', async () => {
    const clock = createManualClock();
    const writes = new TokenBucket({ capacity: 100, refillPerSecond: 0, clock });
    const reads = new TokenBucket({ capacity: 100, refillPerSecond: 0, clock });
    const fetch = throttleFetch({
      rules: [
        { match: 'https://api.example.com/*', method: ['post', 'PUT', 'Delete'], limiter: writes },
        { match: 'https://api.example.com/*', method: 'get', limiter: reads },
      ],
      unmatched: 'pass',
      fetch: fakeFetch(clock).fetch,
      clock,
    });
    await fetch('https://api.example.com/x', { method: 'POST', body: '1' });
    await fetch('https://api.example.com/x', { method: 'delete' });
    await fetch(new Request('https://api.example.com/x', { method: 'PUT', body: '2' }));
    await fetch('https://api.example.com/x');
    await fetch('https://api.example.com/x', { method: 'PATCH', body: '3' });
    expect([writes.stats.granted, reads.stats.granted]).toEqual([3, 1]);
  });

  test('first match wins', async () => {
    const clock = createManualClock();
    const [first, second] = [0, 1].map(() => new TokenBucket({ capacity: 100, refillPerSecond: 0, clock }));
    const fetch = throttleFetch({
      rules: [
        { match: 'https://api.example.com/search*', limiter: first! },
        { match: 'https://api.example.com/*', limiter: second! },
      ],
      fetch: fakeFetch(clock).fetch,
      clock,
    });
    await fetch('https://api.example.com/search?q=1');
    await fetch('https://api.example.com/users');
    expect([first!.stats.granted, second!.stats.granted]).toEqual([1, 1]);
  });

  test('limit: a token bucket per origin by default', async () => {
    const { clock, fetch, sent } = setup({ rules: [{ match: 'https://*.example.com/*', limit: { capacity: 1, refillPerSecond: 1 } }] });
    const calls = [
      fetch('https://a.example.com/1'),
      fetch('https://a.example.com/2'),
      fetch('https://b.example.com/1'),
      fetch('https://a.example.com/3'),
    ];
    await clock.advance(0);
    expect(sent.map(({ url, at }) => [url, at])).toEqual([
      ['https://a.example.com/1', 0],
      ['https://b.example.com/1', 0],
    ]);
    await clock.advance(2_000);
    await Promise.all(calls);
    expect(sent.map(({ url, at }) => [url, at])).toEqual([
      ['https://a.example.com/1', 0],
      ['https://b.example.com/1', 0],
      ['https://a.example.com/2', 1_000],
      ['https://a.example.com/3', 2_000],
    ]);
  });

  test('key and cost are functions of the request', async () => {
    const clock = createManualClock();
    const seen: string[] = [];
    const perPath = new KeyedLimiter((_path: string) => new TokenBucket({ capacity: 3, refillPerSecond: 1, clock }), { clock });
    const fetch = throttleFetch({
      rules: [
        {
          match: 'https://api.example.com/*',
          limiter: perPath,
          key: (request) => new URL(request.url).pathname,
          cost: (request) => (seen.push(request.method), request.method === 'POST' ? 3 : 1),
        },
      ],
      fetch: fakeFetch(clock).fetch,
      clock,
    });
    await fetch('https://api.example.com/a', { method: 'POST', body: 'x' });
    await fetch('https://api.example.com/b');
    expect(perPath.get('/a').available).toBe(0);
    expect(perPath.get('/b').available).toBe(2);
    expect(seen).toEqual(['POST', 'GET']);
  });

  test('limit and limiter stacked: a global limit and a per-origin limit in one rule, atomically', async () => {
    const clock = createManualClock();
    const global = new TokenBucket({ capacity: 3, refillPerSecond: 0, clock });
    const fetch = throttleFetch({
      rules: [{ match: 'https://*.example.com/*', limiter: global, limit: { capacity: 2, refillPerSecond: 0 }, mode: 'reject' }],
      fetch: fakeFetch(clock).fetch,
      clock,
    });
    await fetch('https://a.example.com/');
    await fetch('https://a.example.com/');
    // a's own bucket is empty: refused, and the global keeps its token.
    expect(await rejection(fetch('https://a.example.com/'))).toMatchObject({ name: 'RateLimitError', reason: 'rejected' });
    expect(global.available).toBe(1);
    await fetch('https://b.example.com/');
    expect(global.available).toBe(0);
    // b's own bucket has one left, but the global is empty.
    expect(await rejection(fetch('https://b.example.com/'))).toMatchObject({ reason: 'rejected' });
  });

  test('stacked with your KeyedLimiter: its per-key limiter is a part, charged per key', async () => {
    const clock = createManualClock();
    const tenants = new KeyedLimiter((_origin: string) => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock }), { clock });
    const fetch = throttleFetch({
      rules: [{ match: '*', limiter: tenants, limit: { capacity: 5, refillPerSecond: 1 }, mode: 'reject' }],
      fetch: fakeFetch(clock).fetch,
      clock,
    });
    await fetch('https://a.test/');
    expect(await rejection(fetch('https://a.test/'))).toMatchObject({ reason: 'rejected' });
    expect(tenants.get('https://a.test').available).toBe(0);
    await fetch('https://b.test/');
    // Used directly elsewhere, the same per-key limiter is the one the rule sees.
    await clock.advance(1_000);
    expect(tenants.acquireNowait('https://a.test')).toBe(true);
    expect(await rejection(fetch('https://a.test/'))).toMatchObject({ reason: 'rejected' });
  });

  test('stacked composites are the allOf of the parts', () => {
    // The building block used above, spelled out.
    const clock = createManualClock();
    const global = new TokenBucket({ capacity: 2, refillPerSecond: 1, clock });
    const composite = allOf(global, new TokenBucket({ capacity: 1, refillPerSecond: 1, clock }));
    expect(composite.acquireNowait()).toBe(true);
    expect(composite.acquireNowait()).toBe(false);
    expect(global.available).toBe(1);
  });

  test('mode reject: RateLimitError with retryAfter, nothing sent', async () => {
    const { fetch, sent } = setup({ rules: [{ match: '*', limit: { capacity: 1, refillPerSecond: 2 }, mode: 'reject' }] });
    await fetch('https://api.example.com/');
    const error = await rejection(fetch('https://api.example.com/'));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ reason: 'rejected', retryAfter: 500, key: 'https://api.example.com' });
    expect(sent).toHaveLength(1);
  });

  test('maxWait: top level as the default, a rule may override it', async () => {
    const { fetch, clock } = setup({
      maxWait: 100,
      rules: [
        { match: 'https://slow.test/*', limit: { capacity: 1, refillPerSecond: 1 }, maxWait: 5_000 },
        { match: '*', limit: { capacity: 1, refillPerSecond: 1 } },
      ],
    });
    await fetch('https://fast.test/');
    expect(await rejection(fetch('https://fast.test/'))).toMatchObject({ reason: 'max-wait', retryAfter: 1_000 });
    await fetch('https://slow.test/');
    const waited = track(fetch('https://slow.test/'));
    await clock.advance(1_000);
    await flush();
    expect(waited.settled).toBe(true);
    expect(isRateLimitError(waited.error)).toBe(false);
  });

  test('maxConcurrent: per key, until the response arrives', async () => {
    const clock = createManualClock();
    const pending: (() => void)[] = [];
    const inFlight = new Map<string, number>();
    let most = 0;
    const fetch = throttleFetch({
      rules: [{ match: '*', limit: { capacity: 100, refillPerSecond: 100 }, maxConcurrent: 2 }],
      fetch: ((input: string) => {
        const origin = new URL(input).origin;
        inFlight.set(origin, (inFlight.get(origin) ?? 0) + 1);
        most = Math.max(most, inFlight.get(origin)!);
        return new Promise<Response>((resolve) =>
          pending.push(() => {
            inFlight.set(origin, inFlight.get(origin)! - 1);
            resolve(new Response('ok'));
          }),
        );
      }) as typeof globalThis.fetch,
      clock,
    });
    const calls = [...Array(5).fill('https://a.test/'), ...Array(5).fill('https://b.test/')].map((url: string) => fetch(url));
    await flush();
    expect(Object.fromEntries(inFlight)).toEqual({ 'https://a.test': 2, 'https://b.test': 2 });
    while (pending.length > 0) {
      pending.shift()!();
      await flush();
    }
    await Promise.all(calls);
    expect(most).toBe(2);
  });
});

describe('throttleFetch: reading URLs', () => {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  /** What `URL` makes of `text`: the parts the rules read, or the error's name. */
  function viaUrl(text: string): object | string {
    try {
      const { origin, pathname, search, href } = new URL(text, base);
      return { origin, pathname, search, href };
    } catch (error) {
      return (error as Error).name;
    }
  }
  function viaParts(text: string): object | string {
    try {
      const { origin, pathname, search, href } = urlParts(text, true);
      return { origin, pathname, search, href };
    } catch (error) {
      return (error as Error).name;
    }
  }

  test.each([
    'https://api.example.com/v1/users/42',
    'http://a.test',
    'https://a.test?',
    'https://a.test?q=1/2?3',
    'https://a.test/x?',
    "https://a.test/~!$&'()*+,;=:@%zz",
    'https://-a-.b--c.test/',
    'https://a.1b/',
    'https://1.2.3/',
    'https://a.test./',
    'https://a..test/',
    'https://A.test/',
    'HTTPS://a.test/',
    'https://xn--nxasmq6b.com/',
    'https://xn--a.com/',
    'https://a.test/.well-known/x',
    'https://a.test/a/%2E%2e/b',
    "https://a.test/x?a='b'",
    'https://a.test/a{b}',
    'https://a.test/a\\b',
    'https://a.test/a\tb',
    'https://a.test/ü',
    'https://a.test/x#y',
    'ftp://a.test/x',
    'http://[',
  ])('%s as URL reads it', (text) => {
    expect(viaParts(text)).toEqual(viaUrl(text));
  });

  test('any URL near the plain form: the parts URL gives, or its error', () => {
    const chars = (set: string, maxLength: number) => fc.array(fc.constantFrom(...set), { maxLength }).map((each) => each.join(''));
    const label = fc.oneof(chars('abz09-', 6), fc.constantFrom('xn--', 'xn--nxasmq6b', '0x7f', 'A', '1'));
    const host = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
    const tail = chars("/.%2eE?#az09-_~!$&'()*+,;=:@ \\t{}|^`[]\"<>ü", 14);
    const scheme = fc.constantFrom('https://', 'http://', 'HTTP://', 'ws://', 'https:', 'https:///', '');
    fc.assert(
      fc.property(scheme, host, fc.constantFrom('', ':443', ':8080', 'u:p@'), tail, (s, h, port, t) => {
        const text = port.endsWith('@') ? `${s}${port}${h}${t}` : `${s}${h}${port}${t}`;
        expect(viaParts(text), text).toEqual(viaUrl(text));
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('throttleFetch: unmatched requests', () => {
  test("'origin' (default): no limit, but a 429 pauses that origin", async () => {
    const { clock, fetch, sent } = setup({}, (request) =>
      request.url.endsWith('/limited') ? status(429, { 'retry-after': '5' }) : new Response('ok'),
    );
    for (let i = 0; i < 20; i++) await fetch('https://a.test/');
    expect((await fetch('https://a.test/limited')).status).toBe(429);
    const later = fetch('https://a.test/');
    expect((await fetch('https://b.test/')).status).toBe(200);
    await clock.advance(4_999);
    expect(sent).toHaveLength(22);
    await clock.advance(1);
    await later;
    expect(sent.at(-1)).toMatchObject({ url: 'https://a.test/', at: 5_000 });
  });

  test("'pass': exactly fetch, hints ignored", async () => {
    const { fetch, sent } = setup({ unmatched: 'pass' }, () => status(429, { 'retry-after': '60' }));
    await fetch('https://a.test/');
    await fetch('https://a.test/');
    expect(sent.map(({ at }) => at)).toEqual([0, 0]);
  });

  test('a limit: a token bucket per origin', async () => {
    const { clock, fetch, sent } = setup({ unmatched: { capacity: 2, refillPerSecond: 1 } });
    const calls = ['https://a.test/', 'https://a.test/', 'https://a.test/', 'https://b.test/'].map((url) => fetch(url));
    await clock.advance(1_000);
    await Promise.all(calls);
    expect(sent.map(({ url, at }) => `${url}@${at}`)).toEqual(['https://a.test/@0', 'https://a.test/@0', 'https://b.test/@0', 'https://a.test/@1000']);
  });

  test('requests a rule matches are not limited by unmatched', async () => {
    const { fetch, sent } = setup({ unmatched: { capacity: 1, refillPerSecond: 0 }, rules: [{ match: 'https://free.test/*', limit: { capacity: 10, refillPerSecond: 0 } }] });
    for (let i = 0; i < 5; i++) await fetch('https://free.test/x');
    expect(sent).toHaveLength(5);
  });
});

describe('throttleFetch: server hints', () => {
  const rules = [{ match: '*', limit: { capacity: 100, refillPerSecond: 100 } }];

  test('a 429 with Retry-After pauses the key for that long; other keys go on', async () => {
    let answer = status(429, { 'retry-after': '3' });
    const { clock, fetch, sent } = setup({ rules }, () => answer);
    expect((await fetch('https://a.test/')).status).toBe(429);
    answer = new Response('ok');
    const later = fetch('https://a.test/');
    await fetch('https://b.test/');
    await clock.advance(2_999);
    expect(sent).toHaveLength(2);
    await clock.advance(1);
    expect((await later).status).toBe(200);
    expect(sent.at(-1)!.at).toBe(3_000);
  });

  test('remaining 0 on a success pauses until the reset', async () => {
    const { clock, fetch, sent } = setup({ rules }, () => new Response('ok', { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2' } }));
    await fetch('https://a.test/');
    const later = fetch('https://a.test/');
    await clock.advance(2_000);
    await later;
    expect(sent.map(({ at }) => at)).toEqual([0, 2_000]);
  });

  test('a 503 with a RateLimit field pauses until its reset', async () => {
    let answer = status(503, { ratelimit: '"default";r=0;t=4' });
    const { clock, fetch, sent } = setup({ rules }, () => answer);
    await fetch('https://a.test/');
    answer = new Response('ok');
    const later = fetch('https://a.test/');
    await clock.advance(4_000);
    await later;
    expect(sent.map(({ at }) => at)).toEqual([0, 4_000]);
  });

  test('a later, shorter hint never shortens a pause', async () => {
    const answers = [status(429, { 'retry-after': '10' }), status(429, { 'retry-after': '1' })];
    const clock = createManualClock();
    const sent: number[] = [];
    const keyed = new KeyedLimiter((_origin: string) => new TokenBucket({ capacity: 100, refillPerSecond: 100, clock }), { clock });
    const fetch = throttleFetch({
      rules: [{ match: '*', limiter: keyed }],
      fetch: (() => (sent.push(clock.now()), Promise.resolve(answers.shift() ?? new Response('ok')))) as typeof globalThis.fetch,
      clock,
    });
    // Two requests in flight before either answer arrives: the second answer asks for less.
    const first = fetch('https://a.test/');
    const second = fetch('https://a.test/');
    await Promise.all([first, second]);
    const third = fetch('https://a.test/');
    await clock.advance(9_999);
    expect(sent).toEqual([0, 0]);
    await clock.advance(1);
    await third;
    expect(sent).toEqual([0, 0, 10_000]);
  });

  test('a 429 with no hint backs off 1 s, 2 s, 4 s … up to 60 s; a success starts over', async () => {
    let code = 429;
    const { clock, fetch, sent } = setup({ rules }, () => status(code));
    const pauses: number[] = [];
    let last = 0;
    for (let i = 0; i < 9; i++) {
      const call = fetch('https://a.test/');
      // Step until the request is sent.
      while (sent.length === i) await clock.advance(100);
      await call;
      pauses.push(sent.at(-1)!.at - last);
      last = sent.at(-1)!.at;
    }
    expect(pauses).toEqual([0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    // A success after the pause resets the backoff.
    code = 200;
    const ok = fetch('https://a.test/');
    await clock.advance(60_000);
    expect((await ok).status).toBe(200);
    code = 429;
    await fetch('https://a.test/');
    const next = track(fetch('https://a.test/'));
    await clock.advance(999);
    expect(next.settled).toBe(false);
    await clock.advance(1);
    await flush();
    expect(next.settled).toBe(true);
  });

  test('the backoff is per key, and a success drops its state', async () => {
    const clock = createManualClock();
    const keyed = new KeyedLimiter((_origin: string) => new TokenBucket({ capacity: 100, refillPerSecond: 100, clock }), { clock });
    let code = 429;
    const fetch = throttleFetch({
      rules: [{ match: '*', limiter: keyed }],
      fetch: (() => Promise.resolve(status(code))) as typeof globalThis.fetch,
      clock,
    });
    await fetch('https://a.test/');
    expect(keyed.timeToAvailable('https://a.test')).toBe(1_000);
    expect(keyed.timeToAvailable('https://b.test')).toBe(0);
    await clock.advance(1_000);
    code = 200;
    await fetch('https://a.test/');
    code = 429;
    await fetch('https://a.test/');
    expect(keyed.timeToAvailable('https://a.test')).toBe(1_000);
  });

  test('a plain limiter is paused as a whole', async () => {
    const clock = createManualClock();
    const shared = new TokenBucket({ capacity: 100, refillPerSecond: 100, clock });
    const fetch = throttleFetch({
      rules: [{ match: '*', limiter: shared }],
      fetch: (() => Promise.resolve(status(429, { 'retry-after': '2' }))) as typeof globalThis.fetch,
      clock,
    });
    await fetch('https://a.test/');
    expect(shared.timeToAvailable()).toBe(2_000);
  });
});

describe('throttleFetch: retries', () => {
  const rules = [{ match: '*', limit: { capacity: 100, refillPerSecond: 100 } }];

  test('off by default: the 429 is returned', async () => {
    const { fetch, sent } = setup({ rules }, () => status(429, { 'retry-after': '1' }));
    expect((await fetch('https://a.test/')).status).toBe(429);
    expect(sent).toHaveLength(1);
  });

  test("a 429 is retried after the server's wait, through the limiter", async () => {
    const answers = [status(429, { 'retry-after': '2' }), new Response('done')];
    const { clock, fetch, sent } = setup({ rules, retry: true }, () => answers.shift()!);
    const call = track(fetch('https://a.test/x'));
    await clock.advance(1_999);
    expect(call.settled).toBe(false);
    await clock.advance(1);
    await flush();
    expect(call.settled).toBe(true);
    expect(await call.value!.text()).toBe('done');
    expect(sent.map(({ at }) => at)).toEqual([0, 2_000]);
  });

  test('at most `limit` retries; the last response is returned', async () => {
    const { clock, fetch, sent } = setup({ rules, retry: { limit: 2 } }, () => status(503, { 'retry-after': '1' }));
    const call = fetch('https://a.test/');
    await clock.advance(5_000);
    expect((await call).status).toBe(503);
    expect(sent.map(({ at }) => at)).toEqual([0, 1_000, 2_000]);
  });

  test('retries use the backoff when the server gives no hint', async () => {
    const answers = [status(429), status(429), new Response('ok')];
    const { clock, fetch, sent } = setup({ rules, retry: true }, () => answers.shift()!);
    const call = fetch('https://a.test/');
    await clock.advance(10_000);
    expect((await call).status).toBe(200);
    expect(sent.map(({ at }) => at)).toEqual([0, 1_000, 3_000]);
  });

  test('a wait longer than maxRetryAfter returns the response at once', async () => {
    const { fetch, sent } = setup({ rules, retry: { maxRetryAfter: 10_000 } }, () => status(429, { 'retry-after': '30' }));
    expect((await fetch('https://a.test/')).status).toBe(429);
    expect(sent).toHaveLength(1);
  });

  test('a retry that maxWait cannot allow returns the response', async () => {
    const { fetch, sent } = setup({ rules, maxWait: 500, retry: true }, () => status(429, { 'retry-after': '2' }));
    expect((await fetch('https://a.test/')).status).toBe(429);
    expect(sent).toHaveLength(1);
  });

  test('only the statuses asked for', async () => {
    const { fetch, sent } = setup({ rules, retry: { statuses: [429] } }, () => status(503, { 'retry-after': '1' }));
    expect((await fetch('https://a.test/')).status).toBe(503);
    expect(sent).toHaveLength(1);
  });

  test('non-idempotent methods are not retried (unless listed)', async () => {
    const { fetch, sent } = setup({ rules, retry: true }, () => status(429, { 'retry-after': '1' }));
    expect((await fetch('https://a.test/', { method: 'POST', body: 'x' })).status).toBe(429);
    expect((await fetch('https://b.test/', { method: 'PATCH', body: 'x' })).status).toBe(429);
    expect(sent).toHaveLength(2);
    const listed = setup({ rules, retry: { methods: ['post'], limit: 1 } }, () => status(429, { 'retry-after': '1' }));
    const call = listed.fetch('https://a.test/', { method: 'POST', body: 'x' });
    await advanceUntil(listed.clock, () => listed.sent.length === 2);
    await call;
    expect(listed.sent.map(({ body }) => body)).toEqual(['x', 'x']);
    expect(listed.sent[1]!.at).toBeGreaterThanOrEqual(1_000);
  });

  test('replayable bodies are sent again intact: string, URLSearchParams, Blob, ArrayBuffer, FormData, Request', async () => {
    const bodies: [string, () => Parameters<typeof fetch>][] = [
      ['string', () => ['https://a.test/', { method: 'PUT', body: 'text' }]],
      ['URLSearchParams', () => ['https://a.test/', { method: 'PUT', body: new URLSearchParams({ a: '1' }) }]],
      ['Blob', () => ['https://a.test/', { method: 'PUT', body: new Blob(['blob']) }]],
      ['ArrayBuffer', () => ['https://a.test/', { method: 'PUT', body: new TextEncoder().encode('bytes').buffer }]],
      ['Uint8Array', () => ['https://a.test/', { method: 'PUT', body: new TextEncoder().encode('view') }]],
      ['Request', () => [new Request('https://a.test/', { method: 'PUT', body: 'in a request' })]],
    ];
    for (const [, args] of bodies) {
      const answers = [status(429, { 'retry-after': '1' }), new Response('ok')];
      const { clock, fetch, sent } = setup({ rules, retry: true }, () => answers.shift()!);
      const call = fetch(...args());
      await advanceUntil(clock, () => sent.length === 2);
      expect((await call).status).toBe(200);
      expect(sent).toHaveLength(2);
      expect(sent[1]!.at).toBeGreaterThanOrEqual(1_000);
      expect(sent[1]!.body).toBe(sent[0]!.body);
      expect(sent[0]!.body).not.toBe('');
    }
  });

  test('a ReadableStream body is not retried', async () => {
    const { fetch, sent } = setup({ rules, retry: true }, () => status(429, { 'retry-after': '1' }));
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('stream'));
        controller.close();
      },
    });
    const init = { method: 'PUT', body, duplex: 'half' } as RequestInit;
    expect((await fetch('https://a.test/', init)).status).toBe(429);
    expect(sent).toHaveLength(1);
  });

  test('retries in reject mode still wait for the pause', async () => {
    const answers = [status(429, { 'retry-after': '1' }), new Response('ok')];
    const { clock, fetch } = setup({ rules, mode: 'reject', retry: true }, () => answers.shift()!);
    const call = fetch('https://a.test/');
    await clock.advance(1_000);
    expect((await call).status).toBe(200);
    // A new request meanwhile would have been refused; the retry was not.
  });
});

describe('throttleFetch: abort', () => {
  const rules = [{ match: '*', limit: { capacity: 1, refillPerSecond: 1 } }];

  test('during the wait: rejects with the reason, no token taken, nothing sent', async () => {
    const { clock, fetch, sent } = setup({ rules });
    await fetch('https://a.test/');
    const controller = new AbortController();
    const waiting = rejection(fetch('https://a.test/', { signal: controller.signal }));
    await clock.advance(500);
    controller.abort(new Error('left the page'));
    expect(await waiting).toMatchObject({ message: 'left the page' });
    await clock.advance(500);
    // The token that came back is there for the next request.
    await fetch('https://a.test/');
    expect(sent.map(({ at }) => at)).toEqual([0, 1_000]);
  });

  test("the Request's own signal ends the wait too", async () => {
    const { clock, fetch, sent } = setup({ rules });
    await fetch('https://a.test/');
    const controller = new AbortController();
    const waiting = rejection(fetch(new Request('https://a.test/', { signal: controller.signal })));
    await clock.advance(100);
    controller.abort();
    expect((await waiting) as Error).toMatchObject({ name: 'AbortError' });
    expect(sent).toHaveLength(1);
  });

  test('an aborted signal rejects at once', async () => {
    const { fetch, sent } = setup({ rules });
    const reason = new Error('already');
    expect(await rejection(fetch('https://a.test/', { signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(sent).toHaveLength(0);
  });

  test('during a retry wait: rejects with the reason', async () => {
    const { clock, fetch, sent } = setup({ rules: [{ match: '*', limit: { capacity: 5, refillPerSecond: 5 } }], retry: true }, () =>
      status(429, { 'retry-after': '10' }),
    );
    const controller = new AbortController();
    const call = rejection(fetch('https://a.test/', { signal: controller.signal }));
    await clock.advance(1_000);
    controller.abort(new Error('gave up'));
    expect(await call).toMatchObject({ message: 'gave up' });
    expect(sent).toHaveLength(1);
  });

  test('while waiting for a concurrency slot', async () => {
    const clock = createManualClock();
    let release!: () => void;
    const fetch = throttleFetch({
      rules: [{ match: '*', limit: { capacity: 10, refillPerSecond: 1 }, maxConcurrent: 1 }],
      fetch: (() => new Promise<Response>((resolve) => (release = () => resolve(new Response('ok'))))) as typeof globalThis.fetch,
      clock,
    });
    const first = fetch('https://a.test/');
    const controller = new AbortController();
    const second = rejection(fetch('https://a.test/', { signal: controller.signal }));
    await flush();
    controller.abort(new Error('no slot'));
    expect(await second).toMatchObject({ message: 'no slot' });
    release();
    expect((await first).status).toBe(200);
  });
});

describe('throttleFetch: options', () => {
  const clock = createManualClock();
  const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 1, clock });

  test.each([
    ['unknown option', { rule: [] }, TypeError, /Unknown option `rule`/],
    ['fetch not a function', { fetch: 'x' }, TypeError, /`fetch`/],
    ['rules not an array', { rules: {} }, TypeError, /`rules`/],
    ['a rule without match', { rules: [{ limit: { capacity: 1, refillPerSecond: 1 } }] }, TypeError, /`rules\[0\]\.match`/],
    ['a rule with neither limit nor limiter', { rules: [{ match: '*' }] }, TypeError, /`rules\[0\]` to be a rule with `limit` or `limiter`/],
    ['an unknown rule option', { rules: [{ match: '*', limit: { capacity: 1, refillPerSecond: 1 }, concurrency: 1 }] }, TypeError, /Unknown option `concurrency` in `rules\[0\]`/],
    ['a bad pattern', { rules: [{ match: 'api.example.com/*', limiter: bucket }] }, TypeError, /`rules\[0\]\.match` to be a URL pattern/],
    ['a match of another type', { rules: [{ match: 42, limiter: bucket }] }, TypeError, /`rules\[0\]\.match`/],
    ['a bad limit', { rules: [{ match: '*', limit: { capacity: 0, refillPerSecond: 1 } }] }, RangeError, /`rules\[0\]\.limit\.capacity`/],
    ['an unknown limit option', { rules: [{ match: '*', limit: { capacity: 1, rate: 1 } }] }, TypeError, /Unknown option `rate`/],
    ['a limiter that is none', { rules: [{ match: '*', limiter: {} }] }, TypeError, /`rules\[0\]\.limiter`/],
    ['a bad method', { rules: [{ match: '*', limiter: bucket, method: [] }] }, TypeError, /`rules\[0\]\.method`/],
    ['a bad key', { rules: [{ match: '*', limiter: bucket, key: 'origin' }] }, TypeError, /`rules\[0\]\.key`/],
    ['a bad cost', { rules: [{ match: '*', limiter: bucket, cost: -1 }] }, RangeError, /`rules\[0\]\.cost`/],
    ['a bad mode', { mode: 'drop' }, TypeError, /`mode`/],
    ['a bad maxConcurrent in a rule', { rules: [{ match: '*', limiter: bucket, maxConcurrent: 0 }] }, RangeError, /`maxConcurrent`/],
    ['a bad unmatched', { unmatched: 'none' }, TypeError, /`unmatched`/],
    ['a bad unmatched limit', { unmatched: { capacity: 1 } }, TypeError, /`unmatched\.refillPerSecond`/],
    ['a bad retry limit', { retry: { limit: 1.5 } }, RangeError, /`retry\.limit`/],
    ['an unknown retry option', { retry: { tries: 2 } }, TypeError, /Unknown option `tries` in `retry`/],
    ['bad retry statuses', { retry: { statuses: ['429'] } }, TypeError, /`retry\.statuses`/],
    ['a bad clock', { clock: Date }, TypeError, /`clock`/],
  ])('%s', (_name, options, ErrorClass, message) => {
    const make = () => throttleFetch(options as ThrottleFetchOptions);
    expect(make).toThrow(ErrorClass);
    expect(make).toThrow(message);
  });

  test('no options: a fetch that honours hints per origin', () => {
    expect(typeof throttleFetch()).toBe('function');
  });
});

// ---------------------------------------------------------------------------------------------
// End to end, against the local server on the real clock, in every environment: Node's fetch,
// happy-dom's own fetch (which reaches the server too; it logs each 4xx response and the socket
// of the aborted request to the console, which is noise, not failure) and Chromium's.
const serverUrl = inject('serverUrl');

let run = 0;
/** A bucket path on the server unique to this test run. */
function bucketUrl(capacity: number, perSecond: number): string {
  return `${serverUrl}/bucket/${capacity}/${perSecond}/${Date.now().toString(36)}-${++run}-${Math.random().toString(36).slice(2, 8)}`;
}

async function stats(bucket: string): Promise<{ granted: number; refused: number }> {
  const id = bucket.split('/').at(-1)!;
  return (await (await fetch(`${serverUrl}/stats/${id}`)).json()) as { granted: number; refused: number };
}

describe('throttleFetch against a rate-limited server', () => {
  test('a rule within the server limit: 200 requests, no 429', async () => {
    // The server: bursts of 20, 200 per second. The rule: 100 per second and bursts of 5. A
    // client-side limiter times the sends, the server counts arrivals, and on a loaded machine
    // (three test environments at once on two cores) arrivals bunch up by 100 ms and more: at
    // half the server's rate, the server's bucket stays nearly full and absorbs a bunch of 15.
    // A first request warms the fetch stack.
    const bucket = bucketUrl(20, 200);
    await (await fetch(`${serverUrl}/echo/warm-up`)).arrayBuffer();
    const throttled = throttleFetch({ rules: [{ match: `${bucket}/*`, limit: { capacity: 5, refillPerSecond: 100 } }] });
    const started = performance.now();
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => throttled(`${bucket}/item/${i}`)));
    const elapsed = performance.now() - started;
    const codes = responses.map((response) => response.status);
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    expect(codes.filter((code) => code !== 200)).toEqual([]);
    expect(await stats(bucket)).toEqual({ granted: 200, refused: 0 });
    // (200 - 5) / 100 per second: about 1.95 s, never less.
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
  }, 15_000);

  test("a too generous rule: the server's 429 hints bring it back under the limit, every request gets its 200", async () => {
    const bucket = bucketUrl(5, 100);
    const throttled = throttleFetch({
      rules: [{ match: `${bucket}/*`, limit: { capacity: 100, refillPerSecond: 1_000 }, maxConcurrent: 3 }],
      retry: { limit: 10 },
    });
    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => throttled(`${bucket}/item/${i}`)));
    const codes = responses.map((response) => response.status);
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    expect(codes.filter((code) => code !== 200)).toEqual([]);
    const seen = await stats(bucket);
    expect(seen.granted).toBe(60);
    // The server did have to refuse some: the rule alone would have sent them all at once.
    expect(seen.refused).toBeGreaterThan(0);
  }, 15_000);

  test('without retries the same rule returns the 429s, and pauses after them', async () => {
    const bucket = bucketUrl(2, 20);
    const throttled = throttleFetch({ rules: [{ match: `${bucket}/*`, limit: { capacity: 100, refillPerSecond: 1_000 } }] });
    const first = await Promise.all(Array.from({ length: 4 }, () => throttled(`${bucket}/x`)));
    expect(first.map((response) => response.status).sort()).toEqual([200, 200, 429, 429]);
    await Promise.all(first.map((response) => response.arrayBuffer()));
    // The 429 said: one token in 50 ms. The next request waits for it.
    const started = performance.now();
    const next = await throttled(`${bucket}/x`);
    expect(next.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  }, 15_000);

  test('unmatched origins are paused by a 429 with Retry-After-Ms', async () => {
    const throttled = throttleFetch();
    const limited = await throttled(`${serverUrl}/status/429?retry-after-ms=150`);
    expect(limited.status).toBe(429);
    await limited.arrayBuffer();
    const started = performance.now();
    const next = await throttled(`${serverUrl}/echo/after`);
    expect(next.status).toBe(200);
    await next.arrayBuffer();
    expect(performance.now() - started).toBeGreaterThanOrEqual(120);
  });

  test('Request objects, URL objects and init reach the server as given', async () => {
    const throttled = throttleFetch({ rules: [{ match: `${serverUrl}/echo/*`, limit: { capacity: 10, refillPerSecond: 10 } }] });
    const fromString = await (await throttled(`${serverUrl}/echo/a?x=1`)).json();
    const fromUrl = await (await throttled(new URL(`${serverUrl}/echo/b`))).json();
    const fromInit = await (
      await throttled(`${serverUrl}/echo/c`, { method: 'POST', body: 'hello', headers: { 'x-test': 'init', 'content-type': 'text/plain' } })
    ).json();
    const fromRequest = await (
      await throttled(new Request(`${serverUrl}/echo/d`, { method: 'PUT', body: 'put', headers: { 'x-test': 'request' } }))
    ).json();
    expect(fromString).toMatchObject({ method: 'GET', path: '/echo/a', search: '?x=1', body: '' });
    expect(fromUrl).toMatchObject({ method: 'GET', path: '/echo/b' });
    expect(fromInit).toMatchObject({ method: 'POST', path: '/echo/c', body: 'hello', headers: { 'x-test': 'init', 'content-type': 'text/plain' } });
    expect(fromRequest).toMatchObject({ method: 'PUT', path: '/echo/d', body: 'put', headers: { 'x-test': 'request' } });
  });

  test('method filter against the server: only the listed method is limited', async () => {
    const bucket = bucketUrl(100, 100);
    const throttled = throttleFetch({
      rules: [{ match: `${bucket}/*`, method: 'DELETE', limit: { capacity: 1, refillPerSecond: 0.001 }, mode: 'reject' }],
      unmatched: 'pass',
    });
    expect((await throttled(`${bucket}/x`, { method: 'DELETE' })).status).toBe(200);
    expect(await rejection(throttled(`${bucket}/x`, { method: 'DELETE' }))).toMatchObject({ reason: 'rejected' });
    const gets = await Promise.all(Array.from({ length: 5 }, () => throttled(`${bucket}/x`)));
    expect(gets.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
  });

  test('abort during the wait: rejects, nothing reaches the server', async () => {
    const bucket = bucketUrl(100, 100);
    const throttled = throttleFetch({ rules: [{ match: `${bucket}/*`, limit: { capacity: 1, refillPerSecond: 0.5 } }] });
    expect((await throttled(`${bucket}/x`)).status).toBe(200);
    const controller = new AbortController();
    const waiting = rejection(throttled(`${bucket}/x`, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 20);
    expect(await waiting).toMatchObject({ name: 'AbortError' });
    expect(await stats(bucket)).toEqual({ granted: 1, refused: 0 });
  });

  test('abort during the fetch: rejects with the reason, as fetch does', async () => {
    const controller = new AbortController();
    const throttled = throttleFetch({
      rules: [{ match: `${serverUrl}/slow/*`, limit: { capacity: 1, refillPerSecond: 1 }, maxConcurrent: 1 }],
      fetch: (input, init) => {
        const sent = globalThis.fetch(input, init);
        setTimeout(() => controller.abort(), 30);
        return sent;
      },
    });
    const started = performance.now();
    expect(await rejection(throttled(`${serverUrl}/slow/5000`, { signal: controller.signal }))).toMatchObject({ name: 'AbortError' });
    expect(performance.now() - started).toBeLessThan(4_000);
  });
});
