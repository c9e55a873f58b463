export * from './amqp.js';
export * from './mongo.js';
export * from './redis.js';
export * from './redis-fallback.js';
