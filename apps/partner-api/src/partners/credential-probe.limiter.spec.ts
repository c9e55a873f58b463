import type { RedisConnection, RedisFeatureGuard } from '@agair/service-kit';
import { describe, expect, it } from 'vitest';
import { CredentialProbeLimiter, MemoryWindowCounter, TooManyAuthTestsError } from './credential-probe.limiter.js';

/** Redis away: every operation goes to the in-process counters. */
const redisAway: RedisFeatureGuard = { run: async (_primary, fallback) => fallback() };
const noRedis = {} as RedisConnection['client'];
const limits = { customerMax: 3, customerWindowMs: 60_000, usernameFailuresMax: 2, usernameWindowMs: 900_000 };

function limiterAt(clock: { now: number }) {
  const local = new MemoryWindowCounter(() => clock.now);
  return { local, limiter: new CredentialProbeLimiter({ redis: noRedis, guard: redisAway, keyPrefix: 'test:', limits, local }) };
}

async function refusal(work: Promise<unknown>): Promise<TooManyAuthTestsError> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TooManyAuthTestsError);
  return error as TooManyAuthTestsError;
}

describe('CredentialProbeLimiter (in-process counting)', () => {
  it('refuses a customer past its tests per window with the seconds left, and not another customer', async () => {
    const clock = { now: 1_000_000 };
    const { limiter } = limiterAt(clock);
    for (let i = 0; i < 3; i++) await limiter.countCustomerTest('c1');
    clock.now += 20_500;
    const error = await refusal(limiter.countCustomerTest('c1'));
    expect(error).toMatchObject({ statusCode: 429, code: 'TOO_MANY_AUTH_TESTS', retryAfterS: 40 });
    await limiter.countCustomerTest('c2');
    clock.now += 40_000;
    await limiter.countCustomerTest('c1');
  });

  it('refuses a username after its failures, over every spelling; a released reservation is not a failure', async () => {
    const clock = { now: 0 };
    const { limiter } = limiterAt(clock);
    await (await limiter.reserveUsernameFailure('SATLOC', 'acme.api')).release();
    await (await limiter.reserveUsernameFailure('SATLOC', 'acme.api')).release();
    await limiter.reserveUsernameFailure('SATLOC', 'acme.api');
    await limiter.reserveUsernameFailure('SATLOC', 'ACME.api');
    const error = await refusal(limiter.reserveUsernameFailure('SATLOC', 'Acme.Api'));
    expect(error.retryAfterS).toBe(900);
    await limiter.reserveUsernameFailure('AGIDRONEX', 'acme.api');
    clock.now += 900_000;
    await limiter.reserveUsernameFailure('SATLOC', 'acme.api');
  });

  it('holds concurrent tests of one username to the failure limit (reserved before the partner is called)', async () => {
    const { limiter } = limiterAt({ now: 0 });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => limiter.reserveUsernameFailure('SATLOC', 'target')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
  });

  it('forgets ended windows, so counting many keys does not keep them', async () => {
    const clock = { now: 0 };
    const { limiter, local } = limiterAt(clock);
    for (let i = 0; i < 1000; i++) await limiter.reserveUsernameFailure('SATLOC', `user.${i}`).catch(() => undefined);
    expect(local.size).toBe(1000);
    clock.now += 900_001;
    await limiter.countCustomerTest('c1');
    expect(local.size).toBe(1);
  });
});
