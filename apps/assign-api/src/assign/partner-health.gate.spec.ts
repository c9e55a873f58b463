import type { PartnerHealth } from '@agair/partner-sdk';
import { describe, expect, it } from 'vitest';
import { PartnerHealthGate } from './partner-health.gate.js';

function health(up: boolean, breakerState: PartnerHealth['breakerState'] = 'closed', reason: string | null = null): PartnerHealth {
  return { partnerCode: 'SATLOC', up, reason, breakerState, latencyMs: 3, checkedAt: new Date(0).toISOString() };
}

describe('PartnerHealthGate', () => {
  it('is healthy only when the partner is up and the breaker closed', async () => {
    const verdictFor = (h: PartnerHealth) => new PartnerHealthGate({ check: async () => h, cacheMs: 0, timeoutMs: 1000 }).verdict('SATLOC');
    expect(await verdictFor(health(true))).toEqual({ healthy: true, reason: null });
    expect(await verdictFor(health(false, 'closed', 'partner-down'))).toEqual({ healthy: false, reason: 'partner-down' });
    expect(await verdictFor(health(true, 'half-open'))).toEqual({ healthy: false, reason: 'breaker-half-open' });
    expect(await verdictFor(health(false, 'open', 'circuit-open'))).toEqual({ healthy: false, reason: 'circuit-open' });
  });

  it('reuses a verdict for cacheMs and asks again after it, and after invalidate', async () => {
    let now = 0;
    let calls = 0;
    const gate = new PartnerHealthGate({ check: async () => (calls++, health(true)), cacheMs: 15_000, timeoutMs: 1000, now: () => now });
    await gate.verdict('SATLOC');
    now = 14_999;
    await gate.verdict('SATLOC');
    expect(calls).toBe(1);
    now = 15_000;
    await gate.verdict('SATLOC');
    expect(calls).toBe(2);
    gate.invalidate('SATLOC');
    await gate.verdict('SATLOC');
    expect(calls).toBe(3);
  });

  it('shares one check between concurrent callers', async () => {
    let calls = 0;
    let release: (h: PartnerHealth) => void = () => undefined;
    const gate = new PartnerHealthGate({
      check: () => {
        calls += 1;
        return new Promise<PartnerHealth>((resolve) => (release = resolve));
      },
      cacheMs: 10_000,
      timeoutMs: 5000,
    });
    const verdicts = Promise.all([gate.verdict('SATLOC'), gate.verdict('SATLOC'), gate.verdict('SATLOC')]);
    release(health(true));
    expect((await verdicts).every((v) => v.healthy)).toBe(true);
    expect(calls).toBe(1);
  });

  it('counts a check slower than the timeout, or one that throws, as unhealthy', async () => {
    const slow = new PartnerHealthGate({ check: () => new Promise<PartnerHealth>(() => undefined), cacheMs: 0, timeoutMs: 20 });
    expect(await slow.verdict('SATLOC')).toEqual({ healthy: false, reason: 'health-check-timeout' });
    const throwing = new PartnerHealthGate({
      check: async () => {
        throw new TypeError('unknown partner');
      },
      cacheMs: 0,
      timeoutMs: 1000,
    });
    expect(await throwing.verdict('NOPE')).toEqual({ healthy: false, reason: 'TypeError' });
  });
});
