import { describe, expect, it } from 'vitest';
import { FlightPath } from './flight-path.js';

describe('FlightPath', () => {
  it.each([0, 4, 20, 37, 150])('turns back onto a line %d m away without a jump: continuous, reversed, at constant speed', (gapM) => {
    const path = new FlightPath();
    path.line(0, -100, 50);
    path.reverseOnto(gapM, 10);
    const turnEndS = path.lengthM;
    path.line(gapM, 50, -100);
    const sample = path.sampler();
    let previous = sample(0);
    let largestStepM = 0;
    for (let s = 0.5; s <= path.lengthM; s += 0.5) {
      const next = sample(s);
      largestStepM = Math.max(largestStepM, Math.hypot(next.point[0] - previous.point[0], next.point[1] - previous.point[1]));
      expect(Math.hypot(...next.dirUv)).toBeCloseTo(1, 12);
      previous = next;
    }
    expect(largestStepM).toBeLessThanOrEqual(0.5 + 1e-9);
    const atTurnEnd = path.sampler()(turnEndS);
    expect(atTurnEnd.point[0]).toBeCloseTo(50, 9);
    expect(atTurnEnd.point[1]).toBeCloseTo(gapM, 9);
    expect(atTurnEnd.dirUv[0]).toBeCloseTo(-1, 9);
    expect(atTurnEnd.onLine).toBe(false);
    // The turn stays beyond the end of the lines, outside the field they cross.
    const turnSample = path.sampler();
    for (let s = 150; s < turnEndS; s += 0.5) expect(turnSample(s).point[0]).toBeGreaterThanOrEqual(50 - 1e-9);
  });
});
