import { Counter, Gauge, metric, type Registry } from '@agair/service-kit';

export function pollerMetrics(registry: Registry) {
  return {
    runs: metric(
      registry,
      'agair_poll_runs_total',
      () => new Counter({ name: 'agair_poll_runs_total', help: 'Poll cycles by outcome', labelNames: ['outcome'], registers: [registry] }),
    ),
    lastSuccess: metric(
      registry,
      'agair_poll_last_success_timestamp_seconds',
      () =>
        new Gauge({
          name: 'agair_poll_last_success_timestamp_seconds',
          help: 'End of the last poll cycle that finished, with or without some customers failing (Unix seconds); those failures count in agair_poll_customer_errors_total',
          registers: [registry],
        }),
    ),
    logs: metric(
      registry,
      'agair_poll_logs_total',
      () =>
        new Counter({
          name: 'agair_poll_logs_total',
          help: 'Flight logs found, downloaded, enqueued, skipped or failed by the poller',
          labelNames: ['result'],
          registers: [registry],
        }),
    ),
    customerErrors: metric(
      registry,
      'agair_poll_customer_errors_total',
      () =>
        new Counter({
          name: 'agair_poll_customer_errors_total',
          help: "Errors collecting one customer's logs (rejected credentials, partner errors), by partner and category; the customer is in the poll run and the log line",
          labelNames: ['partner_code', 'error_category'],
          registers: [registry],
        }),
    ),
    leader: metric(
      registry,
      'agair_poll_leader',
      () => new Gauge({ name: 'agair_poll_leader', help: '1 while this replica holds the poller lease', registers: [registry] }),
    ),
    stuck: metric(
      registry,
      'agair_stuck_trackers',
      () =>
        new Gauge({
          name: 'agair_stuck_trackers',
          help: 'Trackers reclaimed or failed by the last sweep, by the state they were stuck in',
          labelNames: ['state'],
          registers: [registry],
        }),
    ),
    pollingEnded: metric(
      registry,
      'agair_poll_assignments_ended_total',
      () =>
        new Counter({
          name: 'agair_poll_assignments_ended_total',
          help: 'UPLOADED assignments no longer polled because no log came for POLL_ASSIGNMENT_QUIET',
          registers: [registry],
        }),
    ),
    retentionRemoved: metric(
      registry,
      'agair_retention_removed_total',
      () =>
        new Counter({
          name: 'agair_retention_removed_total',
          help: 'Records removed by the retention sweep, by kind (raw_logs, task_trackers, poll_runs, sync_requests)',
          labelNames: ['kind'],
          registers: [registry],
        }),
    ),
    retentionDue: metric(
      registry,
      'agair_retention_due',
      () =>
        new Gauge({
          name: 'agair_retention_due',
          help: 'Records past their retention still waiting after the last sweep (in a dry run: all that a sweep would remove), by kind',
          labelNames: ['kind'],
          registers: [registry],
        }),
    ),
  };
}
export type PollerMetrics = ReturnType<typeof pollerMetrics>;
