import type { FeatureCollection, Job } from '@agair/domain-models';

/**
 * A job as GeoJSON (the `converted` download): the boundary as one Feature with the job's
 * fields, each exclusion as a Feature with `role: 'exclusion'`.
 */
export function jobToFeatureCollection(job: Job): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        id: job.id,
        geometry: job.boundary,
        properties: {
          role: 'boundary',
          jobId: job.id,
          name: job.name,
          productName: job.productName,
          targetRateLPerHa: job.targetRateLPerHa,
          units: job.units,
          notes: job.notes,
        },
      },
      ...job.exclusions.map((exclusion, i) => ({
        type: 'Feature' as const,
        id: `${job.id}:exclusion:${i}`,
        geometry: exclusion,
        properties: { role: 'exclusion', jobId: job.id, index: i },
      })),
    ],
  };
}

/** A file name safe in Content-Disposition: letters, digits, `._-`; never empty. */
export function safeFileName(name: string, extension: string): string {
  const base = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 100);
  return `${base === '' ? 'job' : base}${extension}`;
}
