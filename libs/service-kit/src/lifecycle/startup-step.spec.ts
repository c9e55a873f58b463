import { LogCapture } from '@agair/testing';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { retryStartupStep, startupGate } from './startup-step.js';

const logger = createLogger({ name: 'startup-test', level: 'silent', destination: new LogCapture() });

describe('retryStartupStep', () => {
  it('tries again until the step succeeds', async () => {
    let calls = 0;
    await retryStartupStep(
      async () => {
        calls += 1;
        if (calls < 2) throw new Error('database away');
      },
      { what: 'creating indexes', logger, giveUp: () => false },
    );
    expect(calls).toBe(2);
  });

  it('throws the failure it is told to give up on', async () => {
    await expect(retryStartupStep(async () => Promise.reject(new Error('for good')), { what: 'x', logger, giveUp: () => true })).rejects.toThrow('for good');
  });
});

describe('startupGate', () => {
  it('fails readiness with its reason until opened', async () => {
    const gate = startupGate('indexes', 'database indexes are being created');
    await expect(gate.check()).rejects.toThrow('database indexes are being created');
    gate.open();
    await expect(gate.check()).resolves.toBeUndefined();
  });
});
