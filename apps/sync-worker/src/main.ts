import { runService } from '@agair/service-kit';
import { SERVICE_NAME, buildWorker } from './app.js';
import { SyncWorkerConfig } from './config.js';

runService({
  name: SERVICE_NAME,
  configSchema: SyncWorkerConfig,
  start: async (config, logger) => {
    const worker = await buildWorker(config, logger);
    await worker.app.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
    await worker.start();
    return worker;
  },
});
