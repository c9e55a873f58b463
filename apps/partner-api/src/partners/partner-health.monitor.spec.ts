import type { PartnerHealth, PartnerService } from '@agair/partner-sdk';
import { PartnerNotImplementedError } from '@agair/partner-sdk';
import { describe, expect, it } from 'vitest';
import { PartnerHealthMonitor } from './partner-health.monitor.js';

const healthy: PartnerHealth = { partnerCode: 'SATLOC', up: true, reason: null, breakerState: 'closed', latencyMs: 3, checkedAt: '2025-01-01T00:00:00.000Z' };

function factory(healthCheck: () => Promise<PartnerHealth>) {
  let calls = 0;
  const service = { healthCheck: () => ((calls += 1), healthCheck()) } as unknown as PartnerService;
  return { get: () => service, calls: () => calls };
}

describe('PartnerHealthMonitor', () => {
  it('reuses a result while it is fresh and checks again after, with one check in flight at a time', async () => {
    let nowMs = 0;
    const partners = factory(async () => healthy);
    const monitor = new PartnerHealthMonitor(partners, { timeoutMs: 1000, cacheMs: 5000, now: () => nowMs });
    const burst = await Promise.all([monitor.check('SATLOC'), monitor.check('SATLOC'), monitor.check('SATLOC')]);
    expect(burst.every((h) => h.up)).toBe(true);
    expect(partners.calls()).toBe(1);
    nowMs = 4999;
    await monitor.check('SATLOC');
    expect(partners.calls()).toBe(1);
    nowMs = 5001;
    await monitor.check('SATLOC');
    expect(partners.calls()).toBe(2);
  });

  it('reports a partner that does not answer within the deadline as down', async () => {
    const partners = factory(() => new Promise<PartnerHealth>(() => undefined));
    const monitor = new PartnerHealthMonitor(partners, { timeoutMs: 20, cacheMs: 0 });
    expect(await monitor.check('SATLOC')).toMatchObject({ up: false, reason: 'network-timeout' });
  });

  it('reports a partner without a client as down with its category, and checks every time when caching is off', async () => {
    const partners = factory(async () => Promise.reject(new PartnerNotImplementedError('AGIDRONEX', 'healthCheck')));
    const monitor = new PartnerHealthMonitor(partners, { timeoutMs: 1000, cacheMs: 0 });
    expect(await monitor.check('AGIDRONEX')).toMatchObject({ up: false, reason: 'not-implemented', partnerCode: 'AGIDRONEX' });
    await monitor.check('AGIDRONEX');
    expect(partners.calls()).toBe(2);
  });
});
