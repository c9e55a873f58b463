import { defineConfig } from 'vitest/config';
import { sourceConditions } from '../vitest/shared.js';

/**
 * Static checks of the container and Kubernetes deployment files (docker/, k8s/): `npm run test:deploy`.
 * No Docker engine and no cluster are needed; kustomize and the schemas come from the Go module
 * proxy once and are cached (tools/deploy/kustomize.sh, tools/deploy/schemas.sh).
 */
export default defineConfig({
  // app config schemas are imported from their TypeScript sources
  ...sourceConditions,
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['tools/deploy/**/*.spec.ts'],
    environment: 'node',
    // the first run builds kustomize (about a minute on two cores) and promtool (about 10 minutes
    // with empty Go caches, half of it downloading modules) from source, possibly at the same time
    hookTimeout: 1_200_000,
    testTimeout: 60_000,
  },
});
