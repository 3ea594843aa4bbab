// Per-call overhead of the drop-in layer when no call has to wait:
//   - throttle(fn) around a trivial async fn, against calling fn directly, and against
//     bottleneck's wrap and p-throttle around the same fn (both configured never to hold a call);
//   - throttleFetch around a fake fetch that returns a pre-built Response, against the fake
//     fetch directly.
// Each cell runs in a fresh process (no JIT state or garbage shared between subjects), cells are
// interleaved round by round, and each reports the median of 5 rounds; ratios are to the
// direct call of the same group.
//
//   npm run build && node bench/overhead.mjs [--quick]
//
// Prints a table and writes bench/overhead.json.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const ROUNDS = 5;
const TARGET = 1.3;

/** Builds the function each cell calls; `group` says what its ratio is taken against. */
const CELLS = {
  'fn direct': { group: 'fn', async make() {
    return fn;
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
};

async function fn(x) {
  return x;
}

const RESPONSE = new Response('ok', { headers: { 'content-type': 'text/plain' } });
async function fakeFetch() {
  return RESPONSE;
}

const URL_ARG = 'https://api.example.com/v1/users/42';

/** One cell in this process: ns per awaited call. */
async function runCell(name, quick) {
  const call = await CELLS[name].make();
  const isFetch = CELLS[name].group === 'fetch';
  const loop = async (count) => {
    let sum = 0;
    if (isFetch) for (let i = 0; i < count; i++) sum += (await call(URL_ARG)).status;
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
  const direct = { fn: median(samples['fn direct']), fetch: median(samples['fetch direct']) };
  const rows = names.map((name) => {
    const ns = median(samples[name]);
    const group = CELLS[name].group;
    const directSamples = samples[group === 'fn' ? 'fn direct' : 'fetch direct'];
    // Also the median of the ratios within each round, steadier when the machine's load drifts.
    const paired = median(samples[name].map((value, round) => value / directSamples[round]));
    return {
      name,
      group,
      ns: Math.round(ns),
      ratio: Number((ns / direct[group]).toFixed(2)),
      pairedRatio: Number(paired.toFixed(2)),
      samples: samples[name].map(Math.round),
    };
  });

  const width = Math.max(...names.map((name) => name.length));
  console.log(`${'subject'.padEnd(width)}  ns/call  × direct  × direct, per round`);
  for (const row of rows) {
    console.log(`${row.name.padEnd(width)}  ${String(row.ns).padStart(7)}  ${row.ratio.toFixed(2).padStart(8)}  ${row.pairedRatio.toFixed(2).padStart(19)}`);
  }
  const throttled = rows.find((row) => row.name === 'throttle(fn)');
  console.log(`\nthrottle(fn): ${throttled.ratio}× the direct call (target ≤ ${TARGET}×): ${throttled.ratio <= TARGET ? 'met' : 'not met'}`);

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
    rows,
  };
  writeFileSync(new URL('./overhead.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
}

await main();
