// One "same schedule" cell: one limiter library, one workload shape, on the real clock, in a
// fresh process, printing one JSON line.
//   node bench/schedule.mjs <subject> <burst|spread> [--quick]
// Driven by `node bench/run.mjs --schedule` (or `--only schedule`); runnable by hand.
//
// Every subject is configured for the same limit, LIMIT calls per INTERVAL ms, the way its
// documentation says to, and runs the same calls. A call is a task that takes TASK_MS (an
// uncounted timer, standing in for a request); its grant is the moment the task starts. Two
// shapes: `burst` submits N calls at once; `spread` submits them in clusters from a seeded
// random schedule, about 90% of the limit on average, the same for every subject.
//
// Measured: the most grants in any window (t − INTERVAL, t] (the bound is LIMIT), the same in
// windows 1 ms shorter, and the shortest span holding LIMIT + 1 grants (the bound needs at
// least INTERVAL: a span a fraction of a millisecond short is timer and clock rounding, a span
// far short of it a burst); the time from the first call to the last grant against the ideal;
// each call's lateness against its ideal time, the earliest FIFO schedule keeping the bound:
//   ideal[i] = max(arrival[i], ideal[i − 1], ideal[i − LIMIT] + INTERVAL);
// whether calls start in submission order; timers (setTimeout/setInterval) created and fired;
// process CPU time (user + system) per call, harness included (the `none` subject, no limiter
// at all, is that floor).

import { pathToFileURL } from 'node:url';

const timers = { created: 0, fired: 0, immediates: 0 };
const realSetTimeout = globalThis.setTimeout;
const realSetInterval = globalThis.setInterval;
const realSetImmediate = globalThis.setImmediate;
/** Counts timers from here on; called before any subject is loaded (they load dynamically). */
function countTimers() {
  const counted = (fn) =>
    typeof fn === 'function'
      ? function (...args) {
          timers.fired++;
          return fn.apply(this, args);
        }
      : fn;
  globalThis.setTimeout = function setTimeout(fn, ...rest) {
    timers.created++;
    return realSetTimeout.call(this, counted(fn), ...rest);
  };
  globalThis.setInterval = function setInterval(fn, ...rest) {
    timers.created++;
    return realSetInterval.call(this, counted(fn), ...rest);
  };
  globalThis.setImmediate = function setImmediate(...args) {
    timers.immediates++;
    return realSetImmediate.apply(this, args);
  };
}
const [subjectName, shape, ...flags] = process.argv.slice(2);
const QUICK = flags.includes('--quick');

export const LIMIT = 20;
export const INTERVAL = 200; // ms
/** Calls per cell. */
export const callsFor = (quick) => (quick ? 100 : 300);
const N = callsFor(QUICK);
/** How long each call's task runs once granted, in ms (a stand-in for a request). */
export const TASK_MS = 100;

// ---------------------------------------------------------------- subjects
// Each: async (task) => ({ submit(i) -> Promise, note }) where `task(i)` is the call to run
// once granted. Loaded after the timer counters are installed.
async function lazyLimiter() {
  const url = process.env.LAZY_LIMITER_DIST ? pathToFileURL(process.env.LAZY_LIMITER_DIST).href : '../dist/index.js';
  return import(url);
}
const viaAcquire = (limiter, task) => (i) => limiter.acquire().then(() => task(i));

const SUBJECTS = {
  none: async (task) => ({ submit: (i) => Promise.resolve().then(() => task(i)), note: 'no limiter: the harness floor' }),
  'lazy-limiter SlidingWindowLog': async (task) => {
    const { SlidingWindowLog } = await lazyLimiter();
    const l = new SlidingWindowLog({ windows: [{ limit: LIMIT, interval: INTERVAL }] });
    return { submit: viaAcquire(l, task), note: `windows: [{ limit: ${LIMIT}, interval: ${INTERVAL} }]; acquire().then(task)` };
  },
  'lazy-limiter FixedWindow': async (task) => {
    const { FixedWindow } = await lazyLimiter();
    const l = new FixedWindow({ limit: LIMIT, interval: INTERVAL });
    return { submit: viaAcquire(l, task), note: `{ limit: ${LIMIT}, interval: ${INTERVAL} }` };
  },
  'lazy-limiter TokenBucket': async (task) => {
    const { TokenBucket } = await lazyLimiter();
    const refillPerSecond = (LIMIT * 1000) / INTERVAL;
    const l = new TokenBucket({ capacity: LIMIT, refillPerSecond });
    return { submit: viaAcquire(l, task), note: `{ capacity: ${LIMIT}, refillPerSecond: ${refillPerSecond} } (same rate, full burst)` };
  },
  'lazy-limiter TokenBucket capacity 1': async (task) => {
    const { TokenBucket } = await lazyLimiter();
    const refillPerSecond = (LIMIT * 1000) / INTERVAL;
    const l = new TokenBucket({ capacity: 1, refillPerSecond });
    return { submit: viaAcquire(l, task), note: `{ capacity: 1, refillPerSecond: ${refillPerSecond} } (evenly spaced)` };
  },
  'p-queue': async (task) => {
    const { default: PQueue } = await import('p-queue');
    const q = new PQueue({ intervalCap: LIMIT, interval: INTERVAL });
    return { submit: (i) => q.add(() => task(i)), note: `{ intervalCap: ${LIMIT}, interval: ${INTERVAL} } (fixed windows)` };
  },
  'p-queue carryover': async (task) => {
    const { default: PQueue } = await import('p-queue');
    // carryoverIntervalCount is the current name of carryoverConcurrencyCount.
    const q = new PQueue({ intervalCap: LIMIT, interval: INTERVAL, carryoverIntervalCount: true });
    return { submit: (i) => q.add(() => task(i)), note: `{ intervalCap: ${LIMIT}, interval: ${INTERVAL}, carryoverIntervalCount: true }` };
  },
  'p-queue strict': async (task) => {
    const { default: PQueue } = await import('p-queue');
    const q = new PQueue({ intervalCap: LIMIT, interval: INTERVAL, strict: true });
    return { submit: (i) => q.add(() => task(i)), note: `{ intervalCap: ${LIMIT}, interval: ${INTERVAL}, strict: true } (sliding window)` };
  },
  'bottleneck reservoir': async (task) => {
    const { default: Bottleneck } = await import('bottleneck');
    const b = new Bottleneck({ reservoir: LIMIT, reservoirRefreshAmount: LIMIT, reservoirRefreshInterval: INTERVAL });
    return {
      submit: (i) => b.schedule(() => task(i)),
      note: `{ reservoir: ${LIMIT}, reservoirRefreshAmount: ${LIMIT}, reservoirRefreshInterval: ${INTERVAL} } (default heartbeatInterval 250)`,
    };
  },
  'bottleneck minTime': async (task) => {
    const { default: Bottleneck } = await import('bottleneck');
    const b = new Bottleneck({ minTime: INTERVAL / LIMIT });
    return { submit: (i) => b.schedule(() => task(i)), note: `{ minTime: ${INTERVAL / LIMIT} }` };
  },
  'p-throttle': async (task) => {
    const { default: pThrottle } = await import('p-throttle');
    const throttled = pThrottle({ limit: LIMIT, interval: INTERVAL })(task);
    return { submit: (i) => throttled(i), note: `{ limit: ${LIMIT}, interval: ${INTERVAL} } (windowed)` };
  },
  'p-throttle strict': async (task) => {
    const { default: pThrottle } = await import('p-throttle');
    const throttled = pThrottle({ limit: LIMIT, interval: INTERVAL, strict: true })(task);
    return { submit: (i) => throttled(i), note: `{ limit: ${LIMIT}, interval: ${INTERVAL}, strict: true }` };
  },
};
export const SCHEDULE_SUBJECTS = Object.keys(SUBJECTS);
export const SCHEDULE_SHAPES = ['burst', 'spread'];

// ---------------------------------------------------------------- workload
/** Arrival clusters, offsets in ms: [{ at, size }], the same in every process (seeded). */
function clusters(shapeName, n) {
  if (shapeName === 'burst') return [{ at: 0, size: n }];
  let seed = 0x2545f491;
  const rand = () => {
    // xorshift32
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const out = [];
  let at = 0;
  let left = n;
  while (left > 0) {
    const size = Math.min(left, 1 + Math.floor(rand() * 15)); // 1..15, mean 8
    out.push({ at, size });
    left -= size;
    at += 20 + rand() * 140; // 20..160 ms, mean 90: ~89 calls/s against a limit of 100/s
  }
  return out;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** The shortest span from a grant to the `k`-th grant after it (sorted times). */
function minSpan(sorted, k) {
  let least = Infinity;
  for (let i = 0; i + k < sorted.length; i++) if (sorted[i + k] - sorted[i] < least) least = sorted[i + k] - sorted[i];
  return least;
}

/** Most of the sorted times within any window (t − span, t]. */
function maxInWindow(sorted, span) {
  let most = 0;
  for (let j = 0, i = 0; j < sorted.length; j++) {
    while (sorted[i] <= sorted[j] - span) i++;
    if (j - i + 1 > most) most = j - i + 1;
  }
  return most;
}

async function run() {
  if (!SUBJECTS[subjectName]) throw new Error(`unknown subject ${subjectName}; known: ${SCHEDULE_SUBJECTS.join(', ')}`);
  if (!SCHEDULE_SHAPES.includes(shape)) throw new Error(`unknown shape ${shape}; known: ${SCHEDULE_SHAPES.join(', ')}`);

  const arrival = new Float64Array(N);
  const grant = new Float64Array(N).fill(NaN);
  const order = new Int32Array(N);
  let started = 0;
  // A task that runs during the harness's submitting loop, or in a microtask queued during it,
  // is timed at its call's submission: the limiter decided during the call, and only the loop
  // (up to a millisecond for 300 calls) held the task back. Every other task is timed when it
  // starts.
  let batch = -1;
  const batchOf = new Int32Array(N);
  let batchOpen = false;
  let allStarted;
  const allStartedP = new Promise((resolve) => (allStarted = resolve));
  const task = (i) => {
    grant[i] = batchOpen && batchOf[i] === batch ? arrival[i] : performance.now();
    order[started++] = i;
    if (started === N) allStarted();
    return new Promise((resolve) => realSetTimeout(resolve, TASK_MS));
  };

  let subject;
  try {
    subject = await SUBJECTS[subjectName](task);
  } catch (e) {
    return { na: `${e.code ?? e.message}` };
  }

  const plan = clusters(shape, N);
  const done = [];
  const keepAlive = realSetInterval(() => {}, 1000); // lazy-limiter unref()s its timers
  await new Promise((resolve) => realSetTimeout(resolve, 50)); // let the import settle
  if (typeof globalThis.gc === 'function') gc();
  const timers0 = { ...timers };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await new Promise((resolve) => {
    let c = 0;
    const submitCluster = () => {
      const { size } = plan[c];
      batch++;
      batchOpen = true;
      for (let k = 0; k < size; k++, next++) {
        batchOf[next] = batch;
        arrival[next] = performance.now();
        done.push(subject.submit(next));
      }
      queueMicrotask(() => (batchOpen = false));
      if (++c === plan.length) return resolve();
      realSetTimeout(submitCluster, Math.max(0, t0 + plan[c].at - performance.now()));
    };
    submitCluster();
  });
  await allStartedP;
  const cpu = process.cpuUsage(cpu0);
  const timersCreated = timers.created - timers0.created;
  const timersFired = timers.fired - timers0.fired;
  const immediates = timers.immediates - timers0.immediates;
  await Promise.all(done);
  clearInterval(keepAlive);

  const ideal = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let t = arrival[i];
    if (i > 0 && ideal[i - 1] > t) t = ideal[i - 1];
    if (i >= LIMIT && ideal[i - LIMIT] + INTERVAL > t) t = ideal[i - LIMIT] + INTERVAL;
    ideal[i] = t;
  }
  const late = Array.from(grant, (g, i) => g - ideal[i]).sort((a, b) => a - b);
  const times = Array.from(grant).sort((a, b) => a - b);
  let outOfOrder = 0;
  for (let k = 0; k < N; k++) if (order[k] !== k) outOfOrder++;
  const lastGrant = times[N - 1];
  return {
    calls: N,
    limit: LIMIT,
    intervalMs: INTERVAL,
    taskMs: TASK_MS,
    maxInWindow: maxInWindow(times, INTERVAL),
    maxInWindowLess1ms: maxInWindow(times, INTERVAL - 1),
    minSpanMs: minSpan(times, LIMIT), // of LIMIT + 1 grants; the bound needs >= INTERVAL
    durationMs: lastGrant - arrival[0],
    idealDurationMs: ideal[N - 1] - arrival[0],
    overIdealMs: lastGrant - arrival[0] - (ideal[N - 1] - arrival[0]),
    p50LateMs: percentile(late, 50),
    p99LateMs: percentile(late, 99),
    maxLateMs: late[N - 1],
    minLateMs: late[0], // < 0: granted before the ideal, so the bound was broken somewhere
    earlyCalls: late.filter((x) => x < -0.5).length,
    fifo: outOfOrder === 0,
    outOfOrder,
    timersCreated,
    timersFired,
    immediates,
    cpuMs: (cpu.user + cpu.system) / 1000,
    cpuUsPerCall: (cpu.user + cpu.system) / N,
    note: subject.note,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  countTimers();
  const result = await run();
  process.stdout.write(JSON.stringify({ subject: subjectName, shape, ...result }) + '\n');
  process.exit(0); // bottleneck and others may leave timers behind
}
