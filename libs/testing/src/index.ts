export * from './capture-logs.js';
export * from './test-services.js';
export * from './wait-for.js';
export * from './vitest-context.js';
export * from './service-process.js';
export * from './route-table.js';
export * from './auth-matrix.js';
export * from './route-fuzz.js';
