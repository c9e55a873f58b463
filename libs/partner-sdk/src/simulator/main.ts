import { parseArgs } from 'node:util';
import { createSatlocSimulator } from './satloc-simulator.app.js';

/**
 * Runs the SatLoc Cloud simulator on its own:
 *   npx tsx libs/partner-sdk/src/simulator/main.ts --port 5080 [--host 127.0.0.1] [--seed 1]
 *     [--log-delay-ms 30000] [--no-demo-data] [--admin-token secret] [--camel] [--no-envelope] [--no-tokens]
 * Demo data: company `demo`, user `demo` / `demo-password`, aircraft 101 (N101AG) and 102 (N102AG).
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '5080' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: '1' },
    'log-delay-ms': { type: 'string', default: '30000' },
    'no-demo-data': { type: 'boolean', default: false },
    'admin-token': { type: 'string' },
    camel: { type: 'boolean', default: false },
    'no-envelope': { type: 'boolean', default: false },
    'no-tokens': { type: 'boolean', default: false },
    'token-ttl-s': { type: 'string', default: '3600' },
  },
  strict: true,
});

function integer(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    process.stderr.write(`--${name} must be a non-negative integer, got "${text}"\n`);
    process.exit(2);
  }
  return value;
}

const simulator = await createSatlocSimulator({
  seed: integer('seed', values.seed),
  tokenTtlS: integer('token-ttl-s', values['token-ttl-s']),
  issueTokens: !values['no-tokens'],
  responseStyle: { envelope: !values['no-envelope'], casing: values.camel ? 'camel' : 'pascal' },
  logProduction: { mode: 'timer', delayMs: integer('log-delay-ms', values['log-delay-ms']) },
  adminToken: values['admin-token'],
  logger: true,
  initial: values['no-demo-data']
    ? undefined
    : {
        companies: [{ companyId: 'demo', name: 'Demo Aerial Application' }],
        users: [{ username: 'demo', password: 'demo-password', companyId: 'demo' }],
        aircraft: [
          { aircraftId: '101', companyId: 'demo', tailNumber: 'N101AG', name: 'Air Tractor 802' },
          { aircraftId: '102', companyId: 'demo', tailNumber: 'N102AG', name: 'Thrush 510G' },
        ],
      },
});

const url = await simulator.listen({ port: integer('port', values.port), host: values.host });
process.stdout.write(`SatLoc Cloud simulator listening on ${url} (API base ${simulator.baseUrl}, admin ${url}/__admin)\n`);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (closing) return;
    closing = true;
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
