/*
 * Entry of the statistics worker threads (piscina loads this file in each thread): decoding,
 * coverage and job records run here, never on the event loop that answers AMQP heartbeats
 * and health probes.
 */
import { combineJob, measureLog } from './measure-log.js';

export { combineJob, measureLog };
// Piscina falls back to require() for a module without a default export, which cannot load
// TypeScript sources: keep one.
export default measureLog;
