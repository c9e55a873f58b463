import { describe, expect, it } from 'vitest';
import { mapWithConcurrency, processLogTaskId } from './log-collector.js';

describe('mapWithConcurrency', () => {
  it('runs every item, never more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await mapWithConcurrency(Array.from({ length: 20 }, (_, i) => i), 3, async (i) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5 + (i % 3)));
      seen.push(i);
      running -= 1;
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
  });

  it('copes with fewer items than lanes and with none', async () => {
    const seen: string[] = [];
    await mapWithConcurrency(['a'], 8, async (x) => void seen.push(x));
    await mapWithConcurrency([], 8, async () => void seen.push('never'));
    expect(seen).toEqual(['a']);
  });
});

describe('processLogTaskId', () => {
  it('is one stable, valid task id per tracker, so a second publish is recognised as the same task', () => {
    expect(processLogTaskId('64b7f0c2e4b0a1a2b3c4d5e6')).toBe('plog:64b7f0c2e4b0a1a2b3c4d5e6');
    expect(processLogTaskId('64b7f0c2e4b0a1a2b3c4d5e6')).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/);
  });
});
