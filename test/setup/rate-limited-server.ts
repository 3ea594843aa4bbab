// A local HTTP server that enforces rate limits of its own, for the end-to-end tests of
// throttleFetch in Node, happy-dom and Chromium. Started once per test project by vitest's
// globalSetup (the default export), which provides its URL to the tests: `inject('serverUrl')`.
//
// Routes (every response carries CORS headers; preflights are answered and never counted):
//   /bucket/<capacity>/<perSecond>/<id>/...  a token bucket per <id>: 200 while it has a token,
//       else 429 with Retry-After (whole seconds), Retry-After-Ms, RateLimit, RateLimit-Policy.
//       Every answer has X-RateLimit-Limit / -Remaining / -Reset (seconds until full, fractional).
//   /stats/<id>                              what bucket <id> granted and refused: { granted, refused }
//   /echo/...                                the request back: { method, path, search, body, headers }
//   /status/<code>?<header>=<value>...       answers <code> with the query's pairs as headers
//   /slow/<ms>                               answers 200 after <ms> (ends early if the client goes)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The rate-limited server's base URL, e.g. `http://127.0.0.1:41234`. */
    serverUrl: string;
  }
}

/** A running server. */
export interface RateLimitedServer {
  readonly url: string;
  close(): Promise<void>;
}

interface Bucket {
  readonly capacity: number;
  readonly perSecond: number;
  tokens: number;
  at: number;
  granted: number;
  refused: number;
}

const EXPOSED = [
  'Retry-After',
  'Retry-After-Ms',
  'RateLimit',
  'RateLimit-Policy',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
].join(', ');

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': EXPOSED,
};

/** Starts the server on 127.0.0.1 and a free port. */
export async function startRateLimitedServer(): Promise<RateLimitedServer> {
  const buckets = new Map<string, Bucket>();

  const take = (id: string, capacity: number, perSecond: number): { ok: boolean; bucket: Bucket } => {
    let bucket = buckets.get(id);
    const now = performance.now();
    if (bucket === undefined) {
      bucket = { capacity, perSecond, tokens: capacity, at: now, granted: 0, refused: 0 };
      buckets.set(id, bucket);
    }
    bucket.tokens = Math.min(bucket.capacity, bucket.tokens + ((now - bucket.at) * bucket.perSecond) / 1000);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.granted++;
      return { ok: true, bucket };
    }
    bucket.refused++;
    return { ok: false, bucket };
  };

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    response.writeHead(status, { ...CORS, 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

  const onBucket = (request: IncomingMessage, response: ServerResponse, parts: string[]): void => {
    const [capacity, perSecond, id] = [Number(parts[1]), Number(parts[2]), parts[3]];
    if (!(capacity >= 1) || !(perSecond > 0) || id === undefined) {
      send(response, 400, { error: 'expected /bucket/<capacity>/<perSecond>/<id>/...' });
      return;
    }
    const { ok, bucket } = take(id, capacity, perSecond);
    const remaining = Math.floor(bucket.tokens);
    const toFull = (bucket.capacity - bucket.tokens) / bucket.perSecond;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(bucket.capacity),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': toFull.toFixed(3),
    };
    if (ok) {
      send(response, 200, { id, n: bucket.granted, method: request.method }, headers);
      return;
    }
    const toOne = ((1 - bucket.tokens) / bucket.perSecond) * 1000;
    send(response, 429, { error: 'rate limited', id }, {
      ...headers,
      'retry-after': String(Math.ceil(toOne / 1000)),
      'retry-after-ms': String(Math.ceil(toOne)),
      'ratelimit-policy': `"bucket";q=${bucket.capacity};w=${Math.max(1, Math.ceil(bucket.capacity / bucket.perSecond))}`,
      ratelimit: `"bucket";r=0;t=${Math.ceil(toFull)}`,
    });
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'OPTIONS') {
      response
        .writeHead(204, {
          ...CORS,
          'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS',
          'access-control-allow-headers': request.headers['access-control-request-headers'] ?? '*',
          'access-control-max-age': '600',
        })
        .end();
      return;
    }
    const parts = url.pathname.split('/').filter((part) => part !== '');
    switch (parts[0]) {
      case 'bucket':
        onBucket(request, response, parts);
        return;
      case 'stats': {
        const bucket = buckets.get(parts[1] ?? '');
        send(response, 200, { granted: bucket?.granted ?? 0, refused: bucket?.refused ?? 0 });
        return;
      }
      case 'echo': {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          send(response, 200, {
            method: request.method,
            path: url.pathname,
            search: url.search,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: { 'x-test': request.headers['x-test'] ?? null, 'content-type': request.headers['content-type'] ?? null },
          });
        });
        return;
      }
      case 'status': {
        const status = Number(parts[1]);
        const headers: Record<string, string> = {};
        for (const [name, value] of url.searchParams) headers[name] = value;
        send(response, status >= 200 && status <= 599 ? status : 400, { status }, headers);
        return;
      }
      case 'slow': {
        const timer = setTimeout(() => send(response, 200, { slow: true }), Number(parts[1] ?? 0));
        request.on('close', () => clearTimeout(timer));
        return;
      }
      default:
        send(response, 404, { error: 'not found' });
    }
  });
  // Keep-alive sockets would hold `close()` open until they time out.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}

/** vitest globalSetup: starts the server for the test run and provides its URL. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startRateLimitedServer();
  project.provide('serverUrl', server.url);
  return () => server.close();
}
