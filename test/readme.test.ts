// The README's first screen, run on the manual clock: its //=> results must hold.
import { expect, it } from 'vitest';
import { KeyedLimiter, throttle, throttleFetch, TokenBucket } from '../src/index.js';
import { createManualClock } from '../src/testing.js';
import { Quota } from './quota.js';

it('the first-screen example answers what the README says', async () => {
  const clock = createManualClock();
  const perTenant = new KeyedLimiter((_tenant: string) => new TokenBucket({ capacity: 5, refillPerSecond: 1, clock }), { clock });
  expect(perTenant.acquireNowait('acme', 5)).toBe(true);
  expect(perTenant.acquireNowait('acme')).toBe(false);
  expect(perTenant.timeToAvailable('acme')).toBe(1000);
  expect(perTenant.acquireNowait('globex')).toBe(true);
  let resolved = false;
  const waiting = perTenant.acquire('acme').then(() => (resolved = true));
  await clock.advance(999);
  expect(resolved).toBe(false);
  await clock.advance(1);
  await waiting;
  expect(resolved).toBe(true);
});

// The custom-algorithm guide's `Quota` lives in test/quota.ts, as the guide has it.
it('the custom-algorithm guide: queues, abort, maxWait, keyed use and reset() come for free', async () => {
  const clock = createManualClock();
  const quotas = new KeyedLimiter((_account: string) => new Quota(100, { clock }), { clock });
  expect(quotas.acquireNowait('acme', 100)).toBe(true);
  expect(quotas.acquireNowait('acme')).toBe(false);
  await expect(quotas.acquire('acme', 1, { maxWait: 5_000 })).rejects.toMatchObject({ reason: 'max-wait', retryAfter: Infinity, key: 'acme' });
  const order: string[] = [];
  const first = quotas.acquire('acme').then(() => order.push('first'));
  const controller = new AbortController();
  const aborted = quotas.acquire('acme', 1, { signal: controller.signal });
  const second = quotas.acquire('acme', 2).then(() => order.push('second'));
  controller.abort(new Error('gave up'));
  await expect(aborted).rejects.toThrow('gave up');
  expect(clock.pendingTimers).toBe(0); // an infinite wait needs no timer
  quotas.get('acme').reset();
  await Promise.all([first, second]);
  expect(order).toEqual(['first', 'second']);
  expect(quotas.get('acme').available).toBe(97);
});

it('the first screen: throttleFetch in an SPA and throttle around an SDK method answer what the README says', async () => {
  const clock = createManualClock();
  const sent: number[] = [];
  const apiFetch = throttleFetch({
    rules: [{ match: 'https://api.example.com/*', limit: { capacity: 10, refillPerSecond: 5 } }],
    retry: true,
    clock,
    fetch: async () => {
      sent.push(clock.now());
      return new Response('ok');
    },
  });
  const response = await apiFetch('https://api.example.com/search?q=cats');
  expect(response).toBeInstanceOf(Response);
  const burst = Array.from({ length: 10 }, (_, i) => apiFetch(`https://api.example.com/search?q=${i}`));
  await clock.advance(1_000);
  await Promise.all(burst);
  // a burst of 10 at once (the first call included), then one every 200 ms
  expect(sent).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200]);

  const sdk = { invoices: { create: async (invoice: { tenant: string; amount: number }) => ({ id: `inv-${invoice.amount}` }) } };
  const perTenant = new KeyedLimiter((_tenant: string) => new TokenBucket({ capacity: 5, refillPerSecond: 1, clock }), { clock });
  const createInvoice = throttle(sdk.invoices.create, { limiter: perTenant, key: (invoice) => invoice.tenant });
  await expect(createInvoice({ tenant: 'acme', amount: 100 })).resolves.toEqual({ id: 'inv-100' });
  expect(perTenant.acquireNowait('acme')).toBe(true);
  expect(perTenant.timeToAvailable('acme')).toBe(0);
});
