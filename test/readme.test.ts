// The README's first screen, run on the manual clock: its //=> results must hold.
import { expect, it } from 'vitest';
import { KeyedLimiter, TokenBucket } from '../src/index.js';
import { createManualClock } from '../src/testing.js';

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
