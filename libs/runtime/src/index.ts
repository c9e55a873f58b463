export * from './config.js';
export * from './database.js';
export * from './partners.js';
export * from './task-queue.js';
export * from './upload-assignment.js';
export * from './queue-metrics.js';
export * from './connections.js';
export * from './job-application-record.js';
