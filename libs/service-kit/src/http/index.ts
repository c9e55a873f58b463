export * from './create-http-app.js';
export * from './error-handler.js';
export * from './schemas.js';
