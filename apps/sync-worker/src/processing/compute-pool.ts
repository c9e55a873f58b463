import { Piscina } from 'piscina';
import type { JobRecordInput } from '@agair/persistence';
import type { CombineJob, CombinedJob } from '@agair/runtime';
import type { JobField } from '@agair/satloc-parser';
import type { MeasureRequest, MeasureResult } from './measure-log.js';

/** CPU-heavy processing, off the event loop. */
export interface ComputePool {
  measureLog(request: MeasureRequest): Promise<MeasureResult>;
  combineJob: CombineJob;
  close(): Promise<void>;
}

/**
 * A worker-thread pool (piscina: a maintained pool with a task queue, thread restarts and
 * transfer lists; not worth writing by hand). From TypeScript sources (tests, `npm start`) the
 * threads load the worker through tsx like the process itself; compiled, they load the .js.
 */
export function createComputePool(threads: number): ComputePool {
  const fromSources = import.meta.url.endsWith('.ts');
  const pool = new Piscina({
    filename: new URL(fromSources ? './compute.worker.ts' : './compute.worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    ...(fromSources ? { execArgv: ['--import', 'tsx', '--conditions=@agair/source'] } : {}),
  });
  return {
    measureLog: (request) => pool.run(request, { name: 'measureLog' }) as Promise<MeasureResult>,
    combineJob: (logs: readonly JobRecordInput[], field: JobField) =>
      pool.run({ logs: logs.map(({ summary, swaths }) => ({ summary, swaths })), field }, { name: 'combineJob' }) as Promise<CombinedJob>,
    close: () => pool.close(),
  };
}
