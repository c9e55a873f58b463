import { PartnerLogTrackerState, UploadSyncStatus, type ApplicationFile, type JobAssign, type PartnerLogTracker, type TaskTracker } from '@agair/domain-models';
import type { Repositories } from '@agair/persistence';

export const TIMELINE_STEPS = [
  'assigned',
  'upload_task',
  'uploaded',
  'upload_failed',
  'log_listed',
  'log_downloaded',
  'processing_task',
  'log_processed',
  'log_failed',
  'log_skipped',
  'application_record',
] as const;
export type TimelineStep = (typeof TIMELINE_STEPS)[number];

export interface TimelineEvent {
  at: string;
  step: TimelineStep;
  taskId?: string;
  trackerId?: string;
  logId?: string;
  fileId?: string;
  state?: string;
  attempt?: number;
  detail?: string;
}

export interface TimelineLog {
  tracker: PartnerLogTracker;
  /** True when the log's application record is this assignment's; false for a log of the aircraft since the upload that is not (yet) matched. */
  matched: boolean;
  tasks: TaskTracker[];
  applicationFileId: string | null;
}

export interface AssignmentTimeline {
  assignment: JobAssign;
  uploadTasks: TaskTracker[];
  logs: TimelineLog[];
  events: TimelineEvent[];
}

/** Logs of the aircraft since the upload that are looked at besides the matched ones. */
const UNMATCHED_LOGS_LIMIT = 200;
const FILES_LIMIT = 1000;

/**
 * The linked history of one assignment: the upload's tasks (every attempt and replay), the
 * aircraft's logs matched to it (and those since its upload not matched yet), each log's
 * processing tasks, and its application records — as records and as one list of events in time
 * order.
 */
export async function assignmentTimeline(repositories: Repositories, assign: JobAssign): Promise<AssignmentTimeline> {
  const { customerId } = assign;
  const [uploadTasks, files] = await Promise.all([
    repositories.taskTrackers.listBySubjects(customerId, [assign.id]),
    repositories.applicationRecords.listFilesByCustomer(customerId, { assignId: assign.id, limit: FILES_LIMIT }),
  ]);
  const trackers = new Map<string, { tracker: PartnerLogTracker; file: ApplicationFile | null }>();
  for (const file of files) {
    if (!file.logId) continue;
    const tracker = await repositories.partnerLogTrackers.findByLog(file.partnerCode, customerId, file.logId);
    if (tracker) trackers.set(tracker.id, { tracker, file });
  }
  if (assign.partnerCode && assign.partnerAircraftId && assign.upload.uploadedAt) {
    const since = await repositories.partnerLogTrackers.page(
      customerId,
      { partnerCode: assign.partnerCode, aircraftId: assign.partnerAircraftId, createdFrom: new Date(assign.upload.uploadedAt) },
      { limit: UNMATCHED_LOGS_LIMIT },
    );
    for (const tracker of since.items) if (!trackers.has(tracker.id) && tracker.state !== PartnerLogTrackerState.PROCESSED) trackers.set(tracker.id, { tracker, file: null });
  }
  const logTasks = await repositories.taskTrackers.listBySubjects(customerId, [...trackers.keys()]);
  const logs = [...trackers.values()].map(({ tracker, file }) => ({
    tracker,
    matched: file !== null,
    tasks: logTasks.filter((t) => t.subject?.id === tracker.id),
    applicationFileId: file?.id ?? null,
  }));
  return { assignment: assign, uploadTasks, logs, events: eventsOf(assign, uploadTasks, logs, files) };
}

function eventsOf(assign: JobAssign, uploadTasks: readonly TaskTracker[], logs: readonly TimelineLog[], files: readonly ApplicationFile[]): TimelineEvent[] {
  const events: TimelineEvent[] = [{ at: assign.createdAt, step: 'assigned', ...(assign.partnerCode ? { detail: `${assign.partnerCode} aircraft ${assign.partnerAircraftId}` } : {}) }];
  for (const task of uploadTasks) events.push(taskEvent('upload_task', task));
  if (assign.upload.uploadedAt) events.push({ at: assign.upload.uploadedAt, step: 'uploaded', ...(assign.extJobId ? { detail: `partner job ${assign.extJobId}` } : {}) });
  if (assign.upload.syncStatus === UploadSyncStatus.FAILED && assign.upload.lastAttemptAt) {
    events.push({ at: assign.upload.lastAttemptAt, step: 'upload_failed', ...(assign.upload.lastError ? { detail: assign.upload.lastError } : {}) });
  }
  for (const { tracker, tasks } of logs) {
    const ids = { trackerId: tracker.id, logId: tracker.logId };
    events.push({ at: tracker.createdAt, step: 'log_listed', ...ids, detail: tracker.fileName });
    if (tracker.downloadedAt) events.push({ at: tracker.downloadedAt, step: 'log_downloaded', ...ids, ...(tracker.sizeBytes !== null ? { detail: `${tracker.sizeBytes} bytes` } : {}) });
    for (const task of tasks) events.push({ ...taskEvent('processing_task', task), ...ids });
    if (tracker.state === PartnerLogTrackerState.PROCESSED && tracker.processedAt) events.push({ at: tracker.processedAt, step: 'log_processed', ...ids });
    if (tracker.state === PartnerLogTrackerState.FAILED) events.push({ at: tracker.error?.at ?? tracker.updatedAt, step: 'log_failed', ...ids, ...(tracker.error ? { detail: `${tracker.error.category}: ${tracker.error.message}` } : {}) });
    if (tracker.state === PartnerLogTrackerState.SKIPPED) events.push({ at: tracker.updatedAt, step: 'log_skipped', ...ids, ...(tracker.error ? { detail: tracker.error.message } : {}) });
  }
  for (const file of files) {
    events.push({ at: file.createdAt, step: 'application_record', fileId: file.id, ...(file.logId ? { logId: file.logId } : {}), detail: `treated ${file.summary.treatedAreaHa} ha` });
  }
  return events.sort((a, b) => a.at.localeCompare(b.at));
}

function taskEvent(step: 'upload_task' | 'processing_task', task: TaskTracker): TimelineEvent {
  return {
    at: task.createdAt,
    step,
    taskId: task.taskId,
    state: task.state,
    attempt: task.attempt,
    ...(task.lastError ? { detail: `${task.lastError.category}: ${task.lastError.message}` } : {}),
  };
}
