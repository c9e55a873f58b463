import { readFileSync } from 'node:fs';
import type { TObject } from 'typebox';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AssignApiConfig } from '../../apps/assign-api/src/config.js';
import { DlqAdminConfig } from '../../apps/dlq-admin/src/config.js';
import { PartnerApiConfig } from '../../apps/partner-api/src/config.js';
import { PollerConfig } from '../../apps/poller/src/config.js';
import { SyncWorkerConfig } from '../../apps/sync-worker/src/config.js';
import { loadConfig } from '../../libs/service-kit/src/config/load-config.js';

const root = new URL('../../', import.meta.url);
const schemas: Record<string, TObject> = {
  'partner-api': PartnerApiConfig,
  'assign-api': AssignApiConfig,
  'dlq-admin': DlqAdminConfig,
  poller: PollerConfig,
  'sync-worker': SyncWorkerConfig,
};

/** `${NAME:-default}` as Compose resolves it with NAME unset. */
const composeDefault = (value: unknown) => String(value).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

function envFile(path: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(new URL(path, root), 'utf8')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('deployment environments satisfy every app config schema', () => {
  const compose = parse(readFileSync(new URL('docker/compose.yml', root), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, unknown> }>;
  };

  it.each(Object.keys(schemas))('docker compose gives %s a configuration it starts with', (app) => {
    const environment = compose.services[app]?.environment ?? {};
    const env = Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, composeDefault(v)]));
    expect(() => loadConfig(schemas[app] as TObject, env)).not.toThrow();
  });

  it.each(Object.keys(schemas))('the k8s dev overlay (ConfigMap + example Secret) gives %s a configuration it starts with', (app) => {
    const env = { ...envFile('k8s/base/config.env'), ...envFile('k8s/overlays/dev/secrets.example.env') };
    expect(() => loadConfig(schemas[app] as TObject, env)).not.toThrow();
  });
});
