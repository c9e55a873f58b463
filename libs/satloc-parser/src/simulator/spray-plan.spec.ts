import { describe, expect, it } from 'vitest';
import { fieldShapes } from './field-shapes.js';
import { passLines, planVisits, reflyVisits, splitIntoLoads, sprayedLength, type LineVisit } from './spray-plan.js';

const LAYOUT = { swathWidthM: 20, passSpacingM: 20, sprayLeadM: 0, runInM: 100 };
// A U open at high v: the lines across its arms have two spray intervals each.
const lines = passLines(fieldShapes.uShape(300, 200, 80, 60), [], LAYOUT);
const visits = planVisits(lines, new Set());
const total = visits.reduce((sum, visit) => sum + sprayedLength(visit.sprayU), 0);

const sprayedByLine = (loads: readonly LineVisit[][]): Map<number, [number, number][]> => {
  const byLine = new Map<number, [number, number][]>();
  for (const visit of loads.flat()) byLine.set(visit.line.index, [...(byLine.get(visit.line.index) ?? []), ...visit.sprayU]);
  return byLine;
};

describe('spray plan', () => {
  it('lays back-and-forth lines at the spacing, two intervals where a line crosses both arms', () => {
    expect(lines.map((l) => l.dir)).toEqual(lines.map((_, i) => (i % 2 === 0 ? 1 : -1)));
    expect(lines.some((l) => l.sprayU.length === 2)).toBe(true);
    expect(lines[1].v - lines[0].v).toBe(20);
  });

  it.each([2, 3, 7])('splits into %i loads of equal sprayed length that together spray exactly the plan', (count) => {
    const loads = splitIntoLoads(visits, count);
    expect(loads).toHaveLength(count);
    for (const load of loads) expect(load.reduce((sum, visit) => sum + sprayedLength(visit.sprayU), 0)).toBeCloseTo(total / count, 6);
    const byLine = sprayedByLine(loads);
    for (const line of lines) {
      const pieces = (byLine.get(line.index) ?? []).sort((a, b) => a[0] - b[0]);
      const merged: [number, number][] = [];
      for (const [a, b] of pieces) {
        const last = merged[merged.length - 1];
        if (last !== undefined && Math.abs(a - last[1]) < 1e-9) last[1] = b;
        else merged.push([a, b]);
      }
      expect(merged).toEqual(line.sprayU.map(([a, b]) => [expect.closeTo(a, 9), expect.closeTo(b, 9)]));
    }
    // Each cut line is flown by both loads, in its own direction.
    for (let i = 0; i + 1 < count; i++) {
      const last = loads[i][loads[i].length - 1];
      expect(loads[i + 1][0].line).toBe(last.line);
      expect(loads[i + 1][0].dir).toBe(last.dir);
    }
  });

  it('re-flies lines in full, each flown back against the previous one', () => {
    const refly = reflyVisits(lines, [2, 2, 5], 1);
    expect(refly.map((v) => v.dir)).toEqual([-1, 1, -1]);
    expect(refly.map((v) => v.sprayU)).toEqual([lines[2].sprayU, lines[2].sprayU, lines[5].sprayU]);
    expect(() => reflyVisits(lines, [lines.length], 1)).toThrow(RangeError);
  });
});
