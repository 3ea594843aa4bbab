// lazy-limiter demo: three clients fire one burst of calls at a local fake API that enforces its
// own limits: waiting for their turn (acquire), failing fast (acquireNowait), through a
// throttleFetch whose rules match the API, and through one whose rules are three times too
// generous, brought back under the limit by the API's 429 + Retry-After answers (retry on).
// Run with `npm run demo`. Exits 1 if the server answered 429 in the first three modes (the
// client let too much out), or if any call was lost in the last one.
import http from 'node:http';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { KeyedLimiter, TokenBucket, throttleFetch } from '../dist/index.js';

// The API's published limits, per endpoint: a burst of `capacity`, then `refillPerSecond`.
const LIMITS = {
  '/search': { capacity: 5, refillPerSecond: 5 },
  '/users': { capacity: 10, refillPerSecond: 10 },
};
// The client decides when a call goes, the server counts when it arrives; the delay between the
// two varies by a few ms (the first burst arrives later than single calls), so the server's
// bucket lags the client's and a later call can look early by that much. Like GCRA's delay
// variation tolerance, the server forgives that; with none, a client bucket that matches the
// server's exactly gets an occasional 429. The largest slack actually used is printed.
const JITTER_TOLERANCE_MS = 50;
const CLIENTS = 3;
const CALLS = 40;

// ---------------------------------------------------------------------------------------------
// The fake API, in a worker thread (a server has its own event loop, not the clients'), with its
// own token bucket per endpoint, written here independently of lazy-limiter.
function serveFakeApi() {
  let buckets;
  const stats = { requests: 0, tooMany: 0, maxSlackMs: 0 };
  const reset = () => {
    buckets = new Map(Object.entries(LIMITS).map(([path, l]) => [path, { tokens: l.capacity, at: performance.now() }]));
    Object.assign(stats, { requests: 0, tooMany: 0, maxSlackMs: 0 });
  };
  const send = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/health') return send(res, 200, { ok: true }); // not rate limited
    const limit = LIMITS[url.pathname];
    if (!limit) return send(res, 404, { error: 'not found' });
    stats.requests++;
    const bucket = buckets.get(url.pathname);
    const now = performance.now();
    bucket.tokens = Math.min(limit.capacity, bucket.tokens + ((now - bucket.at) / 1000) * limit.refillPerSecond);
    bucket.at = now;
    const missingMs = ((1 - bucket.tokens) / limit.refillPerSecond) * 1000; // until a whole token
    if (missingMs > JITTER_TOLERANCE_MS) {
      stats.tooMany++;
      return send(res, 429, { error: 'rate limited' }, { 'Retry-After': String(Math.ceil(missingMs / 1000)) });
    }
    stats.maxSlackMs = Math.max(stats.maxSlackMs, missingMs);
    bucket.tokens -= 1;
    send(res, 200, { path: url.pathname, client: url.searchParams.get('client'), ok: true });
  });
  reset();
  server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
  // Every message from the clients' thread is answered with the stats, after acting on it.
  parentPort.on('message', (msg) => {
    if (msg === 'reset') reset();
    if (msg !== 'close') return parentPort.postMessage({ ...stats });
    server.closeAllConnections();
    server.close(() => parentPort.postMessage({ ...stats }));
  });
}

// ---------------------------------------------------------------------------------------------
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const [green, yellow, magenta, red, dim, bold] = [32, 33, 35, 31, 2, 1].map(paint);
const pad = (s, n) => String(s).padEnd(n);
const ms = (x) => `${Math.round(x)} ms`;

// The burst: CALLS calls, clients and endpoints interleaved, all started in the same tick.
const burst = Array.from({ length: CALLS }, (_, i) => ({
  client: `client-${(i % CLIENTS) + 1}`,
  endpoint: i % 2 === 0 ? '/search' : '/users',
  n: i + 1,
}));

/** The same burst through `throttleFetch`: no limiter in sight, just a `fetch` with rules. */
async function runFetch(mode, base, ask, factor) {
  await ask('reset');
  const rules = Object.entries(LIMITS).map(([path, l]) => ({
    match: `${base}${path}`,
    limit: { capacity: l.capacity, refillPerSecond: l.refillPerSecond * factor },
  }));
  let tooMany = 0;
  const firstSent = new Map();
  // Note when each call first leaves, and count what the server answered before retries hide it.
  const counted = async (input, init) => {
    const url = typeof input === 'string' ? input : input.url;
    if (!firstSent.has(url)) firstSent.set(url, performance.now());
    const res = await fetch(input, init);
    if (res.status === 429) tooMany++;
    return res;
  };
  const api = throttleFetch({ fetch: counted, rules, retry: factor > 1 ? { limit: 10 } : false });
  const counts = { calls: 0, atOnce: 0, waited: 0, failedFast: 0, tooMany: 0, errors: 0, lost: 0 };
  const t0 = performance.now();
  console.log(
    bold(`\nmode: ${mode}`) +
      dim(`  (${CALLS} calls; rules ${factor === 1 ? 'match the API' : `${factor}x too generous, retry on`})`),
  );
  await Promise.all(
    burst.map(async (call) => {
      counts.calls++;
      const start = performance.now();
      let status;
      const url = `${base}${call.endpoint}?client=${call.client}&n=${call.n}`;
      try {
        const res = await api(url);
        await res.json();
        status = res.status === 200 ? green('200') : red(String(res.status));
        if (res.status !== 200) counts.lost++;
      } catch (error) {
        counts.errors++;
        status = red(`error: ${error.message}`);
      }
      const waited = (firstSent.get(url) ?? start) - start;
      const atOnce = waited < 10; // starting 40 calls in one tick takes a few ms by itself
      counts[atOnce ? 'atOnce' : 'waited']++;
      const retried = status === green('200') && performance.now() - start - waited > 500 ? dim(' (after a 429 and a retry)') : '';
      const outcome = atOnce ? green(pad('sent at once', 17)) : yellow(pad(`sent after ${ms(waited)}`, 17));
      status += retried;
      const at = `+${String(Math.round(performance.now() - t0)).padStart(5)} ms`;
      console.log(`  ${dim(at)}  ${pad(call.client, 9)} ${pad(call.endpoint, 8)}  ${outcome}  ${status}`);
    }),
  );
  counts.tooMany = tooMany;
  const wall = performance.now() - t0;
  const server = await ask('stats');
  return { mode, ...counts, serverHits: server.requests, serverTooMany: server.tooMany, slack: server.maxSlackMs, wall, expect429: factor > 1 };
}

async function run(mode, base, ask) {
  await ask('reset');
  // One limiter for all clients of this process, keyed by endpoint, matching the server's limits.
  const limiter = new KeyedLimiter((endpoint) => new TokenBucket(LIMITS[endpoint]));
  const counts = { calls: 0, atOnce: 0, waited: 0, failedFast: 0, tooMany: 0, errors: 0 };
  const t0 = performance.now();
  const line = (call, outcome, status = '') => {
    const at = `+${String(Math.round(performance.now() - t0)).padStart(5)} ms`;
    console.log(`  ${dim(at)}  ${pad(call.client, 9)} ${pad(call.endpoint, 8)}  ${outcome}  ${status}`.trimEnd());
  };
  const hit = async (call) => {
    try {
      const res = await fetch(`${base}${call.endpoint}?client=${call.client}&n=${call.n}`);
      await res.json();
      if (res.status === 200) return green('200');
      if (res.status === 429) counts.tooMany++;
      else counts.errors++;
      return red(`${res.status} (Retry-After ${res.headers.get('retry-after')} s)`);
    } catch (error) {
      counts.errors++;
      return red(`error: ${error.message}`);
    }
  };

  console.log(bold(`\nmode: ${mode}`) + dim(`  (${CALLS} calls from ${CLIENTS} clients in one burst)`));
  await Promise.all(
    burst.map(async (call) => {
      counts.calls++;
      const start = performance.now();
      if (mode === 'wait') {
        const atOnce = limiter.timeToAvailable(call.endpoint) === 0;
        await limiter.acquire(call.endpoint);
        const outcome = atOnce ? green(pad('granted at once', 17)) : yellow(pad(`waited ${ms(performance.now() - start)}`, 17));
        counts[atOnce ? 'atOnce' : 'waited']++;
        line(call, outcome, await hit(call));
      } else if (limiter.acquireNowait(call.endpoint)) {
        counts.atOnce++;
        line(call, green(pad('granted at once', 17)), await hit(call));
      } else {
        counts.failedFast++;
        line(call, magenta(`failed fast (retry in ${ms(limiter.timeToAvailable(call.endpoint))})`));
      }
    }),
  );
  const wall = performance.now() - t0;
  const server = await ask('stats');
  return { mode, ...counts, serverHits: server.requests, serverTooMany: server.tooMany, slack: server.maxSlackMs, wall };
}

if (!isMainThread) {
  serveFakeApi();
} else {
  const started = performance.now();
  const worker = new Worker(new URL(import.meta.url));
  const ask = async (msg) => {
    worker.postMessage(msg);
    return (await once(worker, 'message'))[0];
  };
  const [{ port }] = await once(worker, 'message');
  const base = `http://127.0.0.1:${port}`;
  console.log(bold('lazy-limiter demo') + dim(`  fake API on ${base} (worker thread)`));
  for (const [path, l] of Object.entries(LIMITS)) {
    console.log(dim(`  server limit ${pad(path, 8)} ${l.refillPerSecond}/s, burst ${l.capacity}; client buckets match`));
  }
  // Warm up fetch and the server (first calls are slow) and open the keep-alive sockets the
  // burst will use, so the burst arrives soon after it is granted.
  await Promise.all(Array.from({ length: CALLS }, () => fetch(`${base}/health`).then((r) => r.json())));

  const results = [];
  try {
    results.push(await run('wait', base, ask));
    results.push(await run('fail-fast', base, ask));
    results.push(await runFetch('fetch', base, ask, 1));
    results.push(await runFetch('hints', base, ask, 3));
  } finally {
    await ask('close');
    await worker.terminate();
  }

  console.log(bold('\nsummary'));
  console.log(dim('  mode        calls  at once  waited  failed fast  server hits  server 429s  wall'));
  for (const r of results) {
    const tooMany = (r.tooMany === 0 ? green : red)(pad(r.tooMany, 11));
    console.log(
      `  ${pad(r.mode, 10)}  ${pad(r.calls, 5)}  ${pad(r.atOnce, 7)}  ${pad(r.waited, 6)}  ${pad(r.failedFast, 11)}  ` +
        `${pad(r.serverHits, 11)}  ${tooMany}  ${ms(r.wall)}`,
    );
  }
  const slack = Math.max(...results.map((r) => r.slack));
  console.log(dim(`  largest arrival jitter the server forgave: ${slack.toFixed(1)} ms (tolerance ${JITTER_TOLERANCE_MS} ms)`));
  console.log(dim(`  total ${ms(performance.now() - started)}`));

  // The server's own count is the authority; the clients' count must agree with it. In the
  // last mode 429s are expected (the rules are too generous): what counts is that every call
  // got its 200 in the end, through the retries the server's Retry-After paced.
  const strict = results.filter((r) => !r.expect429);
  const hinted = results.filter((r) => r.expect429);
  const failed =
    strict.some((r) => r.tooMany > 0 || r.serverTooMany > 0 || r.errors > 0) ||
    hinted.some((r) => (r.lost ?? 0) > 0 || r.errors > 0 || r.serverHits - r.serverTooMany !== r.calls);
  for (const r of hinted) {
    console.log(dim(`  ${r.mode}: the server answered ${r.serverTooMany} x 429; every one of the ${r.calls} calls got its 200 after retrying`));
  }
  console.log(
    failed
      ? red('\nself-check FAILED: the server refused calls the client limiter let through, or a call was lost')
      : green('\nself-check passed: no 429 where the rules match the API; none lost where they do not'),
  );
  process.exitCode = failed ? 1 : 0;
}
