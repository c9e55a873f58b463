import { runService } from '@agair/service-kit';
import { SERVICE_NAME, buildPoller } from './app.js';
import { PollerConfig } from './config.js';

runService({
  name: SERVICE_NAME,
  configSchema: PollerConfig,
  start: async (config, logger) => {
    const poller = await buildPoller(config, logger);
    await poller.app.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
    await poller.start();
    return poller;
  },
});
