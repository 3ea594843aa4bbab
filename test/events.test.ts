// onEvent: what a limiter reports (granted, queued, rejected, aborted, paused), when, and with
// which numbers; the same through a KeyedLimiter, with keys. On the manual clock.
import { describe, expect, it } from 'vitest';
import { KeyedLimiter, RateLimitError, TokenBucket, type LimiterEvent, type RateLimiter } from '../src/index.js';
import { createManualClock, type ManualClock } from '../src/testing.js';
import { rejection } from './settle.js';

interface Seen {
  type: LimiterEvent['type'];
  at: number;
  cost: number;
  wait: number;
  key: unknown;
}

function recorder(clock: ManualClock) {
  const seen: Seen[] = [];
  const limiters: RateLimiter[] = [];
  const onEvent = (event: LimiterEvent): void => {
    seen.push({ type: event.type, at: clock.now(), cost: event.cost, wait: event.wait, key: event.key });
    limiters.push(event.limiter);
  };
  return { seen, limiters, onEvent };
}

describe('onEvent: a scripted scenario', () => {
  it('reports every grant, wait, refusal, abort and pause, in order, with its cost and wait', async () => {
    const clock = createManualClock();
    const { seen, limiters, onEvent } = recorder(clock);
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 1, clock, onEvent });

    expect(bucket.acquireNowait(2)).toBe(true);
    expect(bucket.acquireNowait(1)).toBe(false);
    const a = bucket.acquire(1); // due at 1000
    const tooLong = bucket.acquire(2, { maxWait: 1_000 }); // 3 tokens ahead of it and its own: 3000
    const controller = new AbortController();
    const b = bucket.acquire(1, { signal: controller.signal }); // due at 2000
    await bucket.acquire(0);
    const aborted = new AbortController();
    aborted.abort();
    const early = bucket.acquire(2, { signal: aborted.signal });
    expect(seen.length).toBe(7); // reported synchronously, by the time each call returns

    await clock.advance(500);
    controller.abort();
    await clock.advance(500); // 1000: a is served
    bucket.pause(1_500); // until 2500
    const c = bucket.acquire(1); // after the pause: 1.5 tokens are there by then
    expect(bucket.acquireNowait()).toBe(false); // behind c and the pause: 2 tokens at 3000
    await clock.advance(1_500);

    await Promise.all([a, c, rejection(tooLong), rejection(b), rejection(early)]);
    expect(seen).toEqual([
      { type: 'granted', at: 0, cost: 2, wait: 0, key: undefined },
      { type: 'rejected', at: 0, cost: 1, wait: 1_000, key: undefined },
      { type: 'queued', at: 0, cost: 1, wait: 1_000, key: undefined },
      { type: 'rejected', at: 0, cost: 2, wait: 3_000, key: undefined },
      { type: 'queued', at: 0, cost: 1, wait: 2_000, key: undefined },
      { type: 'granted', at: 0, cost: 0, wait: 0, key: undefined },
      { type: 'aborted', at: 0, cost: 2, wait: 0, key: undefined },
      // The cost of an abort while waiting is checked on its own below.
      { type: 'aborted', at: 500, cost: expect.any(Number), wait: 500, key: undefined },
      { type: 'granted', at: 1_000, cost: 1, wait: 1_000, key: undefined },
      { type: 'paused', at: 1_000, cost: 0, wait: 1_500, key: undefined },
      { type: 'queued', at: 1_000, cost: 1, wait: 1_500, key: undefined },
      { type: 'rejected', at: 1_000, cost: 1, wait: 2_000, key: undefined },
      { type: 'granted', at: 2_500, cost: 1, wait: 1_500, key: undefined },
    ]);
    expect(limiters.every((limiter) => limiter === bucket)).toBe(true);
    expect(bucket.stats).toEqual({ granted: 4, rejected: 3, aborted: 2, waiting: 0 });
  });

  // LimiterEvent.cost is "Tokens asked for". A caller that asked for 2 tokens and is aborted
  // while waiting is reported with cost 0: the waiter's cost is cleared before the event is made.
  it('an abort while waiting reports the cost the caller asked for', async () => {
    const clock = createManualClock();
    const { seen, onEvent } = recorder(clock);
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 1, clock, onEvent });
    bucket.acquireNowait(2);
    const controller = new AbortController();
    const waiting = bucket.acquire(2, { signal: controller.signal });
    await clock.advance(300);
    controller.abort();
    await rejection(waiting);
    expect(seen.at(-1)).toEqual({ type: 'aborted', at: 300, cost: 2, wait: 300, key: undefined });
  });

  it('a refusal for good reports wait Infinity', () => {
    const clock = createManualClock();
    const { seen, onEvent } = recorder(clock);
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 0, clock, onEvent });
    bucket.acquireNowait();
    bucket.acquireNowait();
    expect(seen.at(-1)).toEqual({ type: 'rejected', at: 0, cost: 1, wait: Infinity, key: undefined });
  });

  it('a queue-full refusal reports the predicted wait', async () => {
    const clock = createManualClock();
    const { seen, onEvent } = recorder(clock);
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock, onEvent, maxQueue: 1 });
    bucket.acquireNowait();
    void bucket.acquire();
    await rejection(bucket.acquire());
    expect(seen.at(-1)).toEqual({ type: 'rejected', at: 0, cost: 1, wait: 2_000, key: undefined });
  });

  it('pause(Infinity) reports wait Infinity; a shorter pause that changes nothing is still reported', () => {
    const clock = createManualClock();
    const { seen, onEvent } = recorder(clock);
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock, onEvent });
    bucket.pause(Infinity);
    bucket.pause(10);
    expect(seen).toEqual([
      { type: 'paused', at: 0, cost: 0, wait: Infinity, key: undefined },
      { type: 'paused', at: 0, cost: 0, wait: 10, key: undefined },
    ]);
  });

  it('an abort of several waiters by one shared signal reports each', async () => {
    const clock = createManualClock();
    const { seen, onEvent } = recorder(clock);
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock, onEvent });
    bucket.acquireNowait();
    const controller = new AbortController();
    const waits = [1, 1, 1].map(() => bucket.acquire(1, { signal: controller.signal }));
    await clock.advance(250);
    controller.abort();
    await Promise.all(waits.map(rejection));
    expect(seen.filter((e) => e.type === 'aborted').map((e) => [e.at, e.wait])).toEqual([
      [250, 250],
      [250, 250],
      [250, 250],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('bad input reports nothing: it throws or rejects before any decision', async () => {
    const clock = createManualClock();
    const { seen, onEvent } = recorder(clock);
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock, onEvent });
    expect(() => bucket.acquireNowait(2)).toThrow(RangeError);
    await expect(bucket.acquire(1, { maxWait: -1 })).rejects.toThrow(RangeError);
    expect(() => bucket.reserve(-1)).toThrow(RangeError);
    expect(() => bucket.pause(-1)).toThrow(RangeError);
    expect(seen).toEqual([]);
  });

  it('limiters made alike with different listeners each report to their own', () => {
    const clock = createManualClock();
    const first = recorder(clock);
    const second = recorder(clock);
    const a = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock, onEvent: first.onEvent });
    const b = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock, onEvent: second.onEvent });
    const c = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
    a.acquireNowait();
    b.acquireNowait();
    b.acquireNowait();
    c.acquireNowait();
    expect(first.seen.map((e) => e.type)).toEqual(['granted']);
    expect(second.seen.map((e) => e.type)).toEqual(['granted', 'rejected']);
  });

  // A listener that reads the limiter it is told about, e.g. `timeToAvailable()` on each grant,
  // runs inside the loop that serves the queue. Here the 65th grant makes the queue compact
  // itself under that loop, which then reads a stale array and throws a TypeError from the
  // timer: the remaining waiters are never served.
  it('a listener may read the limiter while the queue is served', async () => {
    const clock = createManualClock();
    let predictions = 0;
    const bucket: TokenBucket = new TokenBucket({
      capacity: 1,
      refillPerSecond: 1_000,
      clock,
      onEvent: (event) => {
        if (event.type === 'granted') predictions += bucket.timeToAvailable() >= 0 ? 1 : 0;
      },
    });
    bucket.acquireNowait();
    let served = 0;
    for (let i = 0; i < 70; i++) void bucket.acquire().then(() => served++);
    await clock.advance(70);
    expect(served).toBe(70);
    expect(predictions).toBe(71);
    expect(bucket.stats.waiting).toBe(0);
  });

  it('a listener may call the limiter on a refusal', () => {
    const clock = createManualClock();
    const bucket: TokenBucket = new TokenBucket({
      capacity: 1,
      refillPerSecond: 1,
      clock,
      onEvent: (event) => {
        if (event.type === 'rejected') void bucket.acquire(event.cost);
      },
    });
    bucket.acquireNowait();
    expect(bucket.acquireNowait()).toBe(false);
    expect(bucket.stats.waiting).toBe(1);
  });
});

describe('onEvent through a KeyedLimiter', () => {
  function keyedSetup(own?: (event: LimiterEvent) => void) {
    const clock = createManualClock();
    const { seen, limiters, onEvent } = recorder(clock);
    const keyed = new KeyedLimiter((_: string) => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock, onEvent: own }), { clock, onEvent });
    return { clock, keyed, seen, limiters };
  }

  it('reports the events of every key, each with its key and limiter', async () => {
    const { clock, keyed, seen, limiters } = keyedSetup();
    keyed.acquireNowait('a');
    keyed.acquireNowait('a');
    const b = keyed.acquire('b');
    const a = keyed.acquire('a');
    await rejection(keyed.acquire('a', 1, { maxWait: 10 }));
    const controller = new AbortController();
    const aborted = keyed.acquire('a', 1, { signal: controller.signal });
    keyed.pause('b', 3_000);
    const booked = keyed.reserve('c');
    expect(booked.delay).toBe(0);
    await clock.advance(100);
    controller.abort();
    await rejection(aborted);
    await clock.advance(900);
    await Promise.all([a, b]);
    expect(seen).toEqual([
      { type: 'granted', at: 0, cost: 1, wait: 0, key: 'a' },
      { type: 'rejected', at: 0, cost: 1, wait: 1_000, key: 'a' },
      { type: 'granted', at: 0, cost: 1, wait: 0, key: 'b' },
      { type: 'queued', at: 0, cost: 1, wait: 1_000, key: 'a' },
      { type: 'rejected', at: 0, cost: 1, wait: 2_000, key: 'a' },
      { type: 'queued', at: 0, cost: 1, wait: 2_000, key: 'a' },
      { type: 'paused', at: 0, cost: 0, wait: 3_000, key: 'b' },
      { type: 'granted', at: 0, cost: 1, wait: 0, key: 'c' },
      { type: 'aborted', at: 100, cost: expect.any(Number), wait: 100, key: 'a' },
      { type: 'granted', at: 1_000, cost: 1, wait: 1_000, key: 'a' },
    ]);
    const byKey = new Map(seen.map((e, i) => [e.key, limiters[i]]));
    for (const key of ['a', 'b', 'c']) expect(byKey.get(key)).toBe(keyed.get(key));
  });

  it('waiters of all keys share one timer and still report their own key when served', async () => {
    const { clock, keyed, seen } = keyedSetup();
    for (const key of ['x', 'y', 'z']) {
      keyed.acquireNowait(key);
      void keyed.acquire(key);
    }
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1_000);
    expect(seen.filter((e) => e.at === 1_000).map((e) => [e.type, e.key])).toEqual([
      ['granted', 'x'],
      ['granted', 'y'],
      ['granted', 'z'],
    ]);
  });

  it('acquireAny and acquireNowaitAny report on the key they used', async () => {
    const { keyed, seen } = keyedSetup();
    keyed.acquireNowait('a');
    seen.length = 0;
    expect(keyed.acquireNowaitAny(['a', 'b'])).toBe('b');
    expect(seen.map((e) => [e.type, e.key])).toEqual([
      ['rejected', 'a'],
      ['granted', 'b'],
    ]);
    seen.length = 0;
    expect(await keyed.acquireAny(['a', 'b', 'c'])).toBe('c');
    expect(seen.map((e) => [e.type, e.key])).toEqual([['granted', 'c']]);
  });

  it("a limiter's own listener also hears the key of calls made through the keyed limiter", async () => {
    const own: unknown[] = [];
    const { clock, keyed, seen } = keyedSetup((e) => own.push([e.type, e.key]));
    keyed.acquireNowait('a');
    void keyed.acquire('a');
    keyed.pause('a', 10);
    await clock.advance(0);
    expect(own).toEqual([
      ['granted', 'a'],
      ['queued', 'a'],
      ['paused', 'a'],
    ]);
    expect(seen.map((e) => [e.type, e.key])).toEqual(own);
  });

  // LimiterEvent.key is "the key, when the call came through a KeyedLimiter". When the keyed
  // limiter has no listener of its own, acquireNowait goes to the limiter directly and its
  // listener hears `key: undefined`, while acquire and pause on the same key report the key.
  it("a limiter's own listener hears the key of acquireNowait through a keyed limiter without a listener", () => {
    const clock = createManualClock();
    const own: unknown[] = [];
    const keyed = new KeyedLimiter((_: string) => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock, onEvent: (e) => own.push([e.type, e.key]) }), { clock });
    keyed.acquireNowait('a');
    keyed.acquireNowait('a');
    expect(own).toEqual([
      ['granted', 'a'],
      ['rejected', 'a'],
    ]);
  });

  it('limiters not built on BaseRateLimiter report acquireNowait and pause through the keyed listener', () => {
    const clock = createManualClock();
    const { seen, onEvent } = recorder(clock);
    let tokens = 1;
    const plain: RateLimiter = {
      capacity: 1,
      get available() {
        return tokens;
      },
      idle: false,
      stats: { granted: 0, rejected: 0, aborted: 0, waiting: 0 },
      timeToAvailable: () => (tokens >= 1 ? 0 : 500),
      acquireNowait: () => (tokens >= 1 ? (tokens--, true) : false),
      acquire: async () => undefined,
      reserve: () => ({ ok: true, delay: 0, cancel: () => undefined }),
      pause: () => undefined,
    };
    const keyed = new KeyedLimiter((_: string) => plain, { clock, onEvent });
    keyed.acquireNowait('p');
    keyed.acquireNowait('p');
    keyed.pause('p', 50);
    expect(seen).toEqual([
      { type: 'granted', at: 0, cost: 1, wait: 0, key: 'p' },
      { type: 'rejected', at: 0, cost: 1, wait: 500, key: 'p' },
      { type: 'paused', at: 0, cost: 0, wait: 50, key: 'p' },
    ]);
  });

  it.each([
    { onEvent: 5, error: TypeError, message: /`onEvent` to be a function \(event\) => void, got 5 \(number\)/ },
    { onEvent: 'log', error: TypeError, message: /`onEvent`.*"log" \(string\)/ },
    { onEvent: null, error: TypeError, message: /`onEvent`.*null/ },
  ])('KeyedLimiter onEvent $onEvent: $error.name', ({ onEvent, error, message }) => {
    const make = () => new KeyedLimiter(() => new TokenBucket({ capacity: 1, refillPerSecond: 1 }), { onEvent: onEvent as never });
    expect(make).toThrow(error);
    expect(make).toThrow(message);
  });

  it('an unknown KeyedLimiter option is a TypeError naming the known ones', () => {
    expect(() => new KeyedLimiter(() => new TokenBucket({ capacity: 1, refillPerSecond: 1 }), { onevent: () => undefined } as never)).toThrow(
      /Unknown option `onevent`.*maxKeys, clock, onEvent/,
    );
  });

  it('onEvent undefined is the same as unset', () => {
    const keyed = new KeyedLimiter(() => new TokenBucket({ capacity: 1, refillPerSecond: 1 }), { onEvent: undefined });
    expect(keyed.acquireNowait('a')).toBe(true);
  });
});

describe('LimiterEvent shape', () => {
  it('carries exactly type, limiter, key, cost and wait', () => {
    const events: LimiterEvent[] = [];
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock: createManualClock(), onEvent: (e) => events.push(e) });
    bucket.acquireNowait();
    expect(Object.keys(events[0]!).sort()).toEqual(['cost', 'key', 'limiter', 'type', 'wait']);
    expect(events[0]!.limiter).toBe(bucket);
  });

  it('a RateLimitError and the rejected event agree on the wait', async () => {
    const clock = createManualClock();
    const { seen, onEvent } = recorder(clock);
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 3, clock, onEvent });
    bucket.acquireNowait();
    const error = (await rejection(bucket.acquire(1, { maxWait: 1 }))) as RateLimitError;
    expect(error.retryAfter).toBe(seen.at(-1)!.wait);
    expect(error.retryAfter).toBeCloseTo(1_000 / 3, 9);
  });
});
