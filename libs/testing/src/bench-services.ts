type ServiceVariable = 'MONGO_URL' | 'AMQP_URL' | 'REDIS_URL';

/**
 * The service addresses a benchmark needs, from the environment. Exits with instructions when one
 * is missing, and refuses anything but loopback: benchmarks only ever load local services.
 */
export function benchServices<K extends ServiceVariable>(
  names: readonly K[],
  // eslint-disable-next-line no-restricted-properties -- benchmarks read service URLs from the environment
  env: Record<string, string | undefined> = process.env,
): Record<K, string> {
  const missing = names.filter((name) => !env[name]);
  if (missing.length > 0) {
    process.stderr.write(`${missing.join(', ')} not set. Start the services and export their addresses first:\n  eval "$(bash tools/services/up.sh)"\n`);
    process.exit(2);
  }
  for (const name of names) {
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(env[name] as string).hostname)) {
      process.stderr.write(`${name} must point at loopback: benchmarks run against local services only\n`);
      process.exit(2);
    }
  }
  return Object.fromEntries(names.map((name) => [name, env[name] as string])) as Record<K, string>;
}

/**
 * The PostgreSQL database behind FerretDB, when the services script started it on PostgreSQL
 * (`FERRETDB_POSTGRES_URL`): what a benchmark reads table sizes from, since FerretDB's `collStats`
 * leaves out the TOAST storage that holds large documents (a 4 MiB GridFS file reads as 8 KiB).
 */
export function ferretdbPostgresUrl(
  // eslint-disable-next-line no-restricted-properties -- benchmarks read service URLs from the environment
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const url = env['FERRETDB_POSTGRES_URL'];
  if (url && !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) {
    process.stderr.write('FERRETDB_POSTGRES_URL must point at loopback: benchmarks run against local services only\n');
    process.exit(2);
  }
  return url || undefined;
}
