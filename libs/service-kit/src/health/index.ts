export * from './dependency.js';
