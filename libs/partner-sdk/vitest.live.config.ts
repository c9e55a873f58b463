import { defineProject } from 'vitest/config';
// eslint-disable-next-line @nx/enforce-module-boundaries -- test runner configuration shares the helper in tools/, as vitest.config.ts does
import { sourceConditions } from '../../tools/vitest/shared.js';

/** `npm run test:contract:satloc`: the partner contract against a real SatLoc account (see README). */
export default defineProject({
  ...sourceConditions,
  root: import.meta.dirname,
  test: {
    include: ['src/**/*.live.spec.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
