import { Counter, Histogram, metric, type Registry } from '@agair/service-kit';

/** The worker's own metrics (partner calls are measured by partner-sdk on the same registry). */
export function syncWorkerMetrics(registry: Registry) {
  return {
    tasks: metric(
      registry,
      'agair_tasks_total',
      () =>
        new Counter({
          name: 'agair_tasks_total',
          help: 'Task deliveries by type, outcome and error category',
          labelNames: ['task_type', 'outcome', 'error_category'],
          registers: [registry],
        }),
    ),
    retries: metric(
      registry,
      'agair_task_retries_total',
      () =>
        new Counter({
          name: 'agair_task_retries_total',
          help: 'Task retries scheduled, by type and error category',
          labelNames: ['task_type', 'error_category'],
          registers: [registry],
        }),
    ),
    exhausted: metric(
      registry,
      'agair_task_retry_exhausted_total',
      () =>
        new Counter({
          name: 'agair_task_retry_exhausted_total',
          help: 'Tasks dead-lettered, by type and error category',
          labelNames: ['task_type', 'error_category'],
          registers: [registry],
        }),
    ),
    duration: metric(
      registry,
      'agair_task_duration_seconds',
      () =>
        new Histogram({
          name: 'agair_task_duration_seconds',
          help: 'Task handling time by type',
          labelNames: ['task_type'],
          buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
          registers: [registry],
        }),
    ),
    logProcessing: metric(
      registry,
      'agair_log_processing_seconds',
      () =>
        new Histogram({
          name: 'agair_log_processing_seconds',
          help: 'Flight log decoding and statistics time by format and outcome (processed, skipped, unsupported, unusable)',
          labelNames: ['format', 'outcome'],
          buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
          registers: [registry],
        }),
    ),
    unsupportedLogs: metric(
      registry,
      'agair_logs_unsupported_total',
      () =>
        new Counter({
          name: 'agair_logs_unsupported_total',
          help: 'Flight logs failed as unsupported_format (not a format the platform decodes), by partner; they get in by manual upload',
          labelNames: ['partner_code'],
          registers: [registry],
        }),
    ),
  };
}
export type SyncWorkerMetrics = ReturnType<typeof syncWorkerMetrics>;
