// Smoke test of the built ESM entry points in any JavaScript runtime: plain ESM, no test
// framework, no Node built-ins. Run after `npm run build`:
//   node test/runtimes/smoke.mjs
//   deno run --allow-read --allow-env test/runtimes/smoke.mjs
//   bun test/runtimes/smoke.mjs
// It throws (non-zero exit) on the first failed check and prints `ok <runtime>` at the end.
// test/runtimes.node.test.ts runs it in all three.
import { createSystemClock, isRateLimitError, KeyedLimiter, RateLimitError, TokenBucket } from '../../dist/index.js';
import { createManualClock } from '../../dist/testing.js';

const runtime =
  typeof globalThis.Deno !== 'undefined'
    ? `deno ${globalThis.Deno.version.deno}`
    : typeof globalThis.Bun !== 'undefined'
      ? `bun ${globalThis.Bun.version}`
      : `node ${globalThis.process?.versions?.node ?? '?'}`;

function check(condition, message) {
  if (!condition) throw new Error(`smoke (${runtime}): ${message}`);
}

function same(actual, expected, message) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${message}: expected ${e}, got ${a}`);
}

/** The rejection of `promise`, or a failed check if it resolves. */
async function rejection(promise, message) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`smoke (${runtime}): ${message}: resolved, expected a rejection`);
}

// 1. Burst, then refusal (manual clock: nothing refills behind our back).
{
  const clock = createManualClock();
  const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 10, clock });
  same([bucket.acquireNowait(), bucket.acquireNowait(), bucket.acquireNowait()], [true, true, false], 'burst of 2, then refused');
  same(bucket.timeToAvailable(), 100, 'timeToAvailable after the burst');
}

// 2. An awaited acquire on the real clock really waits: one token at 10/s is ~100 ms.
//    unref: false, so the pending timer keeps Node (and any runtime honouring unref) alive.
{
  const clock = createSystemClock({ unref: false });
  const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 10, clock });
  check(bucket.acquireNowait(), 'first token of a full bucket');
  const start = performance.now();
  await bucket.acquire();
  const waited = performance.now() - start;
  check(waited >= 90 && waited < 2_000, `awaited acquire waited ${waited.toFixed(1)} ms, expected ~100 ms`);
}

// 3. KeyedLimiter: one bucket per key, independent of the others.
{
  const clock = createManualClock();
  const keyed = new KeyedLimiter(() => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock }), { clock });
  same(
    [keyed.acquireNowait('a'), keyed.acquireNowait('a'), keyed.acquireNowait('b'), keyed.acquireNowait('b')],
    [true, false, true, false],
    'per-key buckets',
  );
  await clock.advance(1_000);
  same([keyed.acquireNowait('a'), keyed.acquireNowait('b')], [true, true], 'both keys refilled after 1 s');
}

// 4. Manual clock: advancing it resolves a waiter, and not before its time.
{
  const clock = createManualClock();
  const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 2, clock });
  check(bucket.acquireNowait(), 'manual: first token');
  let granted = false;
  const waiter = bucket.acquire().then(() => {
    granted = true;
  });
  await clock.advance(499);
  check(!granted, 'manual: waiter granted before 500 ms');
  await clock.advance(1);
  await waiter;
  check(granted, 'manual: waiter not granted at 500 ms');
  same(clock.pendingTimers, 0, 'manual: pending timers after the grant');
}

// 5. maxWait: a wait longer than allowed is refused at once with a RateLimitError.
{
  const clock = createManualClock();
  const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
  bucket.acquireNowait();
  const error = await rejection(bucket.acquire(1, { maxWait: 100 }), 'maxWait 100 with a 1000 ms wait');
  check(error instanceof RateLimitError, `maxWait: not a RateLimitError: ${error}`);
  check(isRateLimitError(error), 'maxWait: isRateLimitError is false');
  same([error.name, error.reason, error.retryAfter], ['RateLimitError', 'max-wait', 1_000], 'maxWait error');
  same(bucket.stats.waiting, 0, 'maxWait: nobody left waiting');
}

// 6. AbortSignal: aborting a waiting acquire rejects it with the signal's reason.
{
  const clock = createManualClock();
  const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
  bucket.acquireNowait();
  const controller = new AbortController();
  const waiting = bucket.acquire(1, { signal: controller.signal });
  same(bucket.stats.waiting, 1, 'abort: one waiter before the abort');
  const reason = new Error('stop waiting');
  controller.abort(reason);
  const error = await rejection(waiting, 'aborted acquire');
  check(error === reason, `abort: rejected with ${error}, not the signal's reason`);
  same([bucket.stats.waiting, bucket.stats.aborted], [0, 1], 'abort: waiting, aborted');

  // An already aborted signal rejects at once with its (default) reason.
  const pre = AbortSignal.abort();
  const early = await rejection(bucket.acquire(1, { signal: pre }), 'acquire with an aborted signal');
  check(early === pre.reason, `abort: pre-aborted signal rejected with ${early}`);
}

console.log(`ok ${runtime}`);
