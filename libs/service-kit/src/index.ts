export * from './config/index.js';
export * from './connections/index.js';
export * from './errors.js';
export * from './health/index.js';
export * from './http/index.js';
export * from './lifecycle/index.js';
export * from './logging/index.js';
export * from './metrics/index.js';
