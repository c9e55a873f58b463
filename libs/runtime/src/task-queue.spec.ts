import { PartnerCode } from '@agair/domain-models';
import { PartnerDataFormatError, PartnerDownError, PartnerRateLimitError } from '@agair/partner-sdk';
import { PublishFailedError } from '@agair/messaging';
import { ConfigError, loadConfig } from '@agair/service-kit';
import { MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { TaskQueueEnv } from './config.js';
import { PermanentTaskError, createPartnerTaskRetryPolicy, isInfrastructureOutage, partnerTaskRetryPolicy, partnerTaskTopology } from './task-queue.js';
import { jobNumberFor } from './upload-assignment.js';

const details = { partnerCode: PartnerCode.SATLOC, endpoint: 'UploadJobData' };

describe('partnerTaskRetryPolicy', () => {
  it('dead-letters permanent task errors with their category', () => {
    expect(partnerTaskRetryPolicy(new PermanentTaskError('not-found', 'assignment x not found'), 1)).toEqual({
      action: 'dead-letter',
      category: 'not-found',
      reason: 'assignment x not found',
    });
  });

  it('never retries a partner data-format error', () => {
    const decision = partnerTaskRetryPolicy(new PartnerDataFormatError('GetAircraftLogs: /0/LogId missing', details), 1);
    expect(decision).toMatchObject({ action: 'dead-letter', category: 'data-format' });
  });

  it('honours Retry-After for a rate limit', () => {
    const decision = partnerTaskRetryPolicy(new PartnerRateLimitError('429', { ...details, httpStatus: 429, retryAfterMs: 7000 }), 1);
    expect(decision).toMatchObject({ action: 'retry', delayMs: 7000, category: 'rate-limit' });
  });

  it('backs off when the partner is down, and retries unknown failures as internal', () => {
    expect(partnerTaskRetryPolicy(new PartnerDownError('503', { ...details, httpStatus: 503 }), 1)).toMatchObject({
      action: 'retry',
      category: 'partner-down',
    });
    expect(partnerTaskRetryPolicy(new Error('connection pool closed'), 1)).toMatchObject({ action: 'retry', category: 'internal' });
  });
});

describe('infrastructure outages', () => {
  it('waits out the database, the broker or Redis being away, without using an attempt', () => {
    const unreachable = [
      new MongoServerSelectionError('Server selection timed out after 5000 ms', { type: 'Unknown', servers: new Map() } as never),
      new MongoNetworkError('connection 4 to 127.0.0.1:27017 closed'),
      new MongoServerError({ code: 1, errmsg: 'failed to connect to `host=127.0.0.1 user=postgres`: dial error (connection refused)' }),
      new PublishFailedError('publishing task t to q failed after 5 attempts: channel closed'),
      new Error('upload failed', { cause: new MongoNetworkError('socket hang up') }),
      Object.assign(new Error('Reached the max retries per request limit (which is 2).'), { name: 'MaxRetriesPerRequestError' }),
    ];
    for (const error of unreachable) {
      expect(isInfrastructureOutage(error), error.message).toBe(true);
      expect(partnerTaskRetryPolicy(error, 7)).toMatchObject({ action: 'retry', category: 'internal', outage: true });
    }
  });

  it('does not take a wrong request, a duplicate key or a bug for an outage', () => {
    const notOutages = [
      new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key error' }),
      new MongoServerError({ code: 2, errmsg: 'unknown operator: $foo' }),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      new PartnerDownError('503', { ...details, httpStatus: 503 }),
    ];
    for (const error of notOutages) {
      expect(isInfrastructureOutage(error), error.message).toBe(false);
      expect(partnerTaskRetryPolicy(error, 1)).not.toHaveProperty('outage');
    }
  });
});

describe('createPartnerTaskRetryPolicy', () => {
  it('scales every backoff, Retry-After included', () => {
    const scaled = createPartnerTaskRetryPolicy(0.01);
    const decision = scaled(new PartnerRateLimitError('429', { ...details, httpStatus: 429, retryAfterMs: 7000 }), 1);
    expect(decision).toMatchObject({ action: 'retry', delayMs: 70 });
  });
});

describe('partnerTaskTopology', () => {
  it('prefixes the queue and parses the retry tiers', () => {
    const topology = partnerTaskTopology({
      QUEUE_PREFIX: 'dev_',
      TASK_QUEUE: 'partner_tasks',
      TASK_DELIVERY_LIMIT: 4,
      TASK_RETRY_TIERS_MS: '5000,1000',
      AMQP_PUBLISH_TIMEOUT_MS: 1000,
    });
    expect(topology).toMatchObject({ main: 'dev_partner_tasks', failed: 'dev_partner_tasks_failed', deliveryLimit: 4 });
    expect(topology.tiers.map((t) => t.ttlMs)).toEqual([1000, 5000]);
  });
});

describe('jobNumberFor', () => {
  it('gives a stable positive integer per job id', () => {
    expect(jobNumberFor('64b7f0c2e4b0a1a2b3c4d5e6')).toBe(0xc4d5e6);
    expect(jobNumberFor('64b7f0c2e4b0a1a2b3000001')).toBe(1);
  });
});

describe('TASK_RETRY_TIERS_MS', () => {
  const schema = Type.Object({ ...TaskQueueEnv });

  it('refuses a zero or empty tier as a configuration error naming the variable, not a crash at start-up', () => {
    for (const tiers of ['0,1000', '1000,0', '1000,,5000', '01000']) {
      expect(() => loadConfig(schema, { TASK_RETRY_TIERS_MS: tiers }), tiers).toThrow(ConfigError);
      expect(() => loadConfig(schema, { TASK_RETRY_TIERS_MS: tiers }), tiers).toThrow(/TASK_RETRY_TIERS_MS/);
    }
  });

  it('accepts positive tiers, which the topology takes', () => {
    const config = loadConfig(schema, { TASK_RETRY_TIERS_MS: '500,1000' });
    expect(config.TASK_RETRY_TIERS_MS).toBe('500,1000');
    expect(() => partnerTaskTopology({ ...config, QUEUE_PREFIX: '', AMQP_PUBLISH_TIMEOUT_MS: 1000 })).not.toThrow();
  });
});
