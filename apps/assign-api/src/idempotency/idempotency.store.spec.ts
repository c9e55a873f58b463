import { describe, expect, it } from 'vitest';
import { canonicalJson, idempotencyKeyProblem, requestFingerprint } from './idempotency.store.js';

describe('idempotency keys', () => {
  it('accepts printable keys up to 200 characters', () => {
    expect(idempotencyKeyProblem('3f1c9a52-7e1b-4c1e-9b0d-5b8f2a1c0e77')).toBeNull();
    expect(idempotencyKeyProblem('a')).toBeNull();
    expect(idempotencyKeyProblem('order 42 / retry #1')).toBeNull();
    expect(idempotencyKeyProblem('k'.repeat(200))).toBeNull();
  });

  it('refuses empty, long, non-printable and space-padded keys', () => {
    expect(idempotencyKeyProblem('')).toMatch(/empty/);
    expect(idempotencyKeyProblem('k'.repeat(201))).toMatch(/200/);
    expect(idempotencyKeyProblem('tab\there')).toMatch(/printable/);
    expect(idempotencyKeyProblem('clé')).toMatch(/printable/);
    expect(idempotencyKeyProblem(' padded')).toMatch(/printable/);
  });
});

describe('request fingerprints', () => {
  it('ignore key order but not values, route or params', () => {
    const body = { asUsers: [{ uid: 'a', notes: 'x' }], dlOp: { type: 1 } };
    const same = { dlOp: { type: 1 }, asUsers: [{ notes: 'x', uid: 'a' }] };
    expect(canonicalJson(body)).toBe(canonicalJson(same));
    const base = requestFingerprint('/api/jobs/:jobId/assign', { jobId: '1' }, body);
    expect(requestFingerprint('/api/jobs/:jobId/assign', { jobId: '1' }, same)).toBe(base);
    expect(requestFingerprint('/api/jobs/:jobId/assign', { jobId: '2' }, body)).not.toBe(base);
    expect(requestFingerprint('/api/jobs/assign', { jobId: '1' }, body)).not.toBe(base);
    expect(requestFingerprint('/api/jobs/:jobId/assign', { jobId: '1' }, { ...body, dlOp: { type: 2 } })).not.toBe(base);
    // Array order is meaning: assigning [a, b] is not assigning [b, a] with other notes.
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});
