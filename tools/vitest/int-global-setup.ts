import type { TestProject } from 'vitest/node';
import { startTestServices } from '../../libs/testing/src/test-services.js';
import '../../libs/testing/src/vitest-context.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const services = await startTestServices();
  process.stdout.write(`integration services (${services.urls.source}): mongo, rabbitmq, redis ready\n`);
  project.provide('services', services.urls);
  return () => services.stop();
}
