export * from './run-service.js';
export * from './shutdown.js';
export * from './startup-step.js';
