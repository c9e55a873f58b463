import { defineConfig } from 'vitest/config';
import { sourceConditions } from './shared.js';

/**
 * Integration tests (`*.int.spec.ts`) of every project and of the FerretDB runner
 * (tools/ferretdb), against real MongoDB-compatible, RabbitMQ and Redis servers (see
 * int-global-setup.ts). Files run one at a time: some of them stop and restart the broker, which
 * would break tests running beside them.
 */
export default defineConfig({
  ...sourceConditions,
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['{apps,libs}/*/src/**/*.int.spec.ts', 'tools/ferretdb/**/*.int.spec.ts'],
    globalSetup: ['tools/vitest/int-global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    environment: 'node',
  },
});
