import type { ApplicationFile, MinMaxAvg } from '@agair/domain-models';
import { haToAc, lPerHaToGalPerAc } from '@agair/satloc-parser';

export interface ApplicationTotals {
  fileCount: number;
  startTime: string | null;
  endTime: string | null;
  flightTimeS: number;
  sprayTimeS: number;
  distanceFlownM: number;
  sprayedDistanceM: number;
  passCount: number;
  treatedAreaHa: number;
  treatedAreaAc: number;
  overlapAreaHa: number;
  insideBoundaryAreaHa: number;
  offTargetAreaHa: number;
  volumeAppliedL: number;
  /** Mean of the logs' rates weighted by their treated area; null when nothing was treated. */
  averageRateLPerHa: number | null;
  averageRateGalPerAc: number | null;
  targetRateLPerHa: number | null;
  rateDeviationPct: number | null;
  weather: {
    windSpeedMps: MinMaxAvg | null;
    temperatureC: MinMaxAvg | null;
    humidityPct: MinMaxAvg | null;
  };
}

const round = (value: number, digits = 6): number => Number(value.toFixed(digits));

/** Min of mins, max of maxes, average weighted by spray time (plain mean when no log sprayed). */
function combineMinMaxAvg(samples: readonly { value: MinMaxAvg | null; weight: number }[]): MinMaxAvg | null {
  const present = samples.filter((s): s is { value: MinMaxAvg; weight: number } => s.value !== null);
  if (present.length === 0) return null;
  const totalWeight = present.reduce((sum, s) => sum + s.weight, 0);
  const avg =
    totalWeight > 0
      ? present.reduce((sum, s) => sum + s.value.avg * s.weight, 0) / totalWeight
      : present.reduce((sum, s) => sum + s.value.avg, 0) / present.length;
  return {
    min: Math.min(...present.map((s) => s.value.min)),
    max: Math.max(...present.map((s) => s.value.max)),
    avg: round(avg),
  };
}

/**
 * Totals across the logs of one job, from their stored summaries: areas, volumes, times and
 * distances add up (ground sprayed in two logs counts in each log's treated area: the sum is
 * not a union); rates are averaged weighted by treated area; weather is min/max over the logs.
 */
export function applicationTotals(files: readonly ApplicationFile[], targetRateLPerHa: number | null): ApplicationTotals {
  const sum = (pick: (f: ApplicationFile) => number): number => round(files.reduce((total, f) => total + pick(f), 0));
  const rated = files.filter((f) => f.summary.averageRateLPerHa !== null && f.summary.treatedAreaHa > 0);
  const ratedArea = rated.reduce((total, f) => total + f.summary.treatedAreaHa, 0);
  const averageRateLPerHa = ratedArea > 0 ? round(rated.reduce((total, f) => total + (f.summary.averageRateLPerHa ?? 0) * f.summary.treatedAreaHa, 0) / ratedArea) : null;
  const starts = files.map((f) => f.summary.startTime).filter((t): t is string => t !== null).sort((a, b) => Date.parse(a) - Date.parse(b));
  const ends = files.map((f) => f.summary.endTime).filter((t): t is string => t !== null).sort((a, b) => Date.parse(a) - Date.parse(b));
  const treatedAreaHa = sum((f) => f.summary.treatedAreaHa);
  const weatherOf = (pick: (f: ApplicationFile) => MinMaxAvg | null) => combineMinMaxAvg(files.map((f) => ({ value: pick(f), weight: f.summary.sprayTimeS })));
  return {
    fileCount: files.length,
    startTime: starts[0] ?? null,
    endTime: ends[ends.length - 1] ?? null,
    flightTimeS: sum((f) => f.summary.flightTimeS),
    sprayTimeS: sum((f) => f.summary.sprayTimeS),
    distanceFlownM: sum((f) => f.summary.distanceFlownM),
    sprayedDistanceM: sum((f) => f.summary.sprayedDistanceM),
    passCount: files.reduce((total, f) => total + f.summary.passCount, 0),
    treatedAreaHa,
    treatedAreaAc: round(haToAc(treatedAreaHa)),
    overlapAreaHa: sum((f) => f.summary.overlapAreaHa),
    insideBoundaryAreaHa: sum((f) => f.summary.insideBoundaryAreaHa),
    offTargetAreaHa: sum((f) => f.summary.offTargetAreaHa),
    volumeAppliedL: sum((f) => f.summary.volumeAppliedL),
    averageRateLPerHa,
    averageRateGalPerAc: averageRateLPerHa === null ? null : round(lPerHaToGalPerAc(averageRateLPerHa)),
    targetRateLPerHa,
    rateDeviationPct:
      averageRateLPerHa === null || targetRateLPerHa === null || targetRateLPerHa === 0
        ? null
        : round(((averageRateLPerHa - targetRateLPerHa) / targetRateLPerHa) * 100, 3),
    weather: {
      windSpeedMps: weatherOf((f) => f.summary.weather.windSpeedMps),
      temperatureC: weatherOf((f) => f.summary.weather.temperatureC),
      humidityPct: weatherOf((f) => f.summary.weather.humidityPct),
    },
  };
}
