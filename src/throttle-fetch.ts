import { allOf } from './all-of.js';
import { systemClock, type Clock } from './clock.js';
import { isRateLimitError } from './errors.js';
import { KeyedLimiter } from './keyed-limiter.js';
import { BaseRateLimiter, isRateLimiter, type RateLimiter } from './rate-limiter.js';
import { parseRateLimitHeaders } from './server-hints.js';
import { createGate, isKeyedLimiter, type Gate, type ThrottleMode } from './throttle.js';
import { TokenBucket } from './token-bucket.js';
import { checkClock, checkNumber, checkOptions, invalid } from './validate.js';

/**
 * A token bucket per key, as a rule's `limit` or `unmatched` describes it.
 *
 * @example
 * ```ts
 * const limit: FetchLimit = { capacity: 10, refillPerSecond: 2 }; // bursts of 10, 2 per second after
 * ```
 */
export interface FetchLimit {
  /** The largest burst, in requests (or cost units): a finite number > 0. */
  capacity: number;
  /** Requests (cost units) added back per second, a number >= 0. */
  refillPerSecond: number;
}

/**
 * Which requests a rule covers:
 * - a string URL pattern, where `*` matches any run of characters (within the host, any run
 *   without `/`): `'https://api.example.com/*'`, `'https://*.example.com/v1/users/*'`. The query
 *   string is ignored unless the pattern has a `?`; a pattern without a path covers the whole
 *   origin; a pattern starting with `/` matches the path on any origin; `'*'` matches everything.
 * - a `RegExp`, tested against the full URL (`request.url`).
 * - a predicate of the `Request`.
 *
 * @example
 * ```ts
 * const match: FetchMatch = (request) => request.headers.has('authorization');
 * ```
 */
export type FetchMatch = string | RegExp | ((request: Request) => boolean);

/**
 * One rule of {@link throttleFetch}: which requests it covers, and how they are limited.
 *
 * @example
 * ```ts
 * const rule: FetchRule = {
 *   match: 'https://api.example.com/v1/search*',
 *   method: 'GET',
 *   limit: { capacity: 5, refillPerSecond: 1 },
 *   maxConcurrent: 2,
 * };
 * ```
 */
export interface FetchRule {
  /** Which requests the rule covers; see {@link FetchMatch}. */
  match: FetchMatch;
  /** Only requests with this method, or one of these (any case); default every method. */
  method?: string | readonly string[] | undefined;
  /**
   * A token bucket per key (see `key`), made by the rule. With `limiter` too, a request needs
   * a token from both, taken atomically (`allOf`).
   */
  limit?: FetchLimit | undefined;
  /**
   * A limiter of yours: a `RateLimiter` shared by every request of the rule, or a
   * `KeyedLimiter` charged per `key`. Share one between rules for a common quota. With `limit`
   * too it must be built on `BaseRateLimiter` (as every limiter of this package is).
   */
  limiter?: RateLimiter | KeyedLimiter<any, any> | undefined;
  /** The key of a request, for per-key limits, pauses and concurrency; default its origin. */
  key?: ((request: Request) => unknown) | undefined;
  /** Tokens a request takes: a number or a function of the request; default `1`. */
  cost?: number | ((request: Request) => number) | undefined;
  /** Requests in flight at once per key (until the response headers arrive); default the top-level one. */
  maxConcurrent?: number | undefined;
  /** `'wait'` for a token or `'reject'` at once; default the top-level one. */
  mode?: ThrottleMode | undefined;
  /** The longest wait for a token, in ms; default the top-level one. */
  maxWait?: number | undefined;
}

/**
 * When {@link throttleFetch} sends a request again after a 429 or 503.
 *
 * @example
 * ```ts
 * const retry: FetchRetryOptions = { limit: 3, methods: ['GET'], maxRetryAfter: 30_000 };
 * ```
 */
export interface FetchRetryOptions {
  /** The most retries of one request, default `2`; `0` never retries. */
  limit?: number | undefined;
  /** Methods retried (any case), default `['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']`: the idempotent ones. */
  methods?: readonly string[] | undefined;
  /**
   * The longest wait in ms before a retry, default `60_000`. When the server asks for longer,
   * the response is returned instead.
   */
  maxRetryAfter?: number | undefined;
  /** Statuses retried, default `[429, 503]`. */
  statuses?: readonly number[] | undefined;
}

/**
 * Options of {@link throttleFetch}.
 *
 * @example
 * ```ts
 * const options: ThrottleFetchOptions = {
 *   rules: [{ match: 'https://api.example.com/*', limit: { capacity: 10, refillPerSecond: 5 } }],
 *   unmatched: 'origin',
 *   retry: { limit: 2 },
 * };
 * ```
 */
export interface ThrottleFetchOptions {
  /** The `fetch` to call; default `globalThis.fetch`, looked up at each call. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Rules in order; the first that matches a request limits it. Default none. */
  rules?: readonly FetchRule[] | undefined;
  /**
   * Requests no rule matches: `'origin'` (default) goes through at once but honours the
   * server's hints per origin (a 429, a 503 or `remaining: 0` pauses that origin); `'pass'`
   * leaves them alone, exactly as `fetch`; a {@link FetchLimit} gives each origin a token bucket.
   */
  unmatched?: 'origin' | 'pass' | FetchLimit | undefined;
  /** Default `mode` of the rules: `'wait'` (default) or `'reject'`. */
  mode?: ThrottleMode | undefined;
  /** Default `maxWait` of the rules, in ms; default `Infinity`. */
  maxWait?: number | undefined;
  /** Default `maxConcurrent` of the rules (per key); default `Infinity`. */
  maxConcurrent?: number | undefined;
  /** Retries after a 429 or 503, off by default; `true` for the defaults of {@link FetchRetryOptions}. */
  retry?: boolean | FetchRetryOptions | undefined;
  /** The clock of the limiters the rules make, and of the backoff; default `systemClock`. */
  clock?: Clock | undefined;
}

const OPTION_NAMES = ['fetch', 'rules', 'unmatched', 'mode', 'maxWait', 'maxConcurrent', 'retry', 'clock'] as const;
const RULE_NAMES = ['match', 'method', 'limit', 'limiter', 'key', 'cost', 'maxConcurrent', 'mode', 'maxWait'] as const;
const LIMIT_NAMES = ['capacity', 'refillPerSecond'] as const;
const RETRY_NAMES = ['limit', 'methods', 'maxRetryAfter', 'statuses'] as const;

/** The first pause after a 429 or 503 that says nothing about when to come back, in ms. */
const BACKOFF_BASE = 1_000;
/** The longest such pause, in ms. */
const BACKOFF_CAP = 60_000;
/** Keys whose backoff is remembered at most, per rule; the oldest is forgotten first. */
const BACKOFF_KEYS = 10_000;

/** A request as the rules see it: the URL's parts and the method at once, a `Request` only when asked for. */
interface Call {
  readonly input: RequestInfo | URL;
  readonly init: RequestInit | undefined;
  /** The URL's parts, as `URL` serializes them. */
  readonly url: UrlParts;
  readonly method: string;
  /** Built from `input` and `init` for a predicate, `key` or `cost`; then it is what is sent. */
  request: Request | undefined;
}

function requestOf(call: Call): Request {
  return (call.request ??= new Request(call.input, call.init));
}

/** One rule, compiled. */
interface Limited {
  readonly matches: (call: Call) => boolean;
  readonly methods: readonly string[] | undefined;
  /** `undefined` for `unmatched: 'pass'`. */
  readonly limiter: RateLimiter | KeyedLimiter<unknown> | undefined;
  readonly keyed: boolean;
  readonly key: ((call: Call) => unknown) | undefined;
  readonly cost: (call: Call) => number;
  readonly gate: Gate | undefined;
  /** Before a request: drops a stacked composite whose part your `KeyedLimiter` replaced. */
  readonly sync: ((key: unknown) => void) | undefined;
  readonly backoff: Backoff;
}

/** Unhinted 429/503 pauses per key: 1 s, 2 s, 4 s … up to 60 s, forgotten on a success. */
class Backoff {
  readonly #failures = new Map<unknown, number>();

  /** The pause for one more failure of `key`, in ms. */
  next(key: unknown): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.delete(key);
    if (this.#failures.size >= BACKOFF_KEYS) this.#failures.delete(this.#failures.keys().next().value);
    this.#failures.set(key, failures + 1);
    return Math.min(BACKOFF_BASE * 2 ** failures, BACKOFF_CAP);
  }

  reset(key: unknown): void {
    if (this.#failures.size > 0) this.#failures.delete(key);
  }

  get size(): number {
    return this.#failures.size;
  }
}

interface Retry {
  readonly limit: number;
  readonly methods: readonly string[];
  readonly maxRetryAfter: number;
  readonly statuses: readonly number[];
}

const DEFAULT_RETRY: Retry = {
  limit: 2,
  methods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'],
  maxRetryAfter: 60_000,
  statuses: [429, 503],
};

/**
 * A drop-in `fetch` that limits requests by rules (per origin, path and method), reads the
 * server's rate-limit headers, pauses when told to, and optionally retries a 429 or 503 once
 * the server's wait is over. It has `fetch`'s signature and behaviour: it takes a string, a
 * `URL` or a `Request` with an optional `init`, resolves with the server's `Response` (a 429
 * included, unless retried), and an `AbortSignal` in `init` or on the `Request` also ends the
 * wait for a token (rejecting with its reason, no token taken, nothing sent).
 *
 * After each response of a limited request, `parseRateLimitHeaders` reads its headers: a 429 or
 * 503, or `remaining: 0`, pauses the rule's limiter for that key — for `retryAfter` when given,
 * else until `reset` when `remaining` is 0, else (a bare 429/503) for 1 s, 2 s, 4 s … up to
 * 60 s, starting over after the key's next success. A pause never shortens one running.
 *
 * A request whose tokens are there (and that needs no `maxConcurrent` slot) reaches `fetch`
 * within the call, as with `fetch` itself: no timer, no queue, no `Request` made unless a
 * predicate, `key` or `cost` function asks for one.
 *
 * @param options - see {@link ThrottleFetchOptions}.
 * @returns a function with the signature of `fetch`.
 * @throws TypeError for a bad or unknown option, a rule without `match` or with both neither
 * `limit` nor `limiter`, a string pattern that is not a URL pattern, or `limit` with a limiter
 * not built on `BaseRateLimiter`.
 * @throws RangeError for numbers out of range (`capacity`, `maxWait`, `maxConcurrent`, `retry.limit` …).
 * @throws (rejects) what `fetch` rejects with; `signal.reason` when aborted while waiting;
 * {@link RateLimitError} in `'reject'` mode or when `maxWait` cannot be met.
 * @example
 * ```ts
 * const apiFetch = throttleFetch({
 *   rules: [
 *     { match: 'https://api.example.com/search*', limit: { capacity: 2, refillPerSecond: 1 } },
 *     { match: 'https://api.example.com/*', limit: { capacity: 10, refillPerSecond: 5 }, maxConcurrent: 4 },
 *   ],
 *   retry: { limit: 2 },
 * });
 * const response = await apiFetch('https://api.example.com/search?q=cats');
 * response.status; //=> 200
 * ```
 */
export function throttleFetch(options: ThrottleFetchOptions = {}): typeof globalThis.fetch {
  const {
    fetch: fetchImpl,
    rules = [],
    unmatched = 'origin',
    mode,
    maxWait,
    maxConcurrent,
    retry: retryOption,
    clock = systemClock,
  } = checkOptions('throttleFetch options', options, OPTION_NAMES);
  if (fetchImpl !== undefined && typeof fetchImpl !== 'function') invalid('fetch', 'a fetch function', fetchImpl);
  checkClock('clock', clock);
  if (!Array.isArray(rules)) invalid('rules', 'an array of rules', rules);
  const defaults = { mode, maxWait, maxConcurrent };
  const compiled = rules.map((rule, i) => compileRule(rule as FetchRule, i, defaults, clock));
  const fallback = compileUnmatched(unmatched, defaults, clock);
  const retry = retryOf(retryOption);
  const send =
    fetchImpl === undefined
      ? (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => globalThis.fetch(input, init)
      : (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => fetchImpl(input, init);

  const throttled = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    let call: Call;
    let rule: Limited | undefined = fallback;
    try {
      call = callOf(input, init);
      for (const each of compiled) {
        if ((each.methods === undefined || each.methods.includes(call.method)) && each.matches(call)) {
          rule = each;
          break;
        }
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (rule === undefined || rule.gate === undefined) return send(input, init);
    return limitedFetch(rule, call, send, retry);
  };
  return throttled as typeof globalThis.fetch;
}

/** Sends a request through its rule's gate, reading hints and retrying as configured. */
function limitedFetch(
  rule: Limited,
  call: Call,
  send: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>,
  retry: Retry | undefined,
): Promise<Response> {
  const gate = rule.gate!;
  let key: unknown;
  let cost: number;
  let signal: AbortSignal | undefined;
  let retries: number;
  let granted: boolean;
  try {
    key = rule.key === undefined ? undefined : rule.key(call);
    cost = rule.cost(call);
    signal = call.init?.signal ?? (call.input instanceof Request ? call.input.signal : undefined) ?? undefined;
    retries = retry !== undefined && retry.limit > 0 && retry.methods.includes(call.method) && replayable(call) ? retry.limit : 0;
    rule.sync?.(key);
    // When the tokens are there, the request goes at once: no queue, no timer, no closure.
    granted = gate.direct && (signal === undefined || !signal.aborted) && gate.ready(key, cost);
    if (granted && retries === 0) return exchange(rule, call, key, send, undefined);
  } catch (error) {
    return Promise.reject(error);
  }
  return gatedFetch(rule, call, key, cost, signal, send, retry, retries, granted);
}

/**
 * {@link limitedFetch} past the fast path: through the gate (but for a first attempt already
 * `granted` its tokens), and again after a 429 or 503.
 */
async function gatedFetch(
  rule: Limited,
  call: Call,
  key: unknown,
  cost: number,
  signal: AbortSignal | undefined,
  send: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>,
  retry: Retry | undefined,
  retries: number,
  granted: boolean,
): Promise<Response> {
  const gate = rule.gate!;
  let attempt = 0;
  // The response a retry replaces: kept until the retry has its token, so that a retry that
  // cannot be granted (`maxWait`, a full queue) returns it instead.
  let held: Response | undefined;
  for (;;) {
    const previous = held;
    try {
      if (granted) {
        granted = false;
        return await exchange(rule, call, key, send, attempt < retries ? retry : undefined);
      }
      return await gate.run(
        key,
        cost,
        signal,
        () => {
          if (previous !== undefined) discard(previous);
          return exchange(rule, call, key, send, attempt < retries ? retry : undefined);
        },
        previous !== undefined,
      );
    } catch (error) {
      if (error instanceof RetryLater) {
        attempt++;
        held = error.response;
        continue;
      }
      if (previous !== undefined) {
        if (isRateLimitError(error)) return previous;
        discard(previous);
      }
      throw error;
    }
  }
}

/**
 * Sends one attempt of a request and reads the server's hints from its response.
 *
 * @param retry - the retry options when another attempt may follow, else `undefined`.
 * @throws RetryLater when the response is to be retried.
 */
async function exchange(
  rule: Limited,
  call: Call,
  key: unknown,
  send: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>,
  retry: Retry | undefined,
): Promise<Response> {
  const again = retry !== undefined;
  let sent: Promise<Response>;
  if (call.request !== undefined) {
    sent = send(again && call.request.body !== null ? call.request.clone() : call.request);
  } else if (again && call.input instanceof Request && call.input.body !== null && call.init?.body == null) {
    sent = send(call.input.clone(), call.init);
  } else {
    sent = send(call.input, call.init);
  }
  const response = await sent;
  const wait = applyHints(rule, key, response);
  if (!again || !retry.statuses.includes(response.status) || wait > retry.maxRetryAfter) return response;
  throw new RetryLater(response);
}

/** Lets go of a response whose body nobody will read, freeing its connection. */
function discard(response: Response): void {
  if (response.body !== null && !response.bodyUsed) void response.body.cancel().catch(() => undefined);
}

/** A response that will be retried: carried out of the gate so the slot is freed meanwhile. */
class RetryLater {
  constructor(readonly response: Response) {}
}

/**
 * Pauses the rule's limiter for `key` when the response says so.
 *
 * @returns the pause asked for in ms (`0` when none).
 */
function applyHints(rule: Limited, key: unknown, response: Response): number {
  const status = response.status;
  const limited = status === 429 || status === 503;
  const hints = parseRateLimitHeaders(response.headers);
  let wait: number | undefined;
  if (limited || hints.remaining === 0) {
    wait = hints.retryAfter ?? (hints.remaining === 0 ? hints.reset : undefined);
    if (wait === undefined && limited) wait = rule.backoff.next(key);
  }
  if (!limited) rule.backoff.reset(key);
  if (wait === undefined || wait <= 0) return 0;
  const limiter = rule.limiter!;
  if (rule.keyed) (limiter as KeyedLimiter<unknown>).pause(key, wait);
  else (limiter as RateLimiter).pause(wait);
  return wait;
}

/** Whether the body can be sent again: none, a `Request`'s (cloned before sending), or a buffered one. */
function replayable(call: Call): boolean {
  const body = call.init?.body;
  if (body === undefined || body === null) return true;
  return (
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    (typeof Blob === 'function' && body instanceof Blob) ||
    (typeof URLSearchParams === 'function' && body instanceof URLSearchParams) ||
    (typeof FormData === 'function' && body instanceof FormData)
  );
}

/** The URL and method of a call, without building a `Request`. */
function callOf(input: RequestInfo | URL, init: RequestInit | undefined): Call {
  let url: UrlParts;
  let method: string | undefined = init?.method;
  if (typeof input === 'string') {
    url = urlParts(input, true);
  } else if (input instanceof URL) {
    url = input;
  } else if (typeof Request === 'function' && input instanceof Request) {
    url = urlParts(input.url, false);
    method ??= input.method;
  } else {
    url = urlParts(String(input), true);
  }
  return { input, init, url, method: method === undefined ? 'GET' : method.toUpperCase(), request: undefined };
}

/**
 * The parts of a URL the rules read, as `URL` serializes them. Internal to the package (tests).
 *
 * @example
 * ```ts
 * const parts: UrlParts = new URL('https://api.example.com/v1?q=1'); // origin, pathname, search, href
 * ```
 */
export interface UrlParts {
  readonly origin: string;
  readonly pathname: string;
  readonly search: string;
  readonly href: string;
}

/**
 * An absolute http(s) URL that `URL` leaves as it is, but for the `/` of an empty path: a
 * lower-case host name of ASCII letters, digits and `-` whose last label starts with a letter
 * (not an IPv4 address) and that holds no `xn--` label, no port, no user info, a path and a
 * query without characters that get percent-encoded, no `.` or `..` segments (nor `%2e`), no
 * fragment. Anything else goes to `URL`.
 */
const PLAIN_URL =
  /^(https?:\/\/(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*)((?:\/(?!\.|%2[eE])[\w\-.~!$&'()*+,;=:@%]*)+)?(\?[\w\-.~!$&()*+,;=:@/%?]*)?$/;

/**
 * The origin, path, query and href of a URL string, as `new URL(text, location.href)` gives
 * them, without making a `URL` for the usual absolute http(s) URL. Internal to the package.
 *
 * @param text - the URL.
 * @param relative - whether `text` may be relative to the page's `location`.
 * @returns its parts.
 * @throws TypeError for an invalid URL, as `URL` does.
 * @example
 * ```ts
 * urlParts('https://api.example.com/v1?q=1', true).origin; //=> 'https://api.example.com'
 * ```
 */
export function urlParts(text: string, relative: boolean): UrlParts {
  const m = PLAIN_URL.exec(text);
  if (m !== null && !m[1]!.includes('xn--')) {
    // The same origin as the last call's is that string again, whose hash the maps of the
    // limiters have already computed.
    const origin = m[1] === lastOrigin ? lastOrigin : (lastOrigin = m[1]!);
    const path = m[2];
    const query = m[3] ?? '';
    return { origin, pathname: path ?? '/', search: query === '?' ? '' : query, href: path === undefined ? `${origin}/${query}` : text };
  }
  return relative ? new URL(text, (globalThis as { location?: { href: string } }).location?.href) : new URL(text);
}

let lastOrigin = '';

interface Defaults {
  mode: unknown;
  maxWait: unknown;
  maxConcurrent: unknown;
}

function compileRule(rule: FetchRule, i: number, defaults: Defaults, clock: Clock): Limited {
  const name = `rules[${i}]`;
  const {
    match,
    method,
    limit,
    limiter: own,
    key,
    cost = 1,
    maxConcurrent = defaults.maxConcurrent,
    mode = defaults.mode,
    maxWait = defaults.maxWait,
  } = checkOptions(name, rule, RULE_NAMES);
  if (match === undefined) invalid(`${name}.match`, 'a URL pattern, a RegExp or a predicate (request) => boolean', match);
  if (limit === undefined && own === undefined) {
    invalid(`${name}`, 'a rule with `limit` or `limiter` (or both)', rule);
  }
  if (key !== undefined && typeof key !== 'function') invalid(`${name}.key`, 'a function (request) => key', key);
  const spec = limit === undefined ? undefined : checkLimit(`${name}.limit`, limit);
  const ownKeyed = own !== undefined && isKeyedLimiter(own);
  if (own !== undefined && !ownKeyed && !isRateLimiter(own)) invalid(`${name}.limiter`, 'a RateLimiter or a KeyedLimiter', own);

  let limiter: RateLimiter | KeyedLimiter<unknown>;
  let sync: ((key: unknown) => void) | undefined;
  let keyed = true;
  if (spec === undefined) {
    limiter = own as RateLimiter | KeyedLimiter<unknown>;
    keyed = ownKeyed;
  } else if (own === undefined) {
    limiter = new KeyedLimiter(() => new TokenBucket({ ...spec, clock }), { clock });
  } else if (!ownKeyed) {
    if (!(own instanceof BaseRateLimiter)) invalid(`${name}.limiter`, 'a limiter built on BaseRateLimiter (to stack with `limit`)', own);
    const shared = own;
    limiter = new KeyedLimiter(() => allOf(shared, new TokenBucket({ ...spec, clock: shared.clock })), { clock: shared.clock });
  } else {
    const yours = own as KeyedLimiter<unknown>;
    const stacked = new KeyedLimiter(
      (k: unknown) => {
        const part: unknown = yours.get(k);
        if (!(part instanceof BaseRateLimiter)) invalid(`${name}.limiter.get(key)`, 'a limiter built on BaseRateLimiter (to stack with `limit`)', part);
        return allOf(part, new TokenBucket({ ...spec, clock: part.clock }));
      },
      { clock: yours.clock },
    );
    limiter = stacked;
    // Your KeyedLimiter drops a key's limiter once idle and makes a fresh one on its next use:
    // a composite still holding the old one is dropped too, so both go on with the same.
    sync = (k) => {
      const composite = stacked.peek(k);
      if (composite !== undefined && composite.parts[0] !== yours.peek(k)) stacked.delete(k);
    };
  }
  if (typeof cost === 'number') checkNumber(`${name}.cost`, cost, 'a number >= 0', 0, Infinity);
  else if (typeof cost !== 'function') invalid(`${name}.cost`, 'a number or a function (request) => number', cost);
  const gate = createGate({ limiter, keyed, mode, maxWait, priority: undefined, maxConcurrent });
  const keyOf = key as ((request: Request) => unknown) | undefined;
  const costOf = cost as number | ((request: Request) => number);
  return {
    matches: matcher(`${name}.match`, match),
    methods: methodsOf(`${name}.method`, method),
    limiter,
    keyed,
    key: !keyed ? undefined : keyOf === undefined ? originOf : (call) => keyOf(requestOf(call)),
    cost: typeof costOf === 'number' ? () => costOf : (call) => costOf(requestOf(call)),
    gate,
    sync,
    backoff: new Backoff(),
  };
}

function compileUnmatched(unmatched: unknown, defaults: Defaults, clock: Clock): Limited | undefined {
  if (unmatched === 'pass') return undefined;
  let limiter: KeyedLimiter<unknown>;
  if (unmatched === 'origin') {
    // Grants at once, always, until a server hint pauses the origin.
    limiter = new KeyedLimiter(() => new TokenBucket({ capacity: 1, refillPerSecond: Infinity, clock }), { clock });
  } else if (typeof unmatched === 'object' && unmatched !== null && !Array.isArray(unmatched)) {
    const spec = checkLimit('unmatched', unmatched as FetchLimit);
    limiter = new KeyedLimiter(() => new TokenBucket({ ...spec, clock }), { clock });
  } else {
    invalid('unmatched', "'origin', 'pass' or a limit { capacity, refillPerSecond }", unmatched);
  }
  return {
    matches: () => true,
    methods: undefined,
    limiter,
    keyed: true,
    key: originOf,
    cost: () => 1,
    gate: createGate({ limiter, keyed: true, mode: defaults.mode, maxWait: defaults.maxWait, priority: undefined, maxConcurrent: defaults.maxConcurrent }),
    sync: undefined,
    backoff: new Backoff(),
  };
}

function originOf(call: Call): string {
  return call.url.origin;
}

function checkLimit(name: string, limit: FetchLimit): FetchLimit {
  const { capacity, refillPerSecond } = checkOptions(name, limit, LIMIT_NAMES);
  checkNumber(`${name}.capacity`, capacity, 'a finite number > 0', 0, Number.MAX_VALUE, true);
  checkNumber(`${name}.refillPerSecond`, refillPerSecond, 'a number >= 0', 0, Infinity);
  return { capacity: capacity!, refillPerSecond: refillPerSecond! };
}

function methodsOf(name: string, method: unknown): readonly string[] | undefined {
  if (method === undefined) return undefined;
  const list = typeof method === 'string' ? [method] : method;
  if (!Array.isArray(list) || list.length === 0 || !list.every((each) => typeof each === 'string' && each !== '')) {
    invalid(name, 'a method or a non-empty array of methods', method);
  }
  return (list as string[]).map((each) => each.toUpperCase());
}

function retryOf(retry: unknown): Retry | undefined {
  if (retry === undefined || retry === false) return undefined;
  if (retry === true) return DEFAULT_RETRY;
  const {
    limit = DEFAULT_RETRY.limit,
    methods = DEFAULT_RETRY.methods,
    maxRetryAfter = DEFAULT_RETRY.maxRetryAfter,
    statuses = DEFAULT_RETRY.statuses,
  } = checkOptions('retry', retry as FetchRetryOptions, RETRY_NAMES);
  checkNumber('retry.limit', limit, 'a whole number >= 0', 0, Infinity);
  if (!Number.isInteger(limit) && limit !== Infinity) invalid('retry.limit', 'a whole number >= 0', limit, RangeError);
  checkNumber('retry.maxRetryAfter', maxRetryAfter, 'a number of milliseconds >= 0', 0, Infinity);
  if (!Array.isArray(statuses) || !statuses.every((status) => Number.isInteger(status) && status >= 100 && status <= 599)) {
    invalid('retry.statuses', 'an array of HTTP status codes', statuses);
  }
  return { limit, methods: methodsOf('retry.methods', methods) ?? [], maxRetryAfter, statuses };
}

/** Compiles a rule's `match`. */
function matcher(name: string, match: unknown): (call: Call) => boolean {
  if (typeof match === 'function') {
    const predicate = match as (request: Request) => boolean;
    return (call) => predicate(requestOf(call)) === true;
  }
  if (match instanceof RegExp) {
    // Without the stateful flags, so `test` does not depend on the last match.
    const regexp = new RegExp(match.source, match.flags.replace(/[gy]/g, ''));
    return (call) => regexp.test(call.url.href);
  }
  if (typeof match !== 'string') invalid(name, 'a URL pattern, a RegExp or a predicate (request) => boolean', match);
  return patternMatcher(name, match);
}

/** A string URL pattern: `*` is any run of characters, within the host any run without `/`. */
function patternMatcher(name: string, pattern: string): (call: Call) => boolean {
  if (pattern === '*') return () => true;
  const withQuery = pattern.includes('?');
  const glob = (text: string, star: string): string =>
    text
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join(star);
  if (pattern.startsWith('/')) {
    const regexp = new RegExp(`^${glob(pattern, '.*')}$`);
    return withQuery ? (call) => regexp.test(call.url.pathname + call.url.search) : (call) => regexp.test(call.url.pathname);
  }
  const scheme = pattern.indexOf('://');
  if (scheme <= 0) invalid(name, "a URL pattern such as 'https://api.example.com/*' or '/api/*', a RegExp or a predicate", pattern);
  const slash = pattern.indexOf('/', scheme + 3);
  const origin = (slash === -1 ? pattern : pattern.slice(0, slash)).toLowerCase();
  const path = slash === -1 ? '/*' : pattern.slice(slash);
  const whole = new RegExp(`^${glob(origin, '[^/]*')}${glob(path, '.*')}$`);
  const wholeTest = (call: Call): boolean => whole.test(call.url.origin + call.url.pathname + (withQuery ? call.url.search : ''));
  if (origin.slice(0, scheme).includes('/')) return wholeTest;
  // Origin and path apart, without joining them: the pattern's origin can only match the whole
  // origin of a URL (`scheme://host[:port]`, no `/` after `//`) and its path (from a `/`) the
  // whole path. Not so for an opaque origin (`'null'`) or a path not starting with `/` (a
  // `blob:` URL's), which the joined form reads.
  const originRegexp = origin.includes('*') ? new RegExp(`^${glob(origin, '[^/]*')}$`) : undefined;
  const pathRegexp = new RegExp(`^${glob(path, '.*')}$`);
  return (call) => {
    const url = call.url;
    const callOrigin = url.origin;
    const pathname = url.pathname;
    if (callOrigin === 'null' || pathname.charCodeAt(0) !== 47 /* / */) return wholeTest(call);
    if (originRegexp === undefined ? callOrigin !== origin : !originRegexp.test(callOrigin)) return false;
    return pathRegexp.test(withQuery ? pathname + url.search : pathname);
  };
}
