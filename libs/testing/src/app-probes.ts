import { waitFor } from './wait-for.js';

/** What these probes need of a Fastify app (`app.inject`). */
interface Injectable {
  inject(url: string): PromiseLike<{ statusCode: number; body: string; json(): unknown }>;
}

/** The value of one Prometheus sample in the app's `/metrics`, matched by name and labels (0 when absent). */
export async function metricSample(app: Injectable, name: string, labels: Record<string, string>): Promise<number> {
  const text = (await app.inject('/metrics')).body;
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((label) => l.includes(label)));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Resolves once the app's `/health/ready` reports dependency `name` not ok (the app has noticed it is down). */
export async function waitForDependencyDown(app: Injectable, name: string): Promise<void> {
  await waitFor(
    async () => {
      const ready = (await app.inject('/health/ready')).json() as { dependencies?: { name: string; ok: boolean }[] };
      return ready.dependencies?.find((d) => d.name === name)?.ok === false ? true : undefined;
    },
    { what: `the app to report ${name} down` },
  );
}

/** What `/health/ready` says, in short: its HTTP status, `status`, and each dependency not ok (with `optional` where set). */
export async function readinessSummary(app: Injectable): Promise<{ statusCode: number; status: string; down: { name: string; optional: boolean }[] }> {
  const response = await app.inject('/health/ready');
  const body = response.json() as { status: string; dependencies: { name: string; ok: boolean; optional?: boolean }[] };
  return {
    statusCode: response.statusCode,
    status: body.status,
    down: body.dependencies.filter((d) => !d.ok).map((d) => ({ name: d.name, optional: d.optional === true })),
  };
}

/** The features a service warned about running without `dependency` (RedisFallback's warnings), sorted, one entry per warning. */
export function degradedWarnings(records: Record<string, unknown>[], dependency: string): string[] {
  return records
    .filter((line) => line['level'] === 40 && line['dependency'] === dependency && typeof line['feature'] === 'string')
    .map((line) => String(line['feature']))
    .sort();
}
