import type { TaskHandler } from '@agair/messaging';
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
