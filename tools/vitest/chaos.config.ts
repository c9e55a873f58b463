import { defineConfig } from 'vitest/config';
import { sourceConditions } from './shared.js';

/**
 * The fault-injection suite (`*.chaos.spec.ts`, `npm run test:chaos`): it stops and restarts the
 * machine's RabbitMQ, Redis and FerretDB, so it runs alone, after the other tests.
 */
export default defineConfig({
  ...sourceConditions,
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['{apps,libs}/*/src/**/*.chaos.spec.ts'],
    globalSetup: ['tools/vitest/int-global-setup.ts'],
    fileParallelism: false,
    testTimeout: 20 * 60_000,
    hookTimeout: 300_000,
    environment: 'node',
  },
});
