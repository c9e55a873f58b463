import type { TaskGiveUpHandler, TaskHandler } from '@agair/messaging';
import type { Repositories } from '@agair/persistence';
import { uploadAssignment, type UploadAssignmentDeps } from '@agair/runtime';
import type { Logger } from '@agair/service-kit';

/** UPLOAD_PARTNER_JOB: send the assignment's job to the partner aircraft (idempotent). */
export function uploadPartnerJobHandler(deps: UploadAssignmentDeps & { logger: Logger }): TaskHandler<'UPLOAD_PARTNER_JOB'> {
  return async ({ message, attempt }) => {
    const { assignId, customerId, partnerCode } = message.payload;
    const outcome = await uploadAssignment(deps, customerId, assignId);
    deps.logger.info(
      { taskId: message.taskId, assignId, customerId, partnerCode, attempt, extJobId: outcome.extJobId, outcome: outcome.status },
      outcome.status === 'uploaded' ? 'job uploaded to partner' : 'job was already uploaded',
    );
  };
}

/**
 * The worker gave up on an upload (its retries ran out; the task goes to the DLQ): the assignment's
 * upload becomes `failed` with the last reason instead of staying `queued`. A replay from the DLQ
 * uploads it again.
 */
export function giveUpUpload(deps: { repositories: Repositories; logger: Logger }): TaskGiveUpHandler<'UPLOAD_PARTNER_JOB'> {
  return async ({ message }, { category, reason }) => {
    const { assignId, customerId } = message.payload;
    const failed = await deps.repositories.jobAssigns.markUploadGivenUp(customerId, assignId, reason);
    if (failed) deps.logger.warn({ taskId: message.taskId, assignId, customerId, category, reason }, 'upload given up; the assignment upload is failed');
  };
}
