import { Counter, Histogram, metric, type Registry } from '@agair/service-kit';

export type AssignOutcome = 'synced' | 'queued' | 'internal' | 'failed' | 'unassigned';

/** The assign-api's own metrics, on the app's registry. `partner_code` is `none` for internal users. */
export class AssignMetrics {
  private readonly assignments: Counter;
  private readonly assignToUploaded: Histogram;

  constructor(registry: Registry) {
    this.assignments = metric(
      registry,
      'agair_assignments_total',
      () =>
        new Counter({
          name: 'agair_assignments_total',
          help: 'Assignment outcomes per partner: synced (uploaded now), queued, internal, failed, unassigned',
          labelNames: ['partner_code', 'outcome'],
          registers: [registry],
        }),
    );
    this.assignToUploaded = metric(
      registry,
      'agair_assign_to_uploaded_seconds',
      () =>
        new Histogram({
          name: 'agair_assign_to_uploaded_seconds',
          help: 'Time from creating an assignment to UPLOADED, for immediate uploads',
          labelNames: ['partner_code'],
          buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
          registers: [registry],
        }),
    );
  }

  count(partnerCode: string | null, outcome: AssignOutcome): void {
    this.assignments.inc({ partner_code: partnerCode ?? 'none', outcome });
  }

  uploadedAfter(partnerCode: string, seconds: number): void {
    this.assignToUploaded.observe({ partner_code: partnerCode }, seconds);
  }
}
