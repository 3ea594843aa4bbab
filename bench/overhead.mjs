// Per-call overhead of the drop-in layer when no call has to wait:
//   - throttle(fn) around a trivial async fn, against calling fn directly, against the floor of
//     any limiter (a hand-written `bucket.tryTake() ? fn() : …` around the same fn, with
//     bench/baseline.mjs's BaselineBucket: one clock read and a few numbers per call), and
//     against bottleneck's wrap and p-throttle around the same fn (both configured never to
//     hold a call);
//   - throttleFetch around a fake fetch that returns a pre-built Response, against the fake
//     fetch directly;
//   - parseRateLimitHeaders on a GitHub-style Headers (11 headers, 4 of them read) and on one
//     that carries no rate-limit header (a plain `Content-Type`).
// Each cell runs in a fresh process (no JIT state or garbage shared between subjects), cells are
// interleaved round by round, and each reports the median of the rounds (7 by default, at least
// 5); ratios are to the direct call of the same group.
//
//   npm run build && node bench/overhead.mjs [--quick] [--rounds N]
//
// Prints a table and writes bench/overhead.json.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const roundsIndex = process.argv.indexOf('--rounds');
const ROUNDS = roundsIndex === -1 ? 7 : Math.max(5, Number(process.argv[roundsIndex + 1]));
const TARGET = 1.3;

/** Builds the function each cell calls; `group` says what its ratio is taken against. */
const CELLS = {
  'fn direct': { group: 'fn', async make() {
    return fn;
  } },
  'floor: bucket.tryTake() ? fn() : …': { group: 'fn', async make() {
    const { BaselineBucket } = await import('./baseline.mjs');
    // Refilled far faster than it is drained: every call finds its token. (An infinite rate
    // would make the refill NaN when two calls read the same instant.)
    const bucket = new BaselineBucket(1e15, 1e15);
    return (x) => (bucket.tryTake() ? fn(x) : Promise.reject(new Error('no token')));
  } },
  'throttle(fn)': { group: 'fn', async make() {
    const { throttle, TokenBucket } = await import('../dist/index.js');
    // Refilled at an infinite rate: every call finds its token.
    return throttle(fn, { limiter: new TokenBucket({ capacity: 1, refillPerSecond: Infinity }) });
  } },
  'throttle(fn), keyed': { group: 'fn', async make() {
    const { throttle, TokenBucket, KeyedLimiter } = await import('../dist/index.js');
    const limiter = new KeyedLimiter(() => new TokenBucket({ capacity: 1, refillPerSecond: Infinity }));
    return throttle(fn, { limiter, key: () => 'tenant-1' });
  } },
  'throttle(fn), maxConcurrent 16': { group: 'fn', async make() {
    const { throttle, TokenBucket } = await import('../dist/index.js');
    return throttle(fn, { limiter: new TokenBucket({ capacity: 1, refillPerSecond: Infinity }), maxConcurrent: 16 });
  } },
  'p-queue add(fn), concurrency 16': { group: 'fn', async make() {
    const { default: PQueue } = await import('p-queue');
    const queue = new PQueue({ concurrency: 16 });
    return (x) => queue.add(() => fn(x));
  } },
  'bottleneck wrap(fn)': { group: 'fn', async make() {
    const { default: Bottleneck } = await import('bottleneck');
    // No maxConcurrent, no minTime, no reservoir: bottleneck's fastest setting.
    return new Bottleneck().wrap(fn);
  } },
  'p-throttle(fn)': { group: 'fn', async make() {
    const { default: pThrottle } = await import('p-throttle');
    return pThrottle({ limit: Number.MAX_SAFE_INTEGER, interval: 1_000 })(fn);
  } },
  'fetch direct': { group: 'fetch', async make() {
    return fakeFetch;
  } },
  'throttleFetch, a rule': { group: 'fetch', async make() {
    const { throttleFetch } = await import('../dist/index.js');
    return throttleFetch({
      fetch: fakeFetch,
      rules: [{ match: 'https://api.example.com/*', limit: { capacity: 1, refillPerSecond: Infinity } }],
    });
  } },
  'throttleFetch, unmatched': { group: 'fetch', async make() {
    const { throttleFetch } = await import('../dist/index.js');
    return throttleFetch({ fetch: fakeFetch });
  } },
  'parseRateLimitHeaders, GitHub': { group: 'hints', async make() {
    const { parseRateLimitHeaders } = await import('../dist/index.js');
    return () => parseRateLimitHeaders(GITHUB_HEADERS);
  } },
  'parseRateLimitHeaders, none': { group: 'hints', async make() {
    const { parseRateLimitHeaders } = await import('../dist/index.js');
    return () => parseRateLimitHeaders(RESPONSE.headers);
  } },
};

async function fn(x) {
  return x;
}

const RESPONSE = new Response('ok', { headers: { 'content-type': 'text/plain' } });
async function fakeFetch() {
  return RESPONSE;
}

const URL_ARG = 'https://api.example.com/v1/users/42';

/** What api.github.com answers with, less the body's headers. */
const GITHUB_HEADERS = new Headers({
  'cache-control': 'private, max-age=60, s-maxage=60',
  'content-type': 'application/json; charset=utf-8',
  date: 'Thu, 26 Nov 2026 11:54:31 GMT',
  etag: 'W/"5e5b4a5c0d3e"',
  vary: 'Accept, Authorization, Cookie, X-GitHub-OTP',
  'x-github-request-id': 'C3D4:2F1A:1B2C3D:1C2D3E:6745B2A7',
  'x-ratelimit-limit': '5000',
  'x-ratelimit-remaining': '4987',
  'x-ratelimit-reset': '1795700000',
  'x-ratelimit-resource': 'core',
  'x-ratelimit-used': '13',
});

/** One cell in this process: ns per awaited call. */
async function runCell(name, quick) {
  const call = await CELLS[name].make();
  const group = CELLS[name].group;
  const loop = async (count) => {
    let sum = 0;
    if (group === 'fetch') for (let i = 0; i < count; i++) sum += (await call(URL_ARG)).status;
    else if (group === 'hints') for (let i = 0; i < count; i++) sum += call().remaining ?? 0;
    else for (let i = 0; i < count; i++) sum += await call(i);
    return sum;
  };
  // Runs for about `ms` of wall time in batches that grow until one takes 20 ms (a slow subject
  // gets fewer calls, a fast one millions); returns ns per call.
  const timed = async (ms) => {
    let calls = 0;
    let batch = 1;
    const start = process.hrtime.bigint();
    const end = start + BigInt(ms * 1e6);
    for (;;) {
      const before = process.hrtime.bigint();
      await loop(batch);
      calls += batch;
      const now = process.hrtime.bigint();
      if (now >= end) return Number(now - start) / calls;
      if (now - before < 20_000_000n) batch *= 2;
    }
  };
  // Warm-up (the JIT settles), then the measured run.
  await timed(quick ? 100 : 300);
  const ns = await timed(quick ? 200 : 700);
  process.stdout.write(JSON.stringify({ name, ns }) + '\n');
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function main() {
  const quick = process.argv.includes('--quick');
  const cellIndex = process.argv.indexOf('--cell');
  if (cellIndex !== -1) {
    await runCell(process.argv[cellIndex + 1], quick);
    return;
  }
  const names = Object.keys(CELLS);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const out = execFileSync(process.execPath, [self, '--cell', name, ...(quick ? ['--quick'] : [])], { encoding: 'utf8' });
      samples[name].push(JSON.parse(out.trim().split('\n').at(-1)).ns);
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
  }
  const directOf = { fn: 'fn direct', fetch: 'fetch direct' };
  const rows = names.map((name) => {
    const ns = median(samples[name]);
    const group = CELLS[name].group;
    const directSamples = samples[directOf[group]];
    const row = { name, group, ns: Math.round(ns), ratio: null, pairedRatio: null, samples: samples[name].map(Math.round) };
    if (directSamples !== undefined) {
      row.ratio = Number((ns / median(directSamples)).toFixed(2));
      // Also the median of the ratios within each round, steadier when the machine's load drifts.
      row.pairedRatio = Number(median(samples[name].map((value, round) => value / directSamples[round])).toFixed(2));
    }
    return row;
  });

  const width = Math.max(...names.map((name) => name.length));
  const ratio = (value) => (value === null ? '' : value.toFixed(2));
  console.log(`${'subject'.padEnd(width)}  ns/call  × direct  × direct, per round`);
  for (const row of rows) {
    console.log(`${row.name.padEnd(width)}  ${String(row.ns).padStart(7)}  ${ratio(row.ratio).padStart(8)}  ${ratio(row.pairedRatio).padStart(19)}`);
  }
  const throttled = rows.find((row) => row.name === 'throttle(fn)');
  const floor = rows.find((row) => row.name.startsWith('floor'));
  const direct = rows.find((row) => row.name === 'fn direct');
  // How much of throttle(fn)'s overhead over the direct call the floor (the clock read every
  // limiter needs, and a few numbers) already costs, per round.
  const share = median(samples[throttled.name].map((value, round) => (samples[floor.name][round] - samples[direct.name][round]) / (value - samples[direct.name][round])));
  console.log(`\nthrottle(fn): ${throttled.ratio}× the direct call (target ≤ ${TARGET}×): ${throttled.ratio <= TARGET ? 'met' : 'not met'}`);
  console.log(`the floor: ${floor.ratio}× the direct call, ${Math.round(share * 100)}% of throttle(fn)'s overhead (median per round)`);

  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    rounds: ROUNDS,
    quick,
    method: 'sequential awaited calls in a fresh process per cell, 300 ms warm-up then 700 ms timed; median of rounds interleaved across cells',
    target: { subject: 'throttle(fn)', ratio: TARGET, met: throttled.ratio <= TARGET },
    floorShareOfThrottleOverhead: Number(share.toFixed(2)),
    rows,
  };
  writeFileSync(new URL('./overhead.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
}

await main();
