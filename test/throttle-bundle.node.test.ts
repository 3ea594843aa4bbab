// p-queue belongs to the throttle layer: an app that imports only the core limiters from the
// built package must not carry it. Bundles imports of dist/index.js the way an app's bundler
// would (esbuild, tree-shaking on) and looks at which modules end up in the output.
// Needs `npm run build` first (`npm test` builds before running vitest).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'dist', 'index.js');

/** The modules (paths relative to the repo) and the code a bundle of `names` from dist/index.js holds. */
async function bundle(names: string): Promise<{ modules: string[]; code: string }> {
  if (!existsSync(entry)) throw new Error('dist/index.js is missing: run `npm run build` before these tests');
  const result = await build({
    stdin: { contents: `export ${names} from ${JSON.stringify(entry)};`, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs)[0]!;
  const modules = Object.entries(output.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path);
  return { modules, code: result.outputFiles[0]!.text };
}

describe('what an import pulls in', () => {
  test('the core ({ TokenBucket, KeyedLimiter }) has no p-queue and no throttle code', async () => {
    const { modules, code } = await bundle('{ TokenBucket, KeyedLimiter }');
    expect(modules.filter((path) => path.includes('node_modules'))).toEqual([]);
    expect(code).not.toMatch(/maxConcurrent|intervalCap|throttleFetch|retry-after/i);
  });

  test('throttle brings p-queue (and its eventemitter3)', async () => {
    const { modules } = await bundle('{ throttle }');
    expect(modules.some((path) => path.includes('node_modules/p-queue/'))).toBe(true);
    expect(modules.some((path) => path.includes('node_modules/eventemitter3/'))).toBe(true);
  });

  test('throttleFetch brings p-queue and the header parser', async () => {
    const { modules, code } = await bundle('{ throttleFetch }');
    expect(modules.some((path) => path.includes('node_modules/p-queue/'))).toBe(true);
    expect(code).toMatch(/retry-after/i);
  });
});
