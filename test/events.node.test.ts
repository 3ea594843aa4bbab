// A listener that throws: the limiter carries on and the exception surfaces as an unhandled
// promise rejection (Node's `unhandledRejection`). Node only: it swaps the process listeners.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyedLimiter, RateLimitError, TokenBucket, type LimiterEvent } from '../src/index.js';
import { createManualClock } from '../src/testing.js';
import { rejection } from './settle.js';

let caught: unknown[] = [];
let saved: NodeJS.UnhandledRejectionListener[] = [];
const onRejection = (reason: unknown): void => void caught.push(reason);

beforeEach(() => {
  caught = [];
  // The test runner reports any unhandled rejection as a failure: hold its listeners back while
  // these tests provoke some on purpose.
  saved = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', onRejection);
});

afterEach(() => {
  process.off('unhandledRejection', onRejection);
  for (const listener of saved) process.on('unhandledRejection', listener);
});

/** Lets Node deliver the unhandled rejections raised so far. */
async function settle(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('a throwing onEvent', () => {
  it('does not break the limiter: every call behaves as without a listener', async () => {
    const clock = createManualClock();
    const thrown: Error[] = [];
    const bucket = new TokenBucket({
      capacity: 1,
      refillPerSecond: 1,
      clock,
      onEvent: (event: LimiterEvent) => {
        const error = new Error(`listener failed on ${event.type}`);
        thrown.push(error);
        throw error;
      },
    });
    expect(bucket.acquireNowait()).toBe(true);
    expect(bucket.acquireNowait()).toBe(false);
    const waiting = bucket.acquire();
    const refused = rejection(bucket.acquire(1, { maxWait: 10 }));
    const controller = new AbortController();
    const aborted = bucket.acquire(1, { signal: controller.signal });
    controller.abort(new Error('stop'));
    bucket.pause(0);
    expect(bucket.reserve(1, { maxWait: 0 }).ok).toBe(false);
    await clock.advance(1_000);
    await expect(waiting).resolves.toBeUndefined();
    expect(await refused).toBeInstanceOf(RateLimitError);
    await expect(aborted).rejects.toThrow('stop');
    expect(bucket.stats).toEqual({ granted: 2, rejected: 3, aborted: 1, waiting: 0 });
    expect(clock.pendingTimers).toBe(0);

    await settle();
    expect(thrown.map((e) => e.message)).toEqual([
      'listener failed on granted',
      'listener failed on rejected',
      'listener failed on queued',
      'listener failed on rejected',
      'listener failed on queued',
      'listener failed on aborted',
      'listener failed on paused',
      'listener failed on rejected',
      'listener failed on granted',
    ]);
    // Each exception, the very object thrown, surfaces once as an unhandled rejection.
    expect(caught).toEqual(thrown);
  });

  it('a throw while the queue is served does not stop the waiters behind', async () => {
    const clock = createManualClock();
    const bucket = new TokenBucket({
      capacity: 3,
      refillPerSecond: 1,
      clock,
      onEvent: (event) => {
        if (event.type === 'granted' && event.wait > 0) throw new Error('boom');
      },
    });
    bucket.acquireNowait(3);
    const served: number[] = [];
    const waits = [1, 2, 3].map((i) => bucket.acquire(1).then(() => served.push(i)));
    bucket.pause(3_000); // all three become due at 3000 and are served in one pass
    await clock.advance(3_000);
    await Promise.all(waits);
    expect(served).toEqual([1, 2, 3]);
    await settle();
    expect(caught.map((e) => (e as Error).message)).toEqual(['boom', 'boom', 'boom']);
  });

  it("a keyed limiter's throwing listener and a limiter's own listener both get each event", async () => {
    const clock = createManualClock();
    const own: string[] = [];
    const keyed = new KeyedLimiter(
      (_: string) => new TokenBucket({ capacity: 1, refillPerSecond: 1, clock, onEvent: (e) => own.push(`${e.type} ${String(e.key)}`) }),
      {
        clock,
        onEvent: () => {
          throw new Error('keyed listener');
        },
      },
    );
    expect(keyed.acquireNowait('a')).toBe(true);
    const next = keyed.acquire('a');
    await clock.advance(1_000);
    await expect(next).resolves.toBeUndefined();
    expect(own).toEqual(['granted a', 'queued a', 'granted a']);
    await settle();
    expect(caught).toHaveLength(3);
  });

  // For a limiter that is not built on BaseRateLimiter, the keyed limiter calls its listener
  // directly: the exception reaches the caller of acquireNowait (or pause) after the tokens were
  // taken, where a BaseRateLimiter turns it into an unhandled rejection.
  it('a throwing keyed listener does not reach the caller either when the limiter is not a BaseRateLimiter', async () => {
    let taken = 0;
    const keyed = new KeyedLimiter(
      (_: string) => ({
        capacity: 1,
        available: 1,
        idle: false,
        stats: { granted: 0, rejected: 0, aborted: 0, waiting: 0 },
        timeToAvailable: () => 0,
        acquireNowait: () => (taken++, true),
        acquire: async () => undefined,
        reserve: () => ({ ok: true, delay: 0, cancel: () => undefined }),
        pause: () => undefined,
      }),
      {
        onEvent: () => {
          throw new Error('listener');
        },
      },
    );
    let granted: boolean | undefined;
    try {
      granted = keyed.acquireNowait('x');
    } catch {
      // reaches the caller: the failure this test is about
    }
    expect(taken).toBe(1);
    expect(granted).toBe(true);
    await settle();
    expect(caught.map((e) => (e as Error).message)).toEqual(['listener']);
  });
});
