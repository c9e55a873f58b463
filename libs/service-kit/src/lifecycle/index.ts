export * from './run-service.js';
export * from './shutdown.js';
