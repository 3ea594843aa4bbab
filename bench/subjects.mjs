// Adapters: each subject expressed through the same three shapes, so cell.mjs has one loop
// per scenario. Loaded with a dynamic import from cell.mjs *after* the timer counters are
// installed, so libraries that capture setTimeout at load time are counted too.
//
//   one(capacity, refillPerSecond)    -> () => boolean            (or Promise<boolean> if asyncNowait)
//   keyed(capacity, refillPerSecond)  -> { op(key) -> boolean (or Promise), size() }
//   waiter(capacity, refillPerSecond) -> () => Promise<unknown>    (waits for its turn)
//
// The cells of lazy-limiter's other algorithms (nowait-fixed-window, nowait-sliding-log…,
// nowait-all-of…) use `algorithms`, which only lazy-limiter and the baseline have. The baseline
// stands in with its token bucket at the same long-run rate, so those ratios read "this
// algorithm vs the hand-written token bucket, in the same state (granting or refusing)":
//   algorithms.fixedWindow({ limit, interval })               -> () => boolean
//   algorithms.slidingWindowLog([{ limit, interval }, …])     -> () => boolean
//   algorithms.allOfKeyed([gCapacity, gRate], [capacity, rate]) -> { op(key) -> boolean, size() }
//
// Every subject starts with a full bucket (limiter's TokenBucket starts empty: we fill it).

import { pathToFileURL } from 'node:url';

export class NotApplicable extends Error {}

const yes = () => true;
const no = (e) => {
  if (e instanceof Error) throw e;
  return false; // rate-limiter-flexible rejects with a RateLimiterRes, not an Error
};

async function loadBaseline() {
  const { BaselineBucket, BaselineKeyed } = await import('./baseline.mjs');
  return {
    asyncNowait: false,
    notes: {},
    one(capacity, rate) {
      const b = new BaselineBucket(capacity, rate);
      return () => b.tryTake();
    },
    keyed(capacity, rate) {
      const k = new BaselineKeyed(capacity, rate);
      return { op: (key) => k.tryTake(key), size: () => k.size, keep: k };
    },
    waiter(capacity, rate) {
      const b = new BaselineBucket(capacity, rate);
      return () => b.take();
    },
    algorithms: {
      fixedWindow({ limit, interval }) {
        const b = new BaselineBucket(limit, (limit * 1000) / interval);
        return () => b.tryTake();
      },
      // The smallest limit as capacity, the slowest window's rate.
      slidingWindowLog(windows) {
        const capacity = Math.min(...windows.map((w) => w.limit));
        const rate = Math.min(...windows.map((w) => (w.limit * 1000) / w.interval));
        const b = new BaselineBucket(capacity, rate);
        return () => b.tryTake();
      },
      // One bucket per key; the baseline has no global part.
      allOfKeyed(global, [capacity, rate]) {
        const k = new BaselineKeyed(capacity, rate);
        return { op: (key) => k.tryTake(key), size: () => k.size, keep: k };
      },
    },
  };
}

async function loadLazyLimiter() {
  // run.mjs points LAZY_LIMITER_DIST at a snapshot of dist/ taken when the run started, so a
  // rebuild during the run (tests, another shell) cannot mix two builds in one table.
  const url = process.env.LAZY_LIMITER_DIST ? pathToFileURL(process.env.LAZY_LIMITER_DIST).href : '../dist/index.js';
  let mod;
  try {
    mod = await import(url);
  } catch (e) {
    throw new NotApplicable(`${url} not importable (${e.code ?? e.message}); run npm run build`);
  }
  const { TokenBucket, KeyedLimiter, FixedWindow, SlidingWindowLog, allOf } = mod;
  if (typeof TokenBucket !== 'function' || typeof KeyedLimiter !== 'function') {
    throw new NotApplicable('dist/index.js does not export TokenBucket and KeyedLimiter yet');
  }
  const need = (name, value) => {
    if (typeof value !== 'function') throw new NotApplicable(`dist/index.js does not export ${name}`);
  };
  return {
    asyncNowait: false,
    notes: {},
    one(capacity, refillPerSecond) {
      const b = new TokenBucket({ capacity, refillPerSecond });
      return () => b.acquireNowait();
    },
    keyed(capacity, refillPerSecond) {
      const k = new KeyedLimiter(() => new TokenBucket({ capacity, refillPerSecond }));
      return { op: (key) => k.acquireNowait(key), size: () => k.size, keep: k };
    },
    waiter(capacity, refillPerSecond) {
      const b = new TokenBucket({ capacity, refillPerSecond });
      return () => b.acquire();
    },
    algorithms: {
      fixedWindow({ limit, interval }) {
        need('FixedWindow', FixedWindow);
        const w = new FixedWindow({ limit, interval });
        return () => w.acquireNowait();
      },
      slidingWindowLog(windows) {
        need('SlidingWindowLog', SlidingWindowLog);
        const w = new SlidingWindowLog({ windows });
        return () => w.acquireNowait();
      },
      // allOf(global, perKey) per key, the global bucket shared by every key.
      allOfKeyed([gCapacity, gRate], [capacity, refillPerSecond]) {
        need('allOf', allOf);
        const global = new TokenBucket({ capacity: gCapacity, refillPerSecond: gRate });
        const k = new KeyedLimiter(() => allOf(global, new TokenBucket({ capacity, refillPerSecond })));
        return { op: (key) => k.acquireNowait(key), size: () => k.size, keep: k };
      },
    },
  };
}

async function loadLimiter() {
  const { TokenBucket } = await import('limiter');
  // limiter@4: TokenBucket({ bucketSize, tokensPerInterval, interval }) starts EMPTY
  // (content = 0); fill it so it starts like the others.
  const make = (capacity, rate) => {
    const b = new TokenBucket({ bucketSize: capacity, tokensPerInterval: rate, interval: 1000 });
    b.content = capacity;
    return b;
  };
  return {
    asyncNowait: false,
    notes: {
      'nowait-100k-keys': 'no keyed API: Map<string, TokenBucket> in the harness',
      'heap-per-key': 'no keyed API: Map<string, TokenBucket> in the harness',
      accuracy: 'TokenBucket.removeTokens(1)',
      'acquire-no-wait': 'TokenBucket.removeTokens(1)',
    },
    one(capacity, rate) {
      const b = make(capacity, rate);
      return () => b.tryRemoveTokens(1);
    },
    keyed(capacity, rate) {
      const m = new Map();
      const op = (key) => {
        let b = m.get(key);
        if (b === undefined) {
          b = make(capacity, rate);
          m.set(key, b);
        }
        return b.tryRemoveTokens(1);
      };
      return { op, size: () => m.size, keep: m };
    },
    waiter(capacity, rate) {
      const b = make(capacity, rate);
      return () => b.removeTokens(1);
    },
  };
}

async function loadRateLimiterFlexible() {
  const { RateLimiterMemory, RateLimiterQueue } = (await import('rate-limiter-flexible')).default;
  // Fixed window, not a token bucket: `points` per `duration` seconds. Mapped to the same
  // long-run rate and burst: points = capacity, duration = capacity / refillPerSecond.
  // A fixed window lets up to 2 x capacity through around a window boundary.
  const make = (capacity, rate) => new RateLimiterMemory({ points: capacity, duration: capacity / rate });
  return {
    asyncNowait: true,
    notes: {
      'nowait-one-key': 'async: await consume(key) (resolve=granted, reject=denied); fixed window',
      'nowait-one-key-limited': 'async: await consume(key); fixed window',
      'nowait-100k-keys': 'async: await consume(key); fixed window, one setTimeout per key window',
      'heap-per-key': 'await consume(key); includes a Timeout object per key',
      'acquire-no-wait': 'RateLimiterQueue.removeTokens(1)',
      accuracy: 'RateLimiterQueue.removeTokens(1) over a fixed window of 10 per 200 ms',
    },
    one(capacity, rate) {
      const rl = make(capacity, rate);
      return () => rl.consume('k').then(yes, no);
    },
    keyed(capacity, rate) {
      const rl = make(capacity, rate);
      return { op: (key) => rl.consume(key).then(yes, no), size: () => rl._memoryStorage._storage.size, keep: rl };
    },
    waiter(capacity, rate) {
      const q = new RateLimiterQueue(make(capacity, rate));
      return () => q.removeTokens(1);
    },
  };
}

export const SUBJECTS = {
  baseline: loadBaseline,
  'lazy-limiter': loadLazyLimiter,
  limiter: loadLimiter,
  'rate-limiter-flexible': loadRateLimiterFlexible,
};
