// One benchmark cell: one subject x one scenario, in a fresh process, printing one JSON line.
//   node [--expose-gc] bench/cell.mjs <subject> <scenario> [--quick]
// Driven by bench/run.mjs; runnable by hand for a single look.

// Count timers before anything else is loaded (subjects are imported dynamically below).
const timers = { setTimeout: 0, setInterval: 0 };
const realSetTimeout = globalThis.setTimeout;
const realSetInterval = globalThis.setInterval;
globalThis.setTimeout = function setTimeout(...args) {
  timers.setTimeout++;
  return realSetTimeout.apply(this, args);
};
globalThis.setInterval = function setInterval(...args) {
  timers.setInterval++;
  return realSetInterval.apply(this, args);
};
const timerCount = () => timers.setTimeout + timers.setInterval;

const [subjectName, scenario, ...flags] = process.argv.slice(2);
const QUICK = flags.includes('--quick');
const WARM_MS = QUICK ? 80 : 250; // warm-up time per cell (JIT, steady state)
const TARGET_MS = QUICK ? 200 : 500; // measured time per cell

const hr = process.hrtime.bigint;
const ms = (a, b) => Number(b - a) / 1e6;

function out(obj) {
  process.stdout.write(JSON.stringify({ subject: subjectName, scenario, ...obj }) + '\n');
}

const { SUBJECTS, NotApplicable } = await import('./subjects.mjs');
if (!SUBJECTS[subjectName]) throw new Error(`unknown subject ${subjectName}`);
let S;
try {
  S = await SUBJECTS[subjectName]();
} catch (e) {
  if (e instanceof NotApplicable) {
    out({ na: e.message });
    process.exit(0);
  }
  throw e;
}
const note = S.notes[scenario];

// ---------------------------------------------------------------- loops
// Each process runs one subject, so every call site below stays monomorphic.
function loopSync(n, op) {
  let g = 0;
  for (let i = 0; i < n; i++) if (op()) g++;
  return g;
}
async function loopAsync(n, op) {
  let g = 0;
  for (let i = 0; i < n; i++) if (await op()) g++;
  return g;
}
let kj = 0;
function loopKeyedSync(n, op, keys) {
  let g = 0;
  let j = kj;
  const K = keys.length;
  for (let i = 0; i < n; i++) {
    if (op(keys[j])) g++;
    if (++j === K) j = 0;
  }
  kj = j;
  return g;
}
async function loopKeyedAsync(n, op, keys) {
  let g = 0;
  let j = kj;
  const K = keys.length;
  for (let i = 0; i < n; i++) {
    if (await op(keys[j])) g++;
    if (++j === K) j = 0;
  }
  kj = j;
  return g;
}

/** Warm up for WARM_MS in growing batches, then one timed run sized for ~TARGET_MS. */
async function measure(run, minBatch = 1000) {
  let n = minBatch;
  let nsPerOp = 0;
  const start = hr();
  for (;;) {
    const a = hr();
    await run(n);
    const b = hr();
    nsPerOp = Number(b - a) / n;
    if (ms(start, b) >= WARM_MS) break;
    if (ms(a, b) < 25) n *= 2;
  }
  const ops = Math.max(minBatch, Math.round((TARGET_MS * 1e6) / nsPerOp));
  const t0 = timerCount();
  const a = hr();
  const granted = await run(ops);
  const b = hr();
  const ns = Number(b - a) / ops;
  return { ops, nsPerOp: ns, opsPerSec: 1e9 / ns, granted: granted / ops, timers: timerCount() - t0 };
}

function makeKeys(n, prefix = 'tenant-') {
  const keys = new Array(n);
  for (let i = 0; i < n; i++) keys[i] = prefix + i;
  // 'tenant-' + i is a cons string from 13 chars on; hashing flattens it in place. Do that
  // now, so no subject pays (or is charged heap for) flattening the harness's keys.
  new Set(keys);
  return keys;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

// ---------------------------------------------------------------- scenarios
/** The subject's other algorithms (lazy-limiter; the baseline's stand-ins), else n/a. */
function algorithms() {
  if (!S.algorithms) throw new NotApplicable('no such algorithm');
  return S.algorithms;
}
function measureOne(op) {
  return S.asyncNowait ? measure((n) => loopAsync(n, op)) : measure((n) => loopSync(n, op));
}
/**
 * Two windows whose limits are never reached. A log holds one entry per grant inside its
 * largest window, so at millions of calls per second per-second and per-minute windows would
 * grow it to tens of millions of entries; 10 ms and 100 ms windows keep it at a steady size
 * (about 100 ms of calls) in which every call appends one entry and expires about one.
 */
const SLIDING_GRANTING = [
  { limit: 1e9, interval: 10 },
  { limit: 1e9, interval: 100 },
];

const scenarios = {
  async 'nowait-one-key'() {
    const op = S.one(1e9, 1e9);
    return S.asyncNowait ? measure((n) => loopAsync(n, op)) : measure((n) => loopSync(n, op));
  },

  async 'nowait-one-key-limited'() {
    const op = S.one(10, 5);
    return S.asyncNowait ? measure((n) => loopAsync(n, op)) : measure((n) => loopSync(n, op));
  },

  async 'nowait-100k-keys'() {
    const K = QUICK ? 20_000 : 100_000;
    const keys = makeKeys(K);
    const k = S.keyed(10, 5);
    // Warm-up pass that creates every key.
    if (S.asyncNowait) await loopKeyedAsync(K, k.op, keys);
    else loopKeyedSync(K, k.op, keys);
    const r = S.asyncNowait
      ? await measure((n) => loopKeyedAsync(n, k.op, keys), K)
      : await measure((n) => loopKeyedSync(n, k.op, keys), K);
    return { ...r, keys: K, size: k.size() };
  },

  async 'heap-per-key'() {
    if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
    const N = QUICK ? 200_000 : 1_000_000;
    // Refill so slow that no key is full (idle) again before the measurement ends: a limiter
    // that drops idle keys (lazy-limiter does, losslessly) must still hold every key here.
    const CAP = 10;
    const RATE = 0.01;
    // Warm the code paths on a throwaway instance so JIT code is not charged to the keys.
    {
      const w = S.keyed(CAP, RATE);
      const wk = makeKeys(20_000, 'warm-');
      if (S.asyncNowait) await loopKeyedAsync(wk.length, w.op, wk);
      else loopKeyedSync(wk.length, w.op, wk);
    }
    const keys = makeKeys(N);
    const k = S.keyed(CAP, RATE);
    kj = 0;
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    const t0 = timerCount();
    const a = hr();
    const granted = S.asyncNowait ? await loopKeyedAsync(N, k.op, keys) : loopKeyedSync(N, k.op, keys);
    const b = hr();
    const timersCreated = timerCount() - t0;
    gc();
    gc();
    const after = process.memoryUsage().heapUsed;
    const size = k.size();
    globalThis.__keep = [k.keep, keys]; // keep both alive past the measurement
    return {
      keys: N,
      bytesPerKey: (after - before) / N,
      bytesPerHeldKey: (after - before) / size,
      nsPerKey: Number(b - a) / N,
      granted: granted / N,
      size,
      timers: timersCreated,
    };
  },

  // lazy-limiter's other algorithms, one key (or keyed), against the baseline's token bucket.
  async 'nowait-fixed-window'() {
    return measureOne(algorithms().fixedWindow({ limit: 1e9, interval: 1000 }));
  },

  async 'nowait-sliding-log'() {
    return measureOne(algorithms().slidingWindowLog(SLIDING_GRANTING));
  },

  async 'nowait-sliding-log-limited'() {
    return measureOne(algorithms().slidingWindowLog([{ limit: 10, interval: 1000 }, { limit: 100, interval: 60_000 }]));
  },

  // allOf(global, perKey) through a KeyedLimiter, the global bucket shared by every key.
  async 'nowait-all-of-one-key'() {
    const k = algorithms().allOfKeyed([1e9, 1e9], [1e9, 1e9]);
    const keys = makeKeys(1);
    const r = await measure((n) => loopKeyedSync(n, k.op, keys));
    return { ...r, keys: 1, size: k.size() };
  },

  async 'nowait-all-of-100k-keys'() {
    const K = QUICK ? 20_000 : 100_000;
    const keys = makeKeys(K);
    // Per key: a bucket that never runs dry in the cell (granting) and is never full again
    // (not idle), so every key stays held, as in a busy service.
    const k = algorithms().allOfKeyed([1e9, 1e9], [1e9, 0.01]);
    loopKeyedSync(K, k.op, keys);
    const r = await measure((n) => loopKeyedSync(n, k.op, keys), K);
    return { ...r, keys: K, size: k.size() };
  },

  async 'acquire-no-wait'() {
    const op = S.waiter(1e9, 1e9);
    const t0 = timerCount();
    const r = await measure((n) => loopAsync(n, op).then(() => n));
    return { ...r, granted: undefined, timersTotal: timerCount() - t0 };
  },

  async accuracy() {
    const N = QUICK ? 100 : 400;
    const CAP = 10;
    const RATE = 50; // per second -> one token per 20 ms
    const step = 1000 / RATE;
    const acquire = S.waiter(CAP, RATE);
    if (typeof globalThis.gc === 'function') gc();
    const times = new Float64Array(N);
    const order = new Int32Array(N);
    const called = new Float64Array(N);
    // Grants made synchronously inside acquire() (the initial burst) are only seen when the
    // issuing loop is over, in the first microtask turn; for those, the grant happened during
    // the call, so their time is taken as the call time. Otherwise a slow issuing loop would
    // bunch the burst up late and fake a window with more than the bound.
    let firstTurn = true;
    const inFirstTurn = new Uint8Array(N);
    let g = 0;
    const t0timers = timerCount();
    // lazy-limiter unref()s its timers (a waiting limiter must not keep a process alive), so
    // hold the event loop open ourselves, with an uncounted timer.
    const keepAlive = realSetInterval(() => {}, 1000);
    const t0 = performance.now();
    const all = [];
    for (let i = 0; i < N; i++) {
      called[i] = performance.now();
      all.push(
        acquire().then(() => {
          times[g] = performance.now();
          inFirstTurn[g] = firstTurn ? 1 : 0;
          order[g] = i;
          g++;
        }),
      );
    }
    const issueMs = performance.now() - t0; // time to make the N calls
    setImmediate(() => (firstTurn = false));
    await Promise.all(all);
    let syncGrants = 0;
    for (let i = 0; i < N; i++) {
      if (inFirstTurn[i]) {
        times[i] = called[order[i]];
        syncGrants++;
      }
    }
    for (let i = 1; i < N; i++) if (times[i] < times[i - 1]) times[i] = times[i - 1]; // keep sorted
    clearInterval(keepAlive);
    const timersCreated = timerCount() - t0timers;
    const late = [];
    for (let i = 0; i < N; i++) {
      const ideal = t0 + (i < CAP ? 0 : (i - (CAP - 1)) * step);
      late.push(times[i] - ideal);
    }
    const sorted = late.slice().sort((x, y) => x - y);
    // Most grants in any closed 1000 ms window [t, t + 1000] (bound: capacity + rate * 1 s).
    let maxIn1s = 0;
    for (let i = 0, j = 0; i < N; i++) {
      while (j < N && times[j] - times[i] <= 1000) j++;
      maxIn1s = Math.max(maxIn1s, j - i);
    }
    let outOfOrder = 0;
    for (let i = 0; i < N; i++) if (order[i] !== i) outOfOrder++;
    return {
      callers: N,
      bound: CAP + RATE,
      maxIn1s,
      fifo: outOfOrder === 0,
      outOfOrder,
      p50LateMs: percentile(sorted, 50),
      p99LateMs: percentile(sorted, 99),
      maxLateMs: sorted[N - 1],
      minLateMs: sorted[0], // negative = granted before the ideal schedule
      durationMs: times[N - 1] - t0,
      issueMs,
      syncGrants,
      idealDurationMs: (N - CAP) * step,
      timers: timersCreated,
    };
  },
};

if (!scenarios[scenario]) throw new Error(`unknown scenario ${scenario}`);
let result;
try {
  result = await scenarios[scenario]();
} catch (e) {
  if (!(e instanceof NotApplicable)) throw e;
  out({ na: e.message });
  process.exit(0);
}
out({ ...result, note, memory: process.memoryUsage().rss });
// Peers may leave unref'd or pending timers (rate-limiter-flexible's key expiry): do not wait.
process.exit(0);
