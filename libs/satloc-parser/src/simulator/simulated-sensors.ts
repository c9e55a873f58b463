import type { EnvironmentRecord } from '../flight-log/flight-log.records.js';
import type { SimulateFlightOptions, WindChange } from './flight-simulator.types.js';
import type { Prng } from './prng.js';

/** GNSS position error per axis: a first-order Gauss–Markov process sampled at the fix rate. */
export class GnssNoise {
  private readonly decay: number;
  private readonly stepSigmaM: number;
  private xM = 0;
  private yM = 0;

  constructor(
    private readonly sigmaM: number,
    fixIntervalMs: number,
    correlationS: number,
    private readonly rng: Prng,
  ) {
    this.decay = Math.exp(-fixIntervalMs / 1000 / correlationS);
    this.stepSigmaM = Math.sqrt(1 - this.decay * this.decay) * sigmaM;
  }

  /** A new, independent error, as after the receiver has sat on the ground between loads. */
  restart(): void {
    this.xM = this.rng.normal() * this.sigmaM;
    this.yM = this.rng.normal() * this.sigmaM;
  }

  next(): [dxM: number, dyM: number] {
    this.xM = this.decay * this.xM + this.stepSigmaM * this.rng.normal();
    this.yM = this.decay * this.yM + this.stepSigmaM * this.rng.normal();
    return [this.xM, this.yM];
  }
}

/** Wind, temperature and humidity drifting over the whole job, with scheduled wind changes. */
export class Weather {
  private readonly changes: WindChange[];
  private windSpeedMps: number;
  private windDirectionDeg: number;
  private temperatureC: number;
  private humidityPct: number;

  constructor(
    options: SimulateFlightOptions,
    private readonly takeOffMs: number,
    private readonly rng: Prng,
  ) {
    this.changes = [...(options.windChanges ?? [])].sort((a, b) => a.atS - b.atS);
    this.windSpeedMps = options.windSpeedMps ?? 3;
    this.windDirectionDeg = options.windDirectionDeg ?? 270;
    this.temperatureC = options.temperatureC ?? 18;
    this.humidityPct = options.humidityPct ?? 60;
  }

  /** The next observation, at `timeMs` (called in increasing time). */
  observe(timeMs: number): EnvironmentRecord {
    const elapsedS = (timeMs - this.takeOffMs) / 1000;
    while (this.changes.length > 0 && this.changes[0].atS <= elapsedS) {
      const change = this.changes.shift() as WindChange;
      this.windSpeedMps = change.speedMps;
      this.windDirectionDeg = change.directionDeg;
    }
    this.windSpeedMps = Math.max(0, this.windSpeedMps + 0.1 * this.rng.normal());
    this.windDirectionDeg = (this.windDirectionDeg + 2 * this.rng.normal() + 360) % 360;
    this.temperatureC += 0.01 + 0.02 * this.rng.normal();
    this.humidityPct = Math.min(100, Math.max(5, this.humidityPct - 0.02 + 0.05 * this.rng.normal()));
    return {
      type: 'environment',
      timeMs,
      windSpeedMps: this.windSpeedMps,
      windDirectionDeg: this.windDirectionDeg,
      temperatureC: this.temperatureC,
      humidityPct: this.humidityPct,
    };
  }
}
