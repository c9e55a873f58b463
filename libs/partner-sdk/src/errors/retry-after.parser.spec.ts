import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs } from './retry-after.parser.js';

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfterMs('120', now)).toBe(120_000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date as the time left until then', () => {
    expect(parseRetryAfterMs('Sun, 01 Jun 2025 12:00:30 GMT', now)).toBe(30_000);
  });

  it('treats a date in the past as "now"', () => {
    expect(parseRetryAfterMs('Sun, 01 Jun 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('takes the first of repeated headers', () => {
    expect(parseRetryAfterMs(['5', '60'], now)).toBe(5_000);
  });

  it('ignores absent and malformed values', () => {
    for (const value of [undefined, null, '', '-5', '1.5', 'soon', '12abc']) expect(parseRetryAfterMs(value, now)).toBeUndefined();
  });
});
