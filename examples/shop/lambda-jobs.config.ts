import { defineConfig } from 'lambda-jobs';

export default defineConfig({
  appName: 'shop',
  registry: './src/jobs/index.ts',
  queues: { default: {} },
});
