// One test tree, three environments:
//   node      - every test/**/*.test.ts, plus the type tests test/**/*.test-d.ts
//   happy-dom - the same tests except *.node.test.ts (those use node:fs, node:http, processes)
//   chromium  - the same again in real Chromium (Debian's /usr/bin/chromium, vitest browser mode)
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumArgs, chromiumPath } from './test/setup/chromium.mjs';

const tests = ['test/**/*.test.ts'];
const nodeOnly = ['test/**/*.node.test.ts'];
// A local rate-limited HTTP server for the throttleFetch tests; its URL is `inject('serverUrl')`.
const globalSetup = ['test/setup/rate-limited-server.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          globalSetup,
          include: tests,
          typecheck: {
            enabled: true,
            // TypeScript 7's tsc; the `tsc` on PATH may be TypeScript 6 (see TOOLCHAIN.md).
            checker: 'node_modules/typescript/bin/tsc',
            include: ['test/**/*.test-d.ts'],
            tsconfig: 'tsconfig.json',
          },
        },
      },
      {
        test: {
          name: 'happy-dom',
          environment: 'happy-dom',
          globalSetup,
          include: tests,
          exclude: nodeOnly,
        },
      },
      {
        test: {
          name: 'chromium',
          globalSetup,
          include: tests,
          exclude: nodeOnly,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: chromiumPath,
                args: chromiumArgs,
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
