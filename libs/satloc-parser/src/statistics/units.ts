/** Exact conversion factors (US survey-independent international acre, US liquid gallon). */
export const HECTARES_PER_ACRE = 0.40468564224;
export const LITRES_PER_US_GALLON = 3.785411784;
export const M2_PER_HA = 10_000;

export const haToAc = (ha: number): number => ha / HECTARES_PER_ACRE;
export const lPerHaToGalPerAc = (lPerHa: number): number => (lPerHa * HECTARES_PER_ACRE) / LITRES_PER_US_GALLON;
export const galPerAcToLPerHa = (galPerAc: number): number => (galPerAc * LITRES_PER_US_GALLON) / HECTARES_PER_ACRE;

const MIN_TIME_MS = Date.UTC(1980, 0, 1);
const MAX_TIME_MS = Date.UTC(2100, 0, 1);

export const isPlausibleTimeMs = (ms: number): boolean => ms >= MIN_TIME_MS && ms < MAX_TIME_MS;
export const toIso = (ms: number): string => new Date(ms).toISOString();

/** Rounds away float noise and maps non-finite values to 0; outputs never carry NaN or Infinity. */
export function clean(value: number, decimals = 6): number {
  if (!Number.isFinite(value)) return 0;
  const f = 10 ** decimals;
  const r = Math.round(value * f) / f;
  return r === 0 ? 0 : r;
}

export function cleanOrNull(value: number | null, decimals = 6): number | null {
  return value === null || !Number.isFinite(value) ? null : clean(value, decimals);
}

/** Degrees in [0, 360), rounded; 359.999999 rounds to 0, not 360. */
export function cleanDegrees(deg: number, decimals = 2): number {
  const r = clean(((deg % 360) + 360) % 360, decimals);
  return r >= 360 ? 0 : r;
}
