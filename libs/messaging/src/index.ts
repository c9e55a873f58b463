export * from './handler-registry.js';
export * from './logger.js';
export * from './retry-policy.js';
export * from './task-consumer.js';
export * from './task-publisher.js';
export * from './task-queue.topology.js';
export * from './task-tracker.port.js';
export * from './dead-letter-queue.admin.js';
