import { inspect } from 'node:util';
import { LogCapture } from '@agair/testing';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartnerAuthError } from '../errors/partner.errors.js';
import { secretForms } from '../redaction/secret.redactor.js';
import type { SatlocSimulator } from '../simulator/satloc-simulator.app.js';
import { TEST_CREDS, startSimulator, testClient, type TestClient } from '../testing/satloc.test-helpers.js';

const SENT_PASSWORD = 'Wr0ng&Secret#pass!word with space';
const creds = { ...TEST_CREDS, password: SENT_PASSWORD };

let sim: SatlocSimulator;
let client: TestClient;
let logs: LogCapture;

beforeEach(async () => {
  sim = await startSimulator();
  logs = new LogCapture();
  client = testClient(sim.baseUrl, {
    logger: pino({ level: 'trace' }, logs),
    satloc: { credentialsBreaker: { failureThreshold: 2, failureWindowMs: 60_000, openMs: 60_000, probeTimeoutMs: 1_000 } },
  });
});
afterEach(async () => {
  await client.factory.close();
  await sim.close();
});

function expectNoPassword(text: string): void {
  for (const form of secretForms(SENT_PASSWORD)) expect(text).not.toContain(form);
  expect(text).not.toContain('Secret#pass');
}

describe('the password never leaves the call', () => {
  it('stays out of logs, errors and metrics when authentication fails in every way', async () => {
    const errors: unknown[] = [];
    const attempt = async (): Promise<void> => {
      errors.push(await client.service.getAircraftList(creds).catch((e: unknown) => e));
    };
    sim.faults.set('AuthenticateAPIUser', { failure: { kind: 'status', status: 500 } });
    await attempt();
    sim.faults.set('AuthenticateAPIUser', { failure: { kind: 'reset' } });
    await attempt();
    sim.faults.set('AuthenticateAPIUser', { failure: { kind: 'rate-limit', retryAfterS: 60 } });
    await attempt();
    sim.faults.clear();
    await attempt(); // rejected credentials
    await attempt(); // rejected again: the customer's credentials breaker opens
    await attempt(); // refused locally

    expect(errors.every((e) => e instanceof Error)).toBe(true);
    const last = errors.at(-1) as PartnerAuthError;
    expect(last).toBeInstanceOf(PartnerAuthError);
    expect(last.circuitOpen).toBe(true);
    expect(sim.state.counters().requests.AuthenticateAPIUser).toBe(3 + 3 + 1 + 1 + 1); // 5xx and resets retried, the last call refused locally

    expect(logs.lines.length).toBeGreaterThan(0);
    expectNoPassword(logs.text);
    for (const error of errors) {
      expectNoPassword(inspect(error, { depth: null, showHidden: true }));
      expectNoPassword(JSON.stringify(error));
      expectNoPassword(String((error as Error).stack));
    }
    expectNoPassword(await client.registry.metrics());
  });
});
