import type { Job } from '@agair/domain-models';
import type { Repositories } from '@agair/persistence';
import { BadRequestError, NotFoundError, Role, type Principal } from '@agair/service-kit';
import type { JobAssignmentService } from '../assign/job-assignment.service.js';
import type { IdempotencyStore } from '../idempotency/idempotency.store.js';
import type { LogOperationsService } from '../operations/log-operations.service.js';

/** What the routes work with; built once in app.ts. */
export interface RouteContext {
  repositories: Repositories;
  assignments: JobAssignmentService;
  logOperations: LogOperationsService;
  idempotency: IdempotencyStore;
}

/**
 * A job the caller may see. A customer sees only its own; admin and service callers reach any
 * job by id. Another customer's job reads as missing (404), so ids cannot be probed.
 */
export async function jobForCaller(context: RouteContext, principal: Principal, jobId: string): Promise<Job> {
  const customerId = principal.role === Role.CUSTOMER ? principal.customerId : await context.repositories.jobs.customerOf(jobId);
  const job = customerId ? await context.repositories.jobs.findById(customerId, jobId) : null;
  if (!job) throw new NotFoundError('Job');
  return job;
}

/** The customer a list is for: a customer's own; admin and service must name one. */
export function listCustomer(principal: Principal, requested: string | undefined): string {
  if (principal.role === Role.CUSTOMER && principal.customerId) return principal.customerId;
  if (!requested) throw new BadRequestError('customerId is required for admin and service callers');
  return requested;
}
