// The built package, as its users load it: the CDN bundle in real Chromium, from a page and from a
// module Web Worker (on the real clock: among the few end-to-end runs that wait on real time),
// and the CJS / ESM entry points in Node.
// Needs `npm run build` first (`npm test` builds before running vitest).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumArgs, chromiumPath } from './setup/chromium.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const built = ['index.js', 'index.cjs', 'testing.js', 'testing.cjs', 'lazy-limiter.min.js'];

function requireBuild(): void {
  const missing = built.filter((file) => !existsSync(join(dist, file)));
  if (missing.length > 0) {
    throw new Error(`dist/ is incomplete (missing ${missing.join(', ')}): run \`npm run build\` before these tests`);
  }
}

interface PageResult {
  nowait?: boolean[];
  waitedMs?: number;
  error?: string;
}

interface WorkerResult extends PageResult {
  /** What the worker saw of its global scope: a dedicated worker has no `document`. */
  scope?: { dedicatedWorker: boolean; hasDocument: boolean };
}

const page = `<!doctype html>
<meta charset="utf-8">
<title>lazy-limiter CDN bundle</title>
<script type="module">
  try {
    const { TokenBucket } = await import('/dist/lazy-limiter.min.js');
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 10 });
    const nowait = [bucket.acquireNowait(), bucket.acquireNowait(), bucket.acquireNowait()];
    const start = performance.now();
    await bucket.acquire();
    window.__result = { nowait, waitedMs: performance.now() - start };
  } catch (error) {
    window.__result = { error: String(error?.stack ?? error) };
  }
</script>
`;

// A page that starts a module worker; the worker imports the bundle, runs the same checks and
// posts its results back. A failed import or an uncaught error shows up as the worker's `error`.
const workerPage = `<!doctype html>
<meta charset="utf-8">
<title>lazy-limiter CDN bundle in a module worker</title>
<script type="module">
  const worker = new Worker('/worker.js', { type: 'module' });
  worker.onmessage = (event) => { window.__result = event.data; };
  worker.onerror = (event) => {
    event.preventDefault();
    window.__result = { error: \`worker error: \${event.message || 'failed to load or run /worker.js'}\` };
  };
  worker.onmessageerror = () => { window.__result = { error: 'worker message could not be deserialised' }; };
</script>
`;

const workerScript = `import { TokenBucket } from '/dist/lazy-limiter.min.js';
try {
  const scope = {
    dedicatedWorker: typeof DedicatedWorkerGlobalScope === 'function' && self instanceof DedicatedWorkerGlobalScope,
    hasDocument: typeof document !== 'undefined',
  };
  const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 10 });
  const nowait = [bucket.acquireNowait(), bucket.acquireNowait(), bucket.acquireNowait()];
  const start = performance.now();
  await bucket.acquire();
  self.postMessage({ scope, nowait, waitedMs: performance.now() - start });
} catch (error) {
  self.postMessage({ error: String(error?.stack ?? error) });
}
`;

describe('CDN bundle (dist/lazy-limiter.min.js) in Chromium', () => {
  let server: Server | undefined;
  let browser: Browser | undefined;
  let origin = '';

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (path === '/' || path === '/worker.html') {
        response
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(path === '/' ? page : workerPage);
        return;
      }
      if (path === '/worker.js') {
        response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(workerScript);
        return;
      }
      const file = resolve(root, `.${path}`);
      if (path.startsWith('/dist/') && file.startsWith(dist + sep) && existsSync(file)) {
        const type = file.endsWith('.js') ? 'text/javascript' : 'application/json';
        response.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(readFileSync(file));
        return;
      }
      response.writeHead(404).end();
    });
    await new Promise<void>((ready) => server!.listen(0, '127.0.0.1', ready));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((closed) => (server ? server.close(closed) : closed(undefined)));
  });

  /** Opens `path`, waits for `window.__result`; returns it with every page error and failed request. */
  async function load<T>(path: string): Promise<{ result: T; problems: string[] }> {
    const tab = await browser!.newPage();
    const problems: string[] = [];
    tab.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    tab.on('requestfailed', (request) => problems.push(`requestfailed: ${request.url()}`));
    tab.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    try {
      await tab.goto(`${origin}${path}`);
      const handle = await tab.waitForFunction(() => (window as { __result?: unknown }).__result, undefined, {
        timeout: 10_000,
      });
      return { result: (await handle.jsonValue()) as T, problems };
    } finally {
      await tab.close();
    }
  }

  test('imports from the bundle, grants the burst, then waits for the refill on real time', async () => {
    requireBuild();
    const { result, problems } = await load<PageResult>('/');

    expect(problems).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.nowait).toEqual([true, true, false]);
    // One token at 10 per second: about 100 ms. Never early; a loose upper bound for slow CI.
    expect(result.waitedMs).toBeGreaterThanOrEqual(80);
    expect(result.waitedMs).toBeLessThan(2_000);
  });

  test('in a module Web Worker: imports the bundle, grants the burst, waits for the refill', async () => {
    requireBuild();
    const { result, problems } = await load<WorkerResult>('/worker.html');

    expect(problems).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.scope).toEqual({ dedicatedWorker: true, hasDocument: false });
    expect(result.nowait).toEqual([true, true, false]);
    // One token at 10 per second, timed inside the worker: about 100 ms, never early.
    expect(result.waitedMs).toBeGreaterThanOrEqual(90);
    expect(result.waitedMs).toBeLessThan(2_000);
  });

  test('is a single self-contained file', () => {
    requireBuild();
    const code = readFileSync(join(dist, 'lazy-limiter.min.js'), 'utf8');
    // No imports left (bare specifiers, chunks or Node built-ins) - a CDN page cannot resolve them.
    expect(code).not.toMatch(/\bimport\s*[\w{*]|\bimport\s*\(|\brequire\s*\(/);
    expect(code).toMatch(/\bexport\s*\{/);
  });
});

describe('Node entry points', () => {
  test('CJS: require(dist/index.cjs) and dist/testing.cjs', () => {
    requireBuild();
    const require = createRequire(import.meta.url);
    const core = require(join(dist, 'index.cjs')) as typeof import('../src/index.js');
    const testing = require(join(dist, 'testing.cjs')) as typeof import('../src/testing.js');
    expect(typeof core.TokenBucket).toBe('function');
    expect(typeof core.KeyedLimiter).toBe('function');
    expect(typeof core.isRateLimitError).toBe('function');
    const clock = testing.createManualClock();
    const bucket = new core.TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
    expect([bucket.acquireNowait(), bucket.acquireNowait()]).toEqual([true, false]);
  });

  test('ESM: import(dist/index.js) and dist/testing.js', async () => {
    requireBuild();
    const core = (await import(pathToFileURL(join(dist, 'index.js')).href)) as typeof import('../src/index.js');
    const testing = (await import(pathToFileURL(join(dist, 'testing.js')).href)) as typeof import('../src/testing.js');
    expect(typeof core.TokenBucket).toBe('function');
    expect(typeof core.KeyedLimiter).toBe('function');
    const clock = testing.createManualClock();
    const bucket = new core.TokenBucket({ capacity: 1, refillPerSecond: 1, clock });
    expect([bucket.acquireNowait(), bucket.acquireNowait()]).toEqual([true, false]);
  });

  test('by package name through `exports`, in plain Node: require and import of both subpaths', () => {
    requireBuild();
    // A child process, so Node's own resolver (not Vite's) reads package.json `exports`
    // by self-reference, as an installed package would be read.
    const script = `
      const cjs = require('lazy-limiter');
      const cjsTesting = require('lazy-limiter/testing');
      import('lazy-limiter').then(async (esm) => {
        const esmTesting = await import('lazy-limiter/testing');
        console.log(JSON.stringify([
          typeof cjs.TokenBucket, typeof cjs.KeyedLimiter, typeof cjsTesting.createManualClock,
          typeof esm.TokenBucket, typeof esm.KeyedLimiter, typeof esmTesting.createManualClock,
        ]));
      });
    `;
    const output = execFileSync(process.execPath, ['--input-type=commonjs', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toEqual(Array(6).fill('function'));
  });
});
