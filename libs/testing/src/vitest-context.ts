import { inject } from 'vitest';
import type { TestServiceUrls } from './test-services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    services: TestServiceUrls;
  }
}

/** The services started (or found) by the integration tests' global setup. */
export function testServices(): TestServiceUrls {
  return inject('services');
}
