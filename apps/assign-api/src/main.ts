import { listen, runService } from '@agair/service-kit';
import { SERVICE_NAME, buildApp } from './app.js';
import { AssignApiConfig } from './config.js';

runService({
  name: SERVICE_NAME,
  configSchema: AssignApiConfig,
  start: async (config, logger) => listen(await buildApp(config, logger), config),
});
