// parseRateLimitHeaders: every form of every vendor, on fixed instants, in every input shape.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseRateLimitHeaders, type HeadersLike, type RateLimitHints } from '../src/index.js';

/** 2025-01-01T00:00:00Z, the `now` of every case unless it says otherwise. */
const NOW = Date.UTC(2025, 0, 1);
const NOW_S = NOW / 1000;
const MAX = Number.MAX_SAFE_INTEGER;

interface Case {
  name: string;
  headers: Record<string, string>;
  now?: number;
  want: RateLimitHints;
}

function check(cases: readonly Case[]): void {
  test.each(cases)('$name', ({ headers, now = NOW, want }) => {
    expect(parseRateLimitHeaders(headers, now)).toStrictEqual(want);
    // The same from a fetch Headers.
    expect(parseRateLimitHeaders(new Headers(headers), now)).toStrictEqual(want);
  });
}

describe('Retry-After', () => {
  check([
    { name: 'delta seconds', headers: { 'retry-after': '120' }, want: { retryAfter: 120_000 } },
    { name: 'zero', headers: { 'retry-after': '0' }, want: { retryAfter: 0 } },
    { name: 'fractional seconds', headers: { 'retry-after': '1.5' }, want: { retryAfter: 1_500 } },
    { name: 'decimals without binary noise', headers: { 'retry-after': '1.005' }, want: { retryAfter: 1_005 } },
    { name: 'surrounding spaces', headers: { 'retry-after': '  30 ' }, want: { retryAfter: 30_000 } },
    { name: 'IMF-fixdate, read against now', headers: { 'retry-after': 'Wed, 01 Jan 2025 00:02:00 GMT' }, want: { retryAfter: 120_000 } },
    {
      name: 'IMF-fixdate, read against the Date header (skew cancels)',
      headers: { 'retry-after': 'Wed, 01 Jan 2025 00:02:00 GMT', date: 'Wed, 01 Jan 2025 00:01:00 GMT' },
      now: NOW + 3_600_000, // this clock is an hour ahead of the server's
      want: { retryAfter: 60_000 },
    },
    {
      name: 'the Date header is ignored when it is no date',
      headers: { 'retry-after': 'Wed, 01 Jan 2025 00:02:00 GMT', date: 'yesterday' },
      want: { retryAfter: 120_000 },
    },
    { name: 'RFC 850 date', headers: { 'retry-after': 'Wednesday, 01-Jan-25 00:02:00 GMT' }, want: { retryAfter: 120_000 } },
    {
      name: 'RFC 850 two-digit year more than 50 years ahead is from the last century',
      headers: { 'retry-after': 'Sunday, 06-Nov-94 08:49:37 GMT', date: 'Sun, 06 Nov 1994 08:49:00 GMT' },
      want: { retryAfter: 37_000 },
    },
    { name: 'asctime date', headers: { 'retry-after': 'Wed Jan  1 00:02:00 2025' }, want: { retryAfter: 120_000 } },
    { name: 'a date in the past clamps to 0', headers: { 'retry-after': 'Sun, 06 Nov 1994 08:49:37 GMT' }, want: { retryAfter: 0 } },
    { name: 'day and month names in any case', headers: { 'retry-after': 'wed, 01 JAN 2025 00:00:01 GMT' }, want: { retryAfter: 1_000 } },
    { name: 'repeated: the first value', headers: { 'retry-after': '120, 60' }, want: { retryAfter: 120_000 } },
    {
      name: 'repeated dates: the first one',
      headers: { 'retry-after': 'Wed, 01 Jan 2025 00:02:00 GMT, Wed, 01 Jan 2025 00:05:00 GMT' },
      want: { retryAfter: 120_000 },
    },
    { name: 'Retry-After-Ms wins', headers: { 'retry-after-ms': '250.5', 'retry-after': '1' }, want: { retryAfter: 250.5 } },
    { name: 'a bad Retry-After-Ms falls back', headers: { 'retry-after-ms': 'soon', 'retry-after': '1' }, want: { retryAfter: 1_000 } },
    { name: 'negative is ignored', headers: { 'retry-after': '-5' }, want: {} },
    { name: 'exponent is ignored', headers: { 'retry-after': '1e400' }, want: {} },
    { name: 'NaN is ignored', headers: { 'retry-after': 'NaN' }, want: {} },
    { name: 'Infinity is ignored', headers: { 'retry-after': 'Infinity' }, want: {} },
    { name: 'empty is ignored', headers: { 'retry-after': '' }, want: {} },
    { name: 'hex is ignored', headers: { 'retry-after': '0x10' }, want: {} },
    { name: 'Feb 30 is ignored', headers: { 'retry-after': 'Sun, 30 Feb 2025 00:00:00 GMT' }, want: {} },
    { name: '25 o’clock is ignored', headers: { 'retry-after': 'Wed, 01 Jan 2025 25:00:00 GMT' }, want: {} },
    { name: 'a local date is ignored', headers: { 'retry-after': 'Wed, 01 Jan 2025 00:02:00 CET' }, want: {} },
    { name: 'huge seconds cap at MAX_SAFE_INTEGER ms', headers: { 'retry-after': '99999999999999999999' }, want: { retryAfter: MAX } },
    { name: '400 digits cap too', headers: { 'retry-after': '9'.repeat(400) }, want: { retryAfter: MAX } },
    { name: 'a year-9999 date is far, not negative', headers: { 'retry-after': 'Fri, 31 Dec 9999 23:59:59 GMT' }, want: { retryAfter: Date.UTC(9999, 11, 31, 23, 59, 59) - NOW } },
  ]);
});

describe('X-RateLimit-* and friends', () => {
  check([
    {
      name: 'GitHub: epoch-seconds reset against now',
      headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': String(NOW_S + 3600), 'x-ratelimit-used': '1' },
      want: { limit: 5000, remaining: 4999, reset: 3_600_000 },
    },
    {
      name: 'GitHub: epoch-seconds reset against the Date header',
      headers: { 'x-ratelimit-reset': String(NOW_S + 3600), date: 'Wed, 01 Jan 2025 00:10:00 GMT' },
      now: NOW + 123_456,
      want: { reset: 3_000_000 },
    },
    { name: 'delta seconds reset', headers: { 'x-ratelimit-reset': '60' }, want: { reset: 60_000 } },
    { name: '1e9 seconds is still a delta', headers: { 'x-ratelimit-reset': '1000000000' }, want: { reset: 1e12 } },
    { name: 'epoch milliseconds reset', headers: { 'x-ratelimit-reset': String(NOW + 500) }, want: { reset: 500 } },
    { name: 'an epoch in the past clamps to 0', headers: { 'x-ratelimit-reset': String(NOW_S - 10) }, want: { reset: 0 } },
    {
      name: 'Discord: Reset-After (fractional seconds) wins over Reset',
      headers: { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1470173023.123', 'x-ratelimit-reset-after': '1.337', 'x-ratelimit-bucket': 'abcd1234' },
      want: { limit: 5, remaining: 0, reset: 1_337 },
    },
    { name: 'Discord: fractional epoch seconds', headers: { 'x-ratelimit-reset': String(NOW_S + 1) + '.25' }, want: { reset: 1_250 } },
    {
      name: 'Twitter/X: X-Rate-Limit-*',
      headers: { 'x-rate-limit-limit': '900', 'x-rate-limit-remaining': '899', 'x-rate-limit-reset': String(NOW_S + 900) },
      want: { limit: 900, remaining: 899, reset: 900_000 },
    },
    {
      name: 'OpenAI: -requests with Go durations',
      headers: {
        'x-ratelimit-limit-requests': '5000',
        'x-ratelimit-remaining-requests': '4999',
        'x-ratelimit-reset-requests': '12ms',
        'x-ratelimit-limit-tokens': '160000',
        'x-ratelimit-reset-tokens': '9ms',
      },
      want: { limit: 5000, remaining: 4999, reset: 12 },
    },
    { name: 'Go duration 6m0s', headers: { 'x-ratelimit-reset-requests': '6m0s' }, want: { reset: 360_000 } },
    { name: 'Go duration 1h2m3.5s', headers: { 'x-ratelimit-reset': '1h2m3.5s' }, want: { reset: 3_723_500 } },
    { name: 'Go duration 1s on X-RateLimit-Reset', headers: { 'x-ratelimit-reset': '1s' }, want: { reset: 1_000 } },
    { name: 'Go duration 500us', headers: { 'x-ratelimit-reset': '500us' }, want: { reset: 0.5 } },
    { name: 'not a Go duration: 5 parsecs', headers: { 'x-ratelimit-reset': '5pc' }, want: {} },
    {
      name: 'Anthropic: RFC 3339 reset',
      headers: { 'anthropic-ratelimit-requests-limit': '50', 'anthropic-ratelimit-requests-remaining': '49', 'anthropic-ratelimit-requests-reset': '2025-01-01T00:00:30Z' },
      want: { limit: 50, remaining: 49, reset: 30_000 },
    },
    { name: 'RFC 3339 with an offset and fraction', headers: { 'x-ratelimit-reset': '2025-01-01T01:00:30.5+01:00' }, want: { reset: 30_500 } },
    { name: 'HTTP date reset against Date', headers: { 'x-ratelimit-reset': 'Wed, 01 Jan 2025 00:01:00 GMT', date: 'Wed, 01 Jan 2025 00:00:30 GMT' }, want: { reset: 30_000 } },
    {
      name: 'older draft: RateLimit-Limit with policies gives the window',
      headers: { 'ratelimit-limit': '10, 10;w=1, 1000;w=3600', 'ratelimit-remaining': '3', 'ratelimit-reset': '7' },
      want: { limit: 10, remaining: 3, reset: 7_000, window: 1_000 },
    },
    { name: 'a w on the limit itself (Envoy)', headers: { 'x-ratelimit-limit': '100;w=60' }, want: { limit: 100, window: 60_000 } },
    { name: 'RateLimit-* wins over X-RateLimit-*', headers: { 'ratelimit-remaining': '1', 'x-ratelimit-remaining': '2' }, want: { remaining: 1 } },
    { name: 'X-RateLimit-* fills what RateLimit-* lacks', headers: { 'ratelimit-remaining': '1', 'x-ratelimit-limit': '9' }, want: { limit: 9, remaining: 1 } },
    { name: 'a bad value falls back to the next family', headers: { 'ratelimit-remaining': 'lots', 'x-ratelimit-remaining': '2' }, want: { remaining: 2 } },
    { name: 'fractional counts are kept', headers: { 'x-ratelimit-remaining': '2.5' }, want: { remaining: 2.5 } },
    { name: 'Azure’s -1 means unknown', headers: { 'x-ratelimit-limit-requests': '-1', 'x-ratelimit-remaining-requests': '-1', 'x-ratelimit-reset-requests': '0' }, want: { reset: 0 } },
    { name: 'a count beyond 2^53 is left out', headers: { 'x-ratelimit-remaining': '9007199254740993', 'x-ratelimit-limit': '1' + '0'.repeat(30) }, want: {} },
    { name: 'a huge reset caps', headers: { 'x-ratelimit-reset': '9'.repeat(400) }, want: { reset: MAX } },
    { name: 'repeated counts: the first', headers: { 'x-ratelimit-remaining': '4, 9' }, want: { remaining: 4 } },
  ]);
});

describe('IETF RateLimit / RateLimit-Policy', () => {
  check([
    {
      name: 'one policy',
      headers: { ratelimit: '"default";r=0;t=30', 'ratelimit-policy': '"default";q=100;w=60' },
      want: { remaining: 0, reset: 30_000, limit: 100, window: 60_000, policy: 'default' },
    },
    {
      name: 'several: the smallest remaining wins, its policy gives limit and window',
      headers: { ratelimit: '"burst";r=5;t=1, "daily";r=100;t=3600', 'ratelimit-policy': '"burst";q=10;w=1, "daily";q=1000;w=86400' },
      want: { remaining: 5, reset: 1_000, limit: 10, window: 1_000, policy: 'burst' },
    },
    {
      name: 'several with equal remaining: the longest reset wins',
      headers: { ratelimit: '"burst";r=0;t=1, "daily";r=0;t=3600', 'ratelimit-policy': '"burst";q=10;w=1, "daily";q=1000;w=86400' },
      want: { remaining: 0, reset: 3_600_000, limit: 1000, window: 86_400_000, policy: 'daily' },
    },
    {
      name: 'order does not matter',
      headers: { ratelimit: '"daily";r=100;t=3600, "burst";r=5;t=1' },
      want: { remaining: 5, reset: 1_000, policy: 'burst' },
    },
    { name: 'a token name', headers: { ratelimit: 'default;r=3;t=2' }, want: { remaining: 3, reset: 2_000, policy: 'default' } },
    { name: 'a w on RateLimit', headers: { ratelimit: '"default";r=3;t=2;w=10' }, want: { remaining: 3, reset: 2_000, window: 10_000, policy: 'default' } },
    { name: 'a decimal t', headers: { ratelimit: '"default";r=1;t=1.5' }, want: { remaining: 1, reset: 1_500, policy: 'default' } },
    { name: 'pk and qu parameters are skipped', headers: { ratelimit: '"a";r=1;t=2;pk=:cHJvamVjdC0xMjM=:', 'ratelimit-policy': '"a";q=5;qu="requests";w=9;pk=:cHJvamVjdC0xMjM=:' }, want: { remaining: 1, reset: 2_000, limit: 5, window: 9_000, policy: 'a' } },
    {
      name: 'no matching policy name: no limit',
      headers: { ratelimit: '"default";r=0;t=30', 'ratelimit-policy': '"other";q=100;w=60' },
      want: { remaining: 0, reset: 30_000, policy: 'default' },
    },
    {
      name: 'policies only: the smallest rate q/w',
      headers: { 'ratelimit-policy': '"burst";q=100;w=60, "daily";q=1000;w=86400' },
      want: { limit: 1000, window: 86_400_000, policy: 'daily' },
    },
    { name: 'draft 07 dictionary', headers: { ratelimit: 'limit=100, remaining=50, reset=30' }, want: { limit: 100, remaining: 50, reset: 30_000 } },
    {
      name: 'draft 07 dictionary with unnamed policies: paired by quota',
      headers: { ratelimit: 'limit=1000, remaining=50, reset=30', 'ratelimit-policy': '100;w=60, 1000;w=3600' },
      want: { limit: 1000, remaining: 50, reset: 30_000, window: 3_600_000 },
    },
    {
      name: 'structured wins over older and X- fields',
      headers: { ratelimit: '"default";r=0;t=30', 'ratelimit-remaining': '7', 'x-ratelimit-remaining': '8', 'x-ratelimit-limit': '100' },
      want: { remaining: 0, reset: 30_000, policy: 'default', limit: 100 },
    },
    {
      name: 'a malformed structured field is ignored whole, the others still read',
      headers: { ratelimit: '"default;r=0;t=30', 'x-ratelimit-remaining': '8' },
      want: { remaining: 8 },
    },
    { name: 'an exponent breaks the field', headers: { ratelimit: '"a";r=1e400;t=1' }, want: {} },
    { name: 'a 16-digit integer breaks the field', headers: { ratelimit: '"a";r=1234567890123456' }, want: {} },
    { name: 'a trailing comma breaks the field', headers: { ratelimit: '"a";r=1,' }, want: {} },
    { name: 'upper-case parameter keys break the field', headers: { ratelimit: '"a";R=1' }, want: {} },
    { name: 'a negative r is skipped', headers: { ratelimit: '"a";r=-1;t=5' }, want: { reset: 5_000, policy: 'a' } },
    { name: 'an item without r or t is skipped', headers: { ratelimit: '"a";x=1, "b";r=2' }, want: { remaining: 2, policy: 'b' } },
    { name: 'a zero window is skipped', headers: { 'ratelimit-policy': '"a";q=5;w=0' }, want: { limit: 5, policy: 'a' } },
    { name: 'inner lists and booleans parse', headers: { ratelimit: '(a b);x=1, "c";r=1;flag=?1;t=2' }, want: { remaining: 1, reset: 2_000, policy: 'c' } },
    { name: 'escaped quotes in names', headers: { ratelimit: String.raw`"a\"b";r=1` }, want: { remaining: 1, policy: 'a"b' } },
  ]);
});

describe('header names are case-insensitive', () => {
  check([
    { name: 'Retry-After', headers: { 'Retry-After': '5' }, want: { retryAfter: 5_000 } },
    { name: 'X-RATELIMIT-REMAINING', headers: { 'X-RATELIMIT-REMAINING': '5' }, want: { remaining: 5 } },
    { name: 'RateLimit / RateLimit-Policy', headers: { RateLimit: '"d";r=1;t=2', 'RateLimit-Policy': '"d";q=3;w=4' }, want: { remaining: 1, reset: 2_000, limit: 3, window: 4_000, policy: 'd' } },
  ]);
});

describe('input shapes', () => {
  const want: RateLimitHints = { retryAfter: 30_000, limit: 100, remaining: 0, reset: 60_000 };
  const shapes: Array<{ name: string; headers: HeadersLike }> = [
    { name: 'Headers', headers: new Headers({ 'Retry-After': '30', 'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '60' }) },
    { name: 'plain object', headers: { 'retry-after': '30', 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '60' } },
    { name: 'plain object with numbers (axios)', headers: { 'retry-after': 30, 'x-ratelimit-limit': 100, 'x-ratelimit-remaining': 0, 'x-ratelimit-reset': 60 } },
    { name: 'plain object with arrays (Node)', headers: { 'retry-after': ['30', '99'], 'x-ratelimit-limit': ['100'], 'x-ratelimit-remaining': ['0'], 'x-ratelimit-reset': ['60'] } },
    { name: '[name, value][]', headers: [['Retry-After', '30'], ['X-RateLimit-Limit', '100'], ['x-ratelimit-remaining', '0'], ['X-RateLimit-Reset', '60']] },
    { name: 'Map', headers: new Map([['Retry-After', '30'], ['X-RateLimit-Limit', '100'], ['X-RateLimit-Remaining', '0'], ['X-RateLimit-Reset', '60']]) },
    {
      name: 'an object with get (AxiosHeaders-like, case-insensitive)',
      headers: {
        get(name: string) {
          return ({ 'retry-after': '30', 'x-ratelimit-limit': 100, 'x-ratelimit-remaining': ['0'], 'x-ratelimit-reset': '60' } as Record<string, unknown>)[name.toLowerCase()] ?? null;
        },
      },
    },
  ];
  test.each(shapes)('$name', ({ headers }) => {
    expect(parseRateLimitHeaders(headers, NOW)).toStrictEqual(want);
  });

  test('a name twice in pairs is joined as fetch does: the first value counts', () => {
    expect(parseRateLimitHeaders([['Retry-After', '5'], ['retry-after', '7']], NOW)).toStrictEqual({ retryAfter: 5_000 });
    const headers = new Headers();
    headers.append('RateLimit', '"a";r=5;t=1');
    headers.append('RateLimit', '"b";r=0;t=9');
    expect(parseRateLimitHeaders(headers, NOW)).toStrictEqual({ remaining: 0, reset: 9_000, policy: 'b' });
    expect(parseRateLimitHeaders({ RateLimit: '"a";r=5;t=1', ratelimit: '"b";r=0;t=9' }, NOW)).toStrictEqual({ remaining: 0, reset: 9_000, policy: 'b' });
  });

  test('values that are no header text count as absent', () => {
    const headers = { 'retry-after': null, 'x-ratelimit-limit': true, 'x-ratelimit-remaining': { n: 1 }, 'x-ratelimit-reset': Number.NaN, ratelimit: [], date: undefined };
    expect(parseRateLimitHeaders(headers, NOW)).toStrictEqual({});
    expect(parseRateLimitHeaders({ 'retry-after': -5, 'x-ratelimit-reset': Infinity }, NOW)).toStrictEqual({});
    expect(parseRateLimitHeaders([['retry-after'], 'x', null, [1, '2']] as unknown as HeadersLike, NOW)).toStrictEqual({});
  });

  test('no headers: {}', () => {
    expect(parseRateLimitHeaders(new Headers(), NOW)).toStrictEqual({});
    expect(parseRateLimitHeaders({}, NOW)).toStrictEqual({});
    expect(parseRateLimitHeaders([], NOW)).toStrictEqual({});
  });

  test('now defaults to the wall clock', () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const retryAfter = parseRateLimitHeaders({ 'retry-after': inAMinute }).retryAfter!;
    expect(retryAfter).toBeGreaterThan(55_000);
    expect(retryAfter).toBeLessThanOrEqual(60_000);
  });

  test('misuse throws at once, naming the argument', () => {
    expect(() => parseRateLimitHeaders(null as unknown as HeadersLike)).toThrow(new TypeError('Expected `headers` to be a Headers, an object with get(), an iterable of [name, value] pairs or a plain object, got null (null)'));
    expect(() => parseRateLimitHeaders('retry-after: 5' as unknown as HeadersLike)).toThrow(TypeError);
    expect(() => parseRateLimitHeaders({}, '1' as unknown as number)).toThrow(TypeError);
    expect(() => parseRateLimitHeaders({}, Number.NaN)).toThrow(new RangeError('Expected `now` to be a finite number of ms since the epoch, got NaN (number)'));
    expect(() => parseRateLimitHeaders({}, Infinity)).toThrow(RangeError);
  });
});

describe('properties', () => {
  const NAMES = [
    'retry-after', 'retry-after-ms', 'date', 'ratelimit', 'ratelimit-policy', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset',
    'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-reset-after', 'x-rate-limit-reset',
    'x-ratelimit-reset-requests', 'anthropic-ratelimit-requests-reset',
  ];
  /** Strings near the grammar: pieces of numbers, dates, structured fields, and noise. */
  const piece = fc.oneof(
    fc.constantFrom('0', '1', '9', '.', '-', ',', ' ', ';', '=', '"', '\\', '(', ')', ':', '?', '*', 'r', 't', 'q', 'w', 'e', 's', 'ms', 'm', 'h', 'GMT', 'Wed, ', 'Jan', ' 2025 ', '00:00:00', 'T', 'Z', '+01:00'),
    fc.integer({ min: -1e6, max: 1e6 }).map(String),
    fc.double().map(String),
    fc.string({ maxLength: 4 }),
  );
  const value = fc.oneof(fc.string(), fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')));
  const headers = fc.dictionary(fc.constantFrom(...NAMES), value);

  function assertSane(hints: RateLimitHints): void {
    for (const [key, v] of Object.entries(hints)) {
      if (key === 'policy') expect(typeof v).toBe('string');
      else {
        expect(typeof v, key).toBe('number');
        expect(Number.isFinite(v) && v >= 0 && v <= MAX, `${key}: ${v}`).toBe(true);
      }
      expect(v, key).not.toBeUndefined();
    }
  }

  test('any header text: never throws, every field finite and >= 0', () => {
    fc.assert(
      fc.property(headers, fc.double({ min: -1e15, max: 1e15, noNaN: true }), (h, now) => {
        assertSane(parseRateLimitHeaders(h, now));
        assertSane(parseRateLimitHeaders(Object.entries(h), now));
      }),
      { numRuns: 2_000 },
    );
  });

  test('any value of any type in a plain object: never throws', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...NAMES), fc.anything()), (h) => {
        assertSane(parseRateLimitHeaders(h, NOW));
      }),
      { numRuns: 500 },
    );
  });

  test('delta seconds in, milliseconds out', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), (seconds) => {
        expect(parseRateLimitHeaders({ 'retry-after': String(seconds), 'x-ratelimit-reset': String(seconds) }, NOW)).toStrictEqual({ retryAfter: seconds * 1000, reset: seconds * 1000 });
      }),
    );
  });

  test('an HTTP date round-trips through toUTCString', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31) }), (at) => {
        const whole = at - (at % 1000);
        const date = new Date(whole).toUTCString();
        expect(parseRateLimitHeaders({ 'retry-after': date }, 0)).toStrictEqual({ retryAfter: whole });
      }),
    );
  });
});

describe('the usual forms, read without the general parsers', () => {
  test('a day that the month does not have makes no date, in any year', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 31 }), (year, month, day) => {
        const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
        const text = `Mon, ${String(day).padStart(2, '0')} ${months[month]} ${String(year).padStart(4, '0')} 00:00:00 GMT`;
        const at = new Date(0);
        at.setUTCFullYear(year, month, day);
        const valid = at.getUTCDate() === day;
        const hour = text.replace('00:00:00', '01:00:00');
        expect(parseRateLimitHeaders({ 'retry-after': hour, date: text }, 0)).toStrictEqual(valid ? { retryAfter: 3_600_000 } : {});
        expect(parseRateLimitHeaders({ 'retry-after': text }, at.getTime() - 1_000)).toStrictEqual(valid ? { retryAfter: 1_000 } : {});
      }),
      { numRuns: 2_000 },
    );
  });

  test('responses one after another, each read against its own Date', () => {
    const reset = String(NOW_S + 60);
    const dates = ['Wed, 01 Jan 2025 00:00:00 GMT', 'Wed, 01 Jan 2025 00:00:30 GMT', 'Sun, 30 Feb 2025 00:00:00 GMT', 'Wed, 01 Jan 2025 00:00:30 GMT'];
    const resets = dates.map((date) => parseRateLimitHeaders({ 'x-ratelimit-reset': reset, date }, NOW + 10_000).reset);
    expect(resets).toEqual([60_000, 30_000, 50_000, 30_000]);
  });

  test('a plain count of a *-Limit header reads as its structured form', () => {
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '007' }, NOW)).toStrictEqual({ limit: 7 });
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': ' 5000 ' }, NOW)).toStrictEqual({ limit: 5_000 });
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '123456789012345' }, NOW)).toStrictEqual({ limit: 123_456_789_012_345 });
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '1234567890123456' }, NOW)).toStrictEqual({ limit: 1_234_567_890_123_456 });
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '5000;w=60' }, NOW)).toStrictEqual({ limit: 5_000, window: 60_000 });
  });

  test('headers none of the forms reads, or a Date alone: {}', () => {
    const unrelated = { 'content-type': 'text/plain', 'x-ratelimit-used': '13', 'x-ratelimit-resource': 'core', date: 'Wed, 01 Jan 2025 00:00:00 GMT' };
    expect(parseRateLimitHeaders(unrelated, NOW)).toStrictEqual({});
    expect(parseRateLimitHeaders(new Headers(unrelated), NOW)).toStrictEqual({});
    expect(parseRateLimitHeaders(new Headers(unrelated))).toStrictEqual({});
    expect(() => parseRateLimitHeaders(unrelated, Number.NaN)).toThrow(RangeError);
  });
});

describe('README', () => {
  test('the example of a 429 with two policies answers what the README says', () => {
    const response = new Response(null, {
      status: 429,
      headers: {
        'Retry-After': '30',
        RateLimit: '"burst";r=0;t=30, "daily";r=4200;t=50000',
        'RateLimit-Policy': '"burst";q=100;w=60, "daily";q=5000;w=86400',
      },
    });
    expect(parseRateLimitHeaders(response.headers)).toStrictEqual({ retryAfter: 30_000, remaining: 0, reset: 30_000, policy: 'burst', limit: 100, window: 60_000 });
  });

  test('the Date header example: skew cancels', () => {
    const headers = { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1735689660', date: 'Wed, 01 Jan 2025 00:00:00 GMT' };
    // This clock runs 5 minutes fast; the reset is still a minute after the response.
    expect(parseRateLimitHeaders(headers, NOW + 300_000)).toStrictEqual({ remaining: 0, reset: 60_000 });
    expect(parseRateLimitHeaders({ ...headers, date: undefined }, NOW + 300_000)).toStrictEqual({ remaining: 0, reset: 0 });
  });
});
