import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appDefaultPort, appNames, readText, readYaml } from './deploy-tools.js';

/** The metrics the apps expose (their names are the contract between apps and these files). */
const knownMetrics = new Set([
  'http_request_duration_seconds',
  'agair_assignments_total',
  'agair_assign_to_uploaded_seconds',
  'agair_queue_depth',
  'agair_dlq_depth',
  'agair_tasks_total',
  'agair_task_retries_total',
  'agair_task_duration_seconds',
  'agair_log_processing_seconds',
  'agair_logs_unsupported_total',
  'agair_poll_runs_total',
  'agair_poll_last_success_timestamp_seconds',
  'agair_poll_customer_errors_total',
  'agair_poll_logs_total',
  'agair_partner_requests_total',
  'agair_partner_request_duration_seconds',
  'agair_partner_breaker_state',
  'agair_stuck_trackers',
  'agair_poll_leader',
  'up',
]);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or label values. */
function metricNames(expr: string): string[] {
  const withoutStrings = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\boffset\s+\d+[smhdwy]/g, '');
  const withoutGrouping = withoutStrings.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = [...withoutGrouping.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
    .filter((match) => !/^\s*\(/.test(withoutGrouping.slice((match.index ?? 0) + match[0].length)))
    .map((match) => match[0]);
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'vector', 'time', 'le', 'inf', 'Inf', 'NaN']);
  return names.filter((name) => !keywords.has(name) && !/^\d/.test(name)).map((name) => name.replace(/_(bucket|count|sum)$/, ''));
}

function balanced(expr: string): boolean {
  let depth = 0;
  for (const ch of expr) {
    if ('({['.includes(ch)) depth++;
    if (')}]'.includes(ch)) depth--;
    if (depth < 0) return false;
  }
  return depth === 0;
}

interface Panel { type: string; title: string; targets?: { expr: string }[]; datasource?: { uid: string } }
const dashboardFiles = readdirSync(new URL('../../docker/grafana/dashboards', import.meta.url)).filter((f) => f.endsWith('.json'));
const dashboard = JSON.parse(readText('docker/grafana/dashboards', dashboardFiles[0])) as { uid: string; panels: Panel[]; templating: { list: { name: string; type: string }[] } };

interface Rule { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
const rules = (readYaml('docker/prometheus/alerts.yml') as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

describe('the PromQL metric-name reader these checks use', () => {
  it('finds metric names and ignores functions, grouping labels, label values and keywords', () => {
    expect(metricNames('sum by (queue) (rate(agair_x_total{queue="partner_tasks"}[5m])) > 0 and time() - max(y_bucket) > 3 * 300')).toEqual(['agair_x_total', 'y']);
  });
});

describe('Grafana dashboard', () => {
  it('has operations, performance and errors rows, each with panels', () => {
    expect(dashboardFiles).toEqual(['agair-platform.json']);
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(['Operations', 'Performance', 'Errors']);
    let current = '';
    const perRow = new Map<string, number>();
    for (const panel of dashboard.panels) {
      if (panel.type === 'row') current = panel.title;
      else perRow.set(current, (perRow.get(current) ?? 0) + 1);
    }
    for (const row of rows) expect(perRow.get(row) ?? 0, row).toBeGreaterThanOrEqual(4);
  });

  it('queries only metrics the apps expose, through the data source variable, in balanced PromQL', () => {
    const panels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(dashboard.templating.list.find((v) => v.type === 'datasource')?.name).toBe('datasource');
    for (const panel of panels) {
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets ?? []) {
        expect(balanced(expr), expr).toBe(true);
        for (const name of metricNames(expr.replace(/\$__rate_interval|\$service/g, '1m'))) expect(knownMetrics.has(name), `${panel.title}: ${name}`).toBe(true);
      }
    }
  });

  it('is provisioned in compose from the folder compose mounts', () => {
    const provider = readYaml('docker/grafana/provisioning/dashboards/agair.yml') as { providers: { options: { path: string } }[] };
    const compose = readYaml('docker/compose.yml') as { services: { grafana: { volumes: string[] } } };
    expect(compose.services.grafana.volumes).toContain(`./grafana/dashboards:${provider.providers[0].options.path}:ro`);
  });
});

describe('Prometheus', () => {
  it('alerts on a growing DLQ, a breaker open for 15 minutes, no successful poll in 3 cycles and stuck trackers', () => {
    const byName = new Map(rules.map((r) => [r.alert, r]));
    expect(byName.get('AgairDeadLetterQueueGrowing')?.expr).toContain('agair_dlq_depth');
    const breaker = byName.get('AgairPartnerCircuitOpen');
    expect(breaker?.expr).toMatch(/agair_partner_breaker_state\)?\s*==\s*2/);
    expect(breaker?.for).toBe('15m');
    expect(byName.get('AgairPollerNoSuccessfulPoll')?.expr).toMatch(/time\(\) - max\(agair_poll_last_success_timestamp_seconds\) > 3 \*/);
    expect(byName.get('AgairStuckTrackers')?.expr).toContain('agair_stuck_trackers');
  });

  it('alerts per partner when flight logs arrive in a format the platform does not decode', () => {
    const unsupported = rules.find((r) => r.alert === 'AgairUnsupportedFlightLogs');
    expect(unsupported?.expr).toMatch(/sum by \(partner_code\) \(increase\(agair_logs_unsupported_total\[\w+\]\)\) > 0/);
    expect(unsupported?.annotations?.summary).toContain('{{ $labels.partner_code }}');
  });

  it('every rule has a severity and a summary and uses known metrics only', () => {
    for (const rule of rules) {
      expect(['warning', 'critical']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(balanced(rule.expr), rule.alert).toBe(true);
      for (const name of metricNames(rule.expr)) expect(knownMetrics.has(name), `${rule.alert}: ${name}`).toBe(true);
    }
  });

  it('scrapes every app on its port and loads the alert rules compose mounts', () => {
    const config = readYaml('docker/prometheus/prometheus.yml') as { rule_files: string[]; scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const targets = config.scrape_configs.find((c) => c.job_name === 'agair')?.static_configs.flatMap((s) => s.targets);
    expect(targets?.sort()).toEqual(appNames().map((app) => `${app}:${appDefaultPort(app)}`).sort());
    const compose = readYaml('docker/compose.yml') as { services: { prometheus: { volumes: string[] } } };
    const mounted = compose.services.prometheus.volumes.find((v) => v.startsWith('./prometheus/alerts.yml:'))?.split(':')[1];
    expect(mounted).toBeDefined();
    expect(config.rule_files.some((pattern) => new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`).test(mounted ?? ''))).toBe(true);
  });
});
