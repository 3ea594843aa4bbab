// The built ESM entry points in three runtimes: test/runtimes/smoke.mjs run by Node, Deno and Bun
// as child processes. Deno and Bun come from the npm packages `deno` and `bun` (devDependencies,
// binaries in node_modules/.bin). Nothing is skipped: a missing binary fails its test.
// Needs `npm run build` first (`npm test` builds before running vitest).
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const smoke = join(root, 'test', 'runtimes', 'smoke.mjs');
const bin = join(root, 'node_modules', '.bin');
/** How long one run may take before it is killed; the test's own timeout is a little longer. */
const runTimeout = 25_000;

function requireBuild(): void {
  const missing = ['index.js', 'testing.js'].filter((file) => !existsSync(join(root, 'dist', file)));
  if (missing.length > 0) {
    throw new Error(`dist/ is incomplete (missing ${missing.join(', ')}): run \`npm run build\` before these tests`);
  }
}

/** `node_modules/.bin/<name>`, or a clear error saying how to get it. */
function localBinary(name: string): string {
  const file = join(bin, name);
  try {
    accessSync(file, constants.X_OK);
  } catch {
    throw new Error(
      `${name} not found at ${file}: it comes from the devDependency \`${name}\` (run \`npm install\`; ` +
        `its postinstall script must be allowed in package.json \`allowScripts\`)`,
    );
  }
  return file;
}

interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      command,
      args,
      { cwd: root, encoding: 'utf8', timeout: runTimeout, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        if (error === null) {
          done({ code: 0, signal: null, stdout, stderr });
          return;
        }
        const { code, signal } = error as Error & { code?: number | string | null; signal?: string | null };
        // A string code: it could not start at all (ENOENT, EACCES…); report that as its stderr.
        if (typeof code === 'string') done({ code: null, signal: null, stdout, stderr: `${stderr}${error.message}` });
        else done({ code: code ?? null, signal: signal ?? null, stdout, stderr });
      },
    );
  });
}

/** Runs the smoke script and asserts a clean exit with `ok <runtime>`, showing all output otherwise. */
async function expectSmokeOk(runtime: string, command: string, args: string[]): Promise<void> {
  requireBuild();
  const result = await run(command, [...args, smoke]);
  const shown = `${[command, ...args, smoke].join(' ')}\nexit: ${result.code ?? result.signal}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  expect(result.code, shown).toBe(0);
  expect(result.stdout, shown).toMatch(new RegExp(`^ok ${runtime} \\d`, 'm'));
}

describe('dist/ in other runtimes (test/runtimes/smoke.mjs)', () => {
  test('Node', async () => {
    await expectSmokeOk('node', process.execPath, []);
  }, 30_000);

  test('Deno (npm package `deno`)', async () => {
    await expectSmokeOk('deno', localBinary('deno'), ['run', '--allow-read', '--allow-env']);
  }, 30_000);

  test('Bun (npm package `bun`)', async () => {
    await expectSmokeOk('bun', localBinary('bun'), []);
  }, 30_000);
});
