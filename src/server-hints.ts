import { wallTime } from './clock.js';
import { checkNumber, invalid } from './validate.js';

/**
 * What a server said about its rate limits, read by {@link parseRateLimitHeaders}. Only the
 * fields it could read are present. Every duration is in milliseconds from the response (from
 * `now`), a finite number from `0` to `Number.MAX_SAFE_INTEGER`; every count is a finite
 * number >= 0.
 *
 * @example
 * ```ts
 * const hints: RateLimitHints = { limit: 100, remaining: 0, reset: 30_000, window: 60_000, policy: 'default' };
 * ```
 */
export interface RateLimitHints {
  /**
   * Milliseconds before the next request may go, from `Retry-After` (delta seconds or an HTTP
   * date) or `Retry-After-Ms`. A date in the past gives `0`.
   */
  retryAfter?: number;
  /** The quota of the current window, in requests or in the server's units. */
  limit?: number;
  /** The quota left in the current window. `0`: the next request will likely be refused. */
  remaining?: number;
  /** Milliseconds until the window resets and the quota is back. A reset in the past gives `0`. */
  reset?: number;
  /** The window length in milliseconds, from a `w` parameter (`RateLimit-Policy`, `RateLimit`, `*-Limit`). */
  window?: number;
  /** The policy name of the IETF structured form, e.g. `"default"` or `"burst"`. */
  policy?: string;
}

/**
 * Response headers in any of the shapes HTTP clients hand them out. Names are matched without
 * regard to case in every shape.
 *
 * - a fetch `Headers`, or anything iterable over `[name, value]` pairs (a `Map`, an array of
 *   pairs, axios' `AxiosHeaders`);
 * - an object with a `get(name)` method, called with lower-case names (as `Headers.get` and
 *   `AxiosHeaders.get` are case-insensitive, it should be too);
 * - a plain object such as Node's `IncomingHttpHeaders` or axios' raw headers.
 *
 * A value may be a string, a finite number (axios), or an array of them (Node): an array, and a
 * name met twice, are joined with `", "` as `fetch` joins repeated fields. Other values (`null`,
 * `undefined`, booleans, objects) count as absent.
 *
 * @example
 * ```ts
 * const headers: HeadersLike = { 'x-ratelimit-remaining': 0, 'retry-after': ['30'] };
 * ```
 */
export type HeadersLike =
  | Headers
  | { get(name: string): unknown }
  | Iterable<readonly [string, unknown]>
  | Readonly<Record<string, unknown>>;

/** Where a duration or count tops out: larger ones are capped here, never `Infinity`. */
const MAX = Number.MAX_SAFE_INTEGER;
/** Reset values above this many seconds are epoch seconds, not delta seconds (2001-09-09). */
const EPOCH_SECONDS = 1e9;
/** Reset values above this are epoch milliseconds (2001-09-09 in ms). */
const EPOCH_MILLISECONDS = 1e12;

/**
 * Reads a server's rate-limit headers into {@link RateLimitHints}: a pure function of the
 * headers and `now`, which never throws on any header value. A field it cannot read (missing,
 * empty, negative, not a number, beyond 2^53 for a count, a malformed structured field) is left
 * out, never guessed.
 *
 * Forms read; for each field the first header in this order that holds a readable value wins:
 *
 * | field | headers read, in order |
 * | --- | --- |
 * | `retryAfter` | `Retry-After-Ms` (ms); `Retry-After`: delta seconds (fractions allowed), or an HTTP date (IMF-fixdate, RFC 850, asctime) |
 * | `remaining`, `reset`, `window`, `policy` | `RateLimit` (IETF structured list: `"name";r=..;t=..;w=..`, or the dictionary `limit=.., remaining=.., reset=..` of draft 07) |
 * | `limit`, `window` | the `RateLimit-Policy` item of the chosen policy (`"name";q=..;w=..`, or `100;w=60` of older drafts) |
 * | `limit`, `remaining`, `reset` | `RateLimit-Limit`/`-Remaining`/`-Reset` (older drafts), `X-RateLimit-*`, `X-Rate-Limit-*` (Twitter/X), `X-RateLimit-*-Requests` (OpenAI), `Anthropic-RateLimit-Requests-*` |
 * | `reset` | also `X-RateLimit-Reset-After` (Discord, seconds), preferred to `X-RateLimit-Reset` |
 * | `window` | a `w` on the first item of a `*-Limit` list (`10;w=1`), or on the item of that list whose quota is the limit (`10, 10;w=1, 1000;w=3600`) |
 *
 * - **Several policies**: from a `RateLimit` list the most restrictive item is taken, the one
 *   with the smallest `r` (remaining), ties going to the longest `t` (reset). Its `limit` and
 *   `window` come from the `RateLimit-Policy` item of the same name; for an unnamed item (draft
 *   07), from the policy whose quota is its limit; failing both, from the only policy when one
 *   side has no name. Without a `RateLimit` field, the `RateLimit-Policy` item with the smallest
 *   rate `q / w` is taken (items without `w` after those with one, then the smallest `q`).
 * - **Reset values** are seconds, read by size: up to 1e9 a delta (`30`, `1.5`); above 1e9
 *   epoch seconds (GitHub, Twitter/X, `1700000000`); above 1e12 epoch milliseconds. A reset can
 *   also be a Go-style duration (`1s`, `6m0s`, `20ms`, `1h2m3.5s`, as OpenAI sends), an HTTP
 *   date or an RFC 3339 date (`2025-05-26T05:00:04Z`, as Anthropic sends). Other date formats
 *   are not read.
 * - **Absolute times** (an HTTP-date `Retry-After`, an epoch or dated reset) are read against the
 *   response's own `Date` header when it holds a valid HTTP date: `retryAfter = retryDate -
 *   responseDate`, which cancels any skew between the server's clock and this one (to within
 *   the second `Date` is rounded to, erring long). Without a `Date` header they are read
 *   against `now`, and carry the skew.
 * - **Huge values**: a duration too long for `Number.MAX_SAFE_INTEGER` ms is capped there; a
 *   count above `Number.MAX_SAFE_INTEGER` is left out. Nothing is ever `NaN`, `Infinity` or
 *   negative.
 * - **Repeated fields** (an array value, or one name twice) are joined with `", "`; a single
 *   value such as `Retry-After: 120, 60` is read from its first member.
 * - Token quotas (`X-RateLimit-*-Tokens`, `Anthropic-RateLimit-Tokens-*`), `X-RateLimit-Bucket`,
 *   `X-RateLimit-Global` and `X-RateLimit-Used` are not read.
 *
 * @param headers - the response headers, in any shape of {@link HeadersLike}.
 * @param now - the wall clock in milliseconds since the epoch; default `wallTime()`. Only
 *   absolute times without a `Date` header, and the century of a two-digit RFC 850 year, use it.
 * @returns the hints read; `{}` when there are none.
 * @throws TypeError when `headers` is not an object, or `now` is not a number.
 * @throws RangeError when `now` is `NaN` or infinite.
 * @example
 * ```ts
 * const response = await fetch('https://api.github.com/rate_limit');
 * parseRateLimitHeaders(response.headers);
 * //=> { limit: 60, remaining: 59, reset: 3600000 }
 * parseRateLimitHeaders({ 'retry-after': '120', ratelimit: '"default";r=0;t=30', 'ratelimit-policy': '"default";q=100;w=60' });
 * //=> { retryAfter: 120000, remaining: 0, reset: 30000, policy: 'default', limit: 100, window: 60000 }
 * ```
 */
export function parseRateLimitHeaders(headers: HeadersLike, now?: number): RateLimitHints {
  if (now !== undefined) checkNumber('now', now, 'a finite number of ms since the epoch', -Number.MAX_VALUE, Number.MAX_VALUE);
  const get = lookup(headers);
  const hints: { -readonly [K in keyof RateLimitHints]: RateLimitHints[K] } = {};
  // Most responses carry none of the fields read: nothing more to do.
  if (get === undefined) return hints;
  const at = now ?? wallTime();
  // Absolute times are read against the response's own clock when it says what time it was.
  const base = httpDate(get(DATE), at) ?? at;

  const retryAfter = retryAfterMs(get, base, at);
  if (retryAfter !== undefined) hints.retryAfter = retryAfter;

  // The IETF structured fields.
  const current = chooseCurrent(get(RATELIMIT), base);
  const policies = policyList(get(RATELIMIT_POLICY));
  let policy: Policy | undefined;
  if (current !== undefined) {
    if (current.remaining !== undefined) hints.remaining = current.remaining;
    if (current.reset !== undefined) hints.reset = current.reset;
    if (current.name !== undefined) hints.policy = current.name;
    policy = pairedPolicy(current, policies);
  } else {
    policy = tightest(policies);
    if (policy?.name !== undefined) hints.policy = policy.name;
  }
  const limit = current?.limit ?? policy?.quota;
  if (limit !== undefined) hints.limit = limit;
  const window = current?.window ?? policy?.window;
  if (window !== undefined) hints.window = window;

  // The plain headers, for the fields still missing.
  for (const family of tableOf().families) {
    if (hints.limit === undefined) {
      const read = limitList(get(family.limit));
      if (read !== undefined) {
        hints.limit = read.limit;
        if (hints.window === undefined && read.window !== undefined) hints.window = read.window;
      }
    }
    if (hints.remaining === undefined) {
      const remaining = count(first(get(family.remaining)));
      if (remaining !== undefined) hints.remaining = remaining;
    }
    if (hints.reset === undefined) {
      for (const name of family.reset) {
        const reset = resetMs(get(name), base);
        if (reset !== undefined) {
          hints.reset = reset;
          break;
        }
      }
    }
  }
  return hints;
}

// ---------------------------------------------------------------------------------------------
// Header access

// A header read is known by its slot: the values of one response are collected into an array
// by slot in one pass over its headers, and read from there.

/** The slots of the headers read first. */
const DATE = 0;
const RETRY_AFTER = 1;
const RETRY_AFTER_MS = 2;
const RATELIMIT = 3;
const RATELIMIT_POLICY = 4;
const FIRST_NAMES = ['date', 'retry-after', 'retry-after-ms', 'ratelimit', 'ratelimit-policy'];

/** Each vendor's family of headers: limit, remaining, then the resets in the order tried. */
const FAMILY_NAMES: readonly (readonly [string, string, ...string[]])[] = [
  ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'],
  ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset-after', 'x-ratelimit-reset'],
  ['x-rate-limit-limit', 'x-rate-limit-remaining', 'x-rate-limit-reset'],
  ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
  ['anthropic-ratelimit-requests-limit', 'anthropic-ratelimit-requests-remaining', 'anthropic-ratelimit-requests-reset'],
];

/** The slots of one family's headers. */
interface Family {
  readonly limit: number;
  readonly remaining: number;
  readonly reset: readonly number[];
}

/** Every header name read (lower-case) by slot, the slot of each, and the families' slots. */
interface Table {
  readonly names: readonly string[];
  readonly slots: ReadonlyMap<string, number>;
  readonly families: readonly Family[];
}

let table: Table | undefined;

/** The {@link Table}, made on first use (an import that never parses headers makes nothing). */
function tableOf(): Table {
  if (table !== undefined) return table;
  const names = [...FIRST_NAMES];
  const slot = (name: string): number => names.push(name) - 1;
  const families = FAMILY_NAMES.map(([limit, remaining, ...reset]) => ({ limit: slot(limit), remaining: slot(remaining), reset: reset.map(slot) }));
  table = { names, slots: new Map(names.map((name, i) => [name, i])), families };
  return table;
}

/** Header values by slot, `undefined` when absent or empty. */
type Lookup = (slot: number) => string | undefined;

/** The text of one header value: strings as they are, numbers printed, arrays joined. */
function text(value: unknown): string | undefined {
  let joined: string | undefined;
  if (typeof value === 'string') joined = value;
  else if (typeof value === 'number') joined = Number.isFinite(value) ? String(value) : undefined;
  else if (Array.isArray(value)) {
    const parts: string[] = [];
    for (const part of value as unknown[]) {
      const one = text(typeof part === 'object' ? undefined : part);
      if (one !== undefined) parts.push(one);
    }
    joined = parts.length === 0 ? undefined : parts.join(', ');
  }
  const trimmed = joined?.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * The header values read, in one pass over the headers (the names no form reads are skipped);
 * `undefined` when no header besides `Date` is read at all. Headers with a `get(name)` method
 * and no iterator are asked name by name instead.
 */
function lookup(headers: HeadersLike): Lookup | undefined {
  if (typeof headers !== 'object' || headers === null) {
    invalid('headers', 'a Headers, an object with get(), an iterable of [name, value] pairs or a plain object', headers);
  }
  const source = headers as { [Symbol.iterator]?: unknown; get?: unknown };
  const { names, slots } = tableOf();
  const iterable = typeof source[Symbol.iterator] === 'function';
  if (!iterable && typeof source.get === 'function') {
    const getter = headers as { get(name: string): unknown };
    return (slot) => text(getter.get(names[slot]!));
  }
  const values: (string | undefined)[] = [];
  let read = false;
  if (iterable) {
    for (const entry of headers as Iterable<unknown>) {
      if (Array.isArray(entry) && collect(values, slots, entry[0], entry[1])) read = true;
    }
  } else {
    const record = headers as Readonly<Record<string, unknown>>;
    for (const name of Object.keys(record)) if (collect(values, slots, name, record[name])) read = true;
  }
  return read ? (slot) => values[slot] : undefined;
}

/**
 * Adds a header to `values` when its name is read and its value is text; a name met again is
 * joined with `, `.
 *
 * @returns whether a header besides `Date` was added.
 */
function collect(values: (string | undefined)[], slots: ReadonlyMap<string, number>, name: unknown, value: unknown): boolean {
  if (typeof name !== 'string') return false;
  const at = slots.get(name.toLowerCase());
  if (at === undefined) return false;
  const one = text(value);
  if (one === undefined) return false;
  const seen = values[at];
  values[at] = seen === undefined ? one : `${seen}, ${one}`;
  return at !== DATE;
}

/** The first member of a comma-separated value: `"120, 60"` gives `"120"`. */
function first(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  return comma === -1 ? value : value.slice(0, comma).trimEnd();
}

// ---------------------------------------------------------------------------------------------
// Numbers and durations

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
const DIGITS = /^\d+$/;

/** A duration clamped into `[0, MAX]`; `NaN` (never expected) gives `0`. */
function clampMs(ms: number): number {
  return ms > 0 ? (ms < MAX ? ms : MAX) : 0;
}

/** A non-negative count up to 2^53, from plain decimal digits; otherwise `undefined`. */
function count(value: string | undefined): number | undefined {
  if (value === undefined || !DECIMAL.test(value)) return undefined;
  const n = Number(value);
  return n <= MAX ? n : undefined;
}

/**
 * Seconds written in decimal, as milliseconds without binary rounding noise (`"1.005"` gives
 * `1005`, not `1004.9999999999999`).
 */
function decimalSecondsMs(match: RegExpExecArray): number {
  const whole = Number(match[1]) * 1000;
  const fraction = match[2];
  if (fraction === undefined) return whole;
  return whole + Number(`${fraction.padEnd(3, '0').slice(0, 3)}.${fraction.slice(3)}0`);
}

/** Seconds as sent, to milliseconds, by size: a delta, epoch seconds or epoch milliseconds. */
function resetFromSeconds(seconds: number, ms: number, base: number): number {
  if (seconds > EPOCH_MILLISECONDS) return clampMs(seconds - base);
  if (seconds > EPOCH_SECONDS) return clampMs(ms - base);
  return clampMs(ms);
}

const GO_DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const GO_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
const GO_UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };

/** A Go-style duration (`1h2m3.5s`, `20ms`) in milliseconds, or `undefined`. */
function goDurationMs(value: string): number | undefined {
  if (!GO_DURATION.test(value)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(GO_PART)) ms += Number(amount) * GO_UNIT_MS[unit!]!;
  return clampMs(ms);
}

/** A reset header: seconds (delta or epoch), a Go duration, or a date. */
function resetMs(value: string | undefined, base: number): number | undefined {
  if (value === undefined) return undefined;
  const head = first(value)!;
  const decimal = DECIMAL.exec(head);
  if (decimal !== null) return resetFromSeconds(Number(head), decimalSecondsMs(decimal), base);
  const duration = goDurationMs(head);
  if (duration !== undefined) return duration;
  const date = httpDate(value, base) ?? isoDate(head);
  return date === undefined ? undefined : clampMs(date - base);
}

/** `Retry-After-Ms`, else `Retry-After` as delta seconds or an HTTP date. */
function retryAfterMs(get: Lookup, base: number, now: number): number | undefined {
  const ms = first(get(RETRY_AFTER_MS));
  if (ms !== undefined && DECIMAL.test(ms)) return clampMs(Number(ms));
  const value = get(RETRY_AFTER);
  if (value === undefined) return undefined;
  const head = first(value)!;
  const seconds = DECIMAL.exec(head);
  if (seconds !== null) return clampMs(decimalSecondsMs(seconds));
  const date = httpDate(value, now);
  return date === undefined ? undefined : clampMs(date - base);
}

// ---------------------------------------------------------------------------------------------
// Dates

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const TIME = String.raw`(\d{2}):(\d{2}):(\d{2})`;
/** `Sun, 06 Nov 1994 08:49:37 GMT`, and what follows it in a repeated field. */
const IMF_FIXDATE = new RegExp(String.raw`^[a-z]{3}, (\d{1,2}) ([a-z]{3}) (\d{4}) ${TIME} GMT(?:\s*,.*)?$`, 'i');
/** `Sunday, 06-Nov-94 08:49:37 GMT` */
const RFC850_DATE = new RegExp(String.raw`^[a-z]{6,9}, (\d{2})-([a-z]{3})-(\d{2}) ${TIME} GMT(?:\s*,.*)?$`, 'i');
/** `Sun Nov  6 08:49:37 1994` */
const ASCTIME_DATE = new RegExp(String.raw`^[a-z]{3} ([a-z]{3}) ( \d|\d{1,2}) ${TIME} (\d{4})(?:\s*,.*)?$`, 'i');
/** `2025-05-26T05:00:04Z`, `2025-05-26T05:00:04.123+02:00` (RFC 3339; the offset is required). */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})[t ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(z|[+-]\d{2}:?\d{2})$/i;
/** Milliseconds in 400 Gregorian years: `Date.UTC` reads years 0-99 as 1900-1999, so they are shifted. */
const FOUR_CENTURIES = 146_097 * 86_400_000;

/** Epoch ms of a UTC date and time, or `undefined` when a part is out of range (`Feb 30`, `25:00`). */
function utc(year: number, month: number, day: number, hour: number, minute: number, second: number): number | undefined {
  if (month < 0 || month > 11 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const midnight = Date.UTC(year + 400, month, day) - FOUR_CENTURIES;
  if (new Date(midnight).getUTCDate() !== day) return undefined;
  return midnight + ((hour * 60 + minute) * 60 + second) * 1000;
}

/** The last IMF-fixdate read and its epoch ms: responses of one second share their `Date`. */
let lastImfDate: string | undefined;
let lastImfMs: number | undefined;

/**
 * An HTTP date (IMF-fixdate, RFC 850 or asctime) in epoch ms, or `undefined`. A two-digit RFC
 * 850 year more than 50 years ahead of `now` is taken from the century before (RFC 9110).
 */
function httpDate(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (value === lastImfDate) return lastImfMs;
  let m = IMF_FIXDATE.exec(value);
  if (m !== null) {
    lastImfMs = utc(Number(m[3]), MONTHS.indexOf(m[2]!.toLowerCase()), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
    lastImfDate = value;
    return lastImfMs;
  }
  m = RFC850_DATE.exec(value);
  if (m !== null) {
    const thisYear = new Date(now).getUTCFullYear();
    let year = Number.isNaN(thisYear) ? 1900 + Number(m[3]) : thisYear - (thisYear % 100) + Number(m[3]);
    if (year > thisYear + 50) year -= 100;
    return utc(year, MONTHS.indexOf(m[2]!.toLowerCase()), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME_DATE.exec(value);
  if (m !== null) return utc(Number(m[6]), MONTHS.indexOf(m[1]!.toLowerCase()), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  return undefined;
}

/** An RFC 3339 date-time in epoch ms, or `undefined`. */
function isoDate(value: string): number | undefined {
  const m = ISO_DATE.exec(value);
  if (m === null) return undefined;
  const at = utc(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (at === undefined) return undefined;
  const fraction = m[7] === undefined ? 0 : Number(`0${m[7]}`) * 1000;
  const zone = m[8]!;
  let offset = 0;
  if (zone.length > 1) {
    const digits = zone.replace(':', '');
    const hours = Number(digits.slice(1, 3));
    const minutes = Number(digits.slice(3, 5));
    if (hours > 23 || minutes > 59) return undefined;
    offset = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
  }
  return at + fraction - offset;
}

// ---------------------------------------------------------------------------------------------
// Structured fields (RFC 8941): lists, dictionaries, items with parameters

/** A bare item: numbers, strings and tokens (both as strings), booleans; `null` for the rest. */
type Bare = number | string | boolean | null;

interface Member {
  readonly value: Bare;
  readonly params: ReadonlyMap<string, Bare>;
}

const SF_NUMBER = /-?(\d+)(?:\.(\d+))?/y;
const SF_TOKEN = /[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/y;
const SF_KEY = /[a-z*][a-z0-9_\-.*]*/y;
const SF_BYTES = /:[A-Za-z0-9+/=]*:/y;
const SF_BOOLEAN = /\?[01]/y;

/**
 * A parser of one structured field value. Any syntax error makes the whole field unreadable
 * (`undefined`), as RFC 8941 requires: a half-read field could mislead.
 */
class StructuredField {
  readonly #s: string;
  #i = 0;

  constructor(input: string) {
    this.#s = input;
  }

  /** `a;x=1, "b";y=2, (c d)` */
  list(): Member[] | undefined {
    const members: Member[] = [];
    this.#skip(' ');
    while (this.#i < this.#s.length) {
      const member = this.#member();
      if (member === undefined || !this.#next()) return undefined;
      members.push(member);
    }
    return members;
  }

  /** `limit=100, remaining=50, flag;x=1` */
  dictionary(): Map<string, Member> | undefined {
    const members = new Map<string, Member>();
    this.#skip(' ');
    while (this.#i < this.#s.length) {
      const key = this.#match(SF_KEY);
      if (key === undefined) return undefined;
      let member: Member | undefined;
      if (this.#s[this.#i] === '=') {
        this.#i++;
        member = this.#member();
      } else {
        const params = this.#params();
        member = params && { value: true, params };
      }
      if (member === undefined || !this.#next()) return undefined;
      members.set(key, member);
    }
    return members;
  }

  /** After a member: the end, or a comma followed by another member. */
  #next(): boolean {
    this.#skip(' \t');
    if (this.#i === this.#s.length) return true;
    if (this.#s[this.#i] !== ',') return false;
    this.#i++;
    this.#skip(' \t');
    return this.#i < this.#s.length;
  }

  #skip(chars: string): void {
    while (this.#i < this.#s.length && chars.includes(this.#s[this.#i]!)) this.#i++;
  }

  #match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.#i;
    const m = pattern.exec(this.#s);
    if (m === null) return undefined;
    this.#i = pattern.lastIndex;
    return m[0];
  }

  #member(): Member | undefined {
    if (this.#s[this.#i] !== '(') {
      const value = this.#bare();
      const params = value === undefined ? undefined : this.#params();
      return params && { value: value!, params };
    }
    // An inner list: its items are not read, but must be well formed.
    this.#i++;
    for (;;) {
      this.#skip(' ');
      if (this.#s[this.#i] === ')') {
        this.#i++;
        const params = this.#params();
        return params && { value: null, params };
      }
      if (this.#bare() === undefined || this.#params() === undefined) return undefined;
      const c = this.#s[this.#i];
      if (c !== ' ' && c !== ')') return undefined;
    }
  }

  #params(): Map<string, Bare> | undefined {
    const params = new Map<string, Bare>();
    while (this.#s[this.#i] === ';') {
      this.#i++;
      this.#skip(' ');
      const key = this.#match(SF_KEY);
      if (key === undefined) return undefined;
      let value: Bare | undefined = true;
      if (this.#s[this.#i] === '=') {
        this.#i++;
        value = this.#bare();
        if (value === undefined) return undefined;
      }
      params.set(key, value);
    }
    return params;
  }

  /** A bare item, or `undefined` on a syntax error. */
  #bare(): Bare | undefined {
    const c = this.#s[this.#i];
    if (c === undefined) return undefined;
    if (c === '-' || (c >= '0' && c <= '9')) return this.#number();
    if (c === '"') return this.#string();
    if (c === ':') return this.#match(SF_BYTES) === undefined ? undefined : null;
    if (c === '?') return this.#match(SF_BOOLEAN)?.endsWith('1');
    return this.#match(SF_TOKEN);
  }

  #number(): number | undefined {
    SF_NUMBER.lastIndex = this.#i;
    const m = SF_NUMBER.exec(this.#s);
    if (m === null) return undefined;
    const whole = m[1]!;
    const fraction = m[2];
    if (fraction === undefined ? whole.length > 15 : whole.length > 12 || fraction.length > 3) return undefined;
    this.#i = SF_NUMBER.lastIndex;
    return Number(m[0]);
  }

  #string(): string | undefined {
    let out = '';
    for (let i = this.#i + 1; i < this.#s.length; i++) {
      const c = this.#s[i]!;
      if (c === '"') {
        this.#i = i + 1;
        return out;
      }
      if (c === '\\') {
        const escaped = this.#s[++i];
        if (escaped !== '"' && escaped !== '\\') return undefined;
        out += escaped;
      } else if (c < ' ' || c > '~') {
        return undefined;
      } else {
        out += c;
      }
    }
    return undefined; // unterminated
  }
}

/** A non-negative number parameter, or `undefined`. */
function param(member: Member, key: string): number | undefined {
  const value = member.params.get(key);
  return typeof value === 'number' && value >= 0 ? value : undefined;
}

/** Seconds from a structured field (at most 3 decimals) to milliseconds, without rounding noise. */
function sfMs(seconds: number): number {
  return Math.round(seconds * 1000);
}

/** A window in ms from a `w` parameter, or `undefined` when missing or zero. */
function windowOf(member: Member): number | undefined {
  const w = param(member, 'w');
  return w !== undefined && w > 0 ? sfMs(w) : undefined;
}

/** A name from a string or token item. */
function nameOf(member: Member): string | undefined {
  return typeof member.value === 'string' ? member.value : undefined;
}

/** One service-limit item of `RateLimit`. */
interface Current {
  name?: string | undefined;
  remaining?: number | undefined;
  reset?: number | undefined;
  window?: number | undefined;
  limit?: number | undefined;
}

/**
 * The most restrictive item of a `RateLimit` field: the smallest remaining, ties going to the
 * longest reset. Reads the list form (`"default";r=0;t=30`) and draft 07's dictionary
 * (`limit=100, remaining=0, reset=30`).
 */
function chooseCurrent(value: string | undefined, base: number): Current | undefined {
  if (value === undefined) return undefined;
  const reset = (t: number | undefined) => (t === undefined ? undefined : resetFromSeconds(t, sfMs(t), base));
  const items: Current[] = [];
  const list = new StructuredField(value).list();
  if (list !== undefined) {
    for (const member of list) {
      const item = { name: nameOf(member), remaining: param(member, 'r'), reset: reset(param(member, 't')), window: windowOf(member) };
      if (item.remaining !== undefined || item.reset !== undefined) items.push(item);
    }
  } else {
    const dictionary = new StructuredField(value).dictionary();
    const number = (key: string): number | undefined => {
      const v = dictionary?.get(key)?.value;
      return typeof v === 'number' && v >= 0 ? v : undefined;
    };
    const item = { remaining: number('remaining'), reset: reset(number('reset')), limit: number('limit') };
    if (item.remaining !== undefined || item.reset !== undefined || item.limit !== undefined) items.push(item);
  }
  let chosen: Current | undefined;
  for (const item of items) {
    if (chosen === undefined) chosen = item;
    else {
      const r = item.remaining ?? Infinity;
      const chosenR = chosen.remaining ?? Infinity;
      if (r < chosenR || (r === chosenR && (item.reset ?? -1) > (chosen.reset ?? -1))) chosen = item;
    }
  }
  return chosen;
}

const NO_POLICIES: readonly Policy[] = [];

/** One quota policy of `RateLimit-Policy`. */
interface Policy {
  readonly name: string | undefined;
  readonly quota: number | undefined;
  readonly window: number | undefined;
}

/** The items of `RateLimit-Policy`: `"name";q=100;w=60`, or `100;w=60` of older drafts. */
function policyList(value: string | undefined): readonly Policy[] {
  const list = value === undefined ? undefined : new StructuredField(value).list();
  if (list === undefined) return NO_POLICIES;
  return list.map((member) => {
    const bare = member.value;
    const quota = typeof bare === 'number' ? (bare >= 0 ? bare : undefined) : param(member, 'q');
    return { name: nameOf(member), quota, window: windowOf(member) };
  });
}

/**
 * The policy of the chosen `RateLimit` item: the one of the same name; for an unnamed item, the
 * one whose quota is the item's limit; else the only policy, when either side has no name.
 */
function pairedPolicy(current: Current, policies: readonly Policy[]): Policy | undefined {
  if (current.name !== undefined) {
    const named = policies.find((p) => p.name === current.name);
    if (named !== undefined) return named;
  } else if (current.limit !== undefined) {
    const same = policies.find((p) => p.quota === current.limit);
    if (same !== undefined) return same;
  }
  const only = policies.length === 1 ? policies[0]! : undefined;
  return only !== undefined && (current.name === undefined || only.name === undefined) ? only : undefined;
}

/** A policy's quota per ms, `Infinity` without `q` or `w`. */
function rate(p: Policy): number {
  return p.quota === undefined ? Infinity : p.window === undefined ? Infinity : p.quota / p.window;
}

/** The policy with the smallest rate `q / w`; without `w`, after the others, by smallest `q`. */
function tightest(policies: readonly Policy[]): Policy | undefined {
  let chosen: Policy | undefined;
  for (const p of policies) {
    if (chosen === undefined) chosen = p;
    else {
      const r = rate(p);
      const chosenR = rate(chosen);
      if (r < chosenR || (r === chosenR && (p.quota ?? Infinity) < (chosen.quota ?? Infinity))) chosen = p;
    }
  }
  return chosen;
}

/**
 * A `*-Limit` header: a plain count, or a list whose first item is the limit, followed by
 * policies (`10, 10;w=1, 1000;w=3600`). The window is the first item's `w`, or that of the
 * first later item whose quota equals the limit.
 */
function limitList(value: string | undefined): { limit: number; window: number | undefined } | undefined {
  if (value === undefined) return undefined;
  // A plain count, the usual case, read as the structured field would read it.
  if (value.length <= 15 && DIGITS.test(value)) return { limit: Number(value), window: undefined };
  const list = new StructuredField(value).list();
  const head = list?.[0];
  if (list === undefined || head === undefined || typeof head.value !== 'number') {
    const limit = count(first(value));
    return limit === undefined ? undefined : { limit, window: undefined };
  }
  const limit = head.value;
  if (limit < 0) return undefined;
  let window = windowOf(head);
  for (const member of list.slice(1)) {
    if (window !== undefined) break;
    if (member.value === limit) window = windowOf(member);
  }
  return { limit, window };
}
