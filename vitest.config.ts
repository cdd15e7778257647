import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The package's sources stand in for its build (see packages/lambda-jobs/package.json exports).
 * Vite's own server conditions would add `module`, which sends externalized packages (the AWS
 * SDK) to builds Node cannot load; the `node` ones are kept.
 */
const conditions = [
  'lambda-jobs-source',
  ...defaultServerConditions.filter((condition) => condition !== 'module'),
];

export default defineConfig({
  ssr: { resolve: { conditions } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    restoreMocks: true,
    // expect.poll waits 1 s by default: too short for a page or an emulator on a busy machine.
    // A poll that holds returns at once; only a failing one waits the whole 10 s.
    expect: { poll: { timeout: 10_000 } },
    // The entries the construct generates sit in node_modules/.cache; they are the app's code.
    server: { deps: { inline: [/node_modules\/\.cache\/lambda-jobs\//] } },
  },
});
