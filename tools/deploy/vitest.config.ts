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
    // the first run builds kustomize from source (about a minute on two cores)
    hookTimeout: 600_000,
    testTimeout: 60_000,
  },
});
