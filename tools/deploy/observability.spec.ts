import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appDefaultPort, appNames, cronIntervalsMinutes, promtoolBinary, readText, readYaml, repoPath } from './deploy-tools.js';

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
    expect(metricNames('(a unless a offset 25m) and on () (count(up offset 1h) > 0) or increase(a[25m])')).toEqual(['a', 'a', 'up', 'a']);
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
  it('alerts on a growing DLQ, a breaker open for 15 minutes, no successful poll in 2 cycles and stuck trackers of the leader', () => {
    const byName = new Map(rules.map((r) => [r.alert, r]));
    expect(byName.get('AgairDeadLetterQueueGrowing')?.expr).toContain('agair_dlq_depth');
    const breaker = byName.get('AgairPartnerCircuitOpen');
    expect(breaker?.expr).toMatch(/max by \(partner_code, scope\) \(\s*agair_partner_breaker_state\b[^]*\)\s*==\s*2\s*$/);
    expect(breaker?.for).toBe('15m');
    expect(byName.get('AgairPollerNoSuccessfulPoll')?.expr).toMatch(/^time\(\) - max\(agair_poll_last_success_timestamp_seconds > 0\) > 2 \* \d+ \+ \d+$/);
    expect(byName.get('AgairStuckTrackers')?.expr).toMatch(/agair_stuck_trackers\s+and on \(job, instance\) \(agair_poll_leader == 1\)/);
  });

  it('derives the poll thresholds from the longest poll interval: 2 cycles + 5 minutes', () => {
    // the poller's default and the k8s base (prod keeps it); dev and compose poll more often
    const defaultCron = /POLL_CRON:\s*Type\.String\(\{\s*default:\s*'([^']+)'/.exec(readText('apps/poller/src/config.ts'))?.[1];
    const baseCron = /^POLL_CRON=(.+)$/m.exec(readText('k8s/base/config.env'))?.[1];
    expect(defaultCron).toBeDefined();
    expect(baseCron).toBeDefined();
    const cycleS = Math.max(...cronIntervalsMinutes(defaultCron as string), ...cronIntervalsMinutes(baseCron as string)) * 60;
    const byName = new Map(rules.map((r) => [r.alert, r]));
    const [, cycles, interval, margin] = /> (\d+) \* (\d+) \+ (\d+)$/.exec(byName.get('AgairPollerNoSuccessfulPoll')?.expr ?? '') ?? [];
    expect([Number(cycles), Number(interval), Number(margin)]).toEqual([2, cycleS, 300]);
    expect(byName.get('AgairPollerMetricsAbsent')?.for).toBe(`${(2 * cycleS + 300) / 60}m`);
    // per-customer errors: a window of one cycle + 10 minutes, firing after two cycles
    const customer = byName.get('AgairPollCustomerErrors');
    const windows = [...(customer?.expr ?? '').matchAll(/(?:\[|offset )(\d+)m\b/g)].map((m) => Number(m[1]));
    expect(new Set(windows)).toEqual(new Set([cycleS / 60 + 10]));
    expect(customer?.for).toBe(`${(2 * cycleS) / 60}m`);
  });

  it('alerts per partner when flight logs arrive in a format the platform does not decode', () => {
    const unsupported = rules.find((r) => r.alert === 'AgairUnsupportedFlightLogs');
    expect(unsupported?.expr).toMatch(/^sum by \(partner_code\) \(/);
    expect(unsupported?.expr).toContain('increase(agair_logs_unsupported_total[1h])');
    expect(unsupported?.annotations?.summary).toContain('{{ $labels.partner_code }}');
  });

  it('matches the apps by the compose scrape job and by the Kubernetes overlays\' namespaces', () => {
    const config = readYaml('docker/prometheus/prometheus.yml') as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const appJob = config.scrape_configs.find((c) => c.static_configs.some((sc) => sc.targets.includes(`poller:${appDefaultPort('poller')}`)))?.job_name;
    const down = rules.find((r) => r.alert === 'AgairServiceDown')?.expr ?? '';
    const servicesUp = dashboard.panels.find((p) => p.title === 'Services up')?.targets?.[0]?.expr ?? '';
    for (const expr of [down, servicesUp]) {
      expect(expr).toContain(`up{job="${appJob}"}`);
      const namespacePattern = /up\{namespace=~"([^"]+)"\}/.exec(expr)?.[1];
      expect(namespacePattern, expr).toBeDefined();
      for (const overlay of readdirSync(repoPath('k8s/overlays'))) {
        const namespace = (readYaml('k8s/overlays', overlay, 'kustomization.yaml') as { namespace: string }).namespace;
        expect(new RegExp(`^(?:${namespacePattern})$`).test(namespace), `${overlay}: ${namespace}`).toBe(true);
      }
      expect(new RegExp(`^(?:${namespacePattern})$`).test('kube-system')).toBe(false);
    }
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

/** GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

describe('alert runbooks (docs/runbooks.md)', () => {
  const runbook = readText('docs/runbooks.md');
  const sections = new Map(
    runbook
      .split(/^## /m)
      .slice(1)
      .map((section) => [anchorOf(section.split('\n', 1)[0] as string), section] as const),
  );

  it('every alert links, by runbook_url, a section that exists', () => {
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      const url = rule.annotations?.runbook_url ?? '';
      const anchor = /^docs\/runbooks\.md#([\w-]+)$/.exec(url)?.[1];
      expect(anchor, `${rule.alert}: runbook_url ${url}`).toBe(rule.alert.toLowerCase());
      expect(sections.has(anchor as string), `${rule.alert}: no section #${anchor} in docs/runbooks.md`).toBe(true);
    }
  });

  it('each section says the symptom, the likely causes, what to check and what to do; none is left without an alert', () => {
    for (const [anchor, text] of sections) {
      for (const part of ['**Symptom.**', '**Likely causes.**', '**What to check.**', '**What to do.**']) expect(text, `#${anchor}`).toContain(part);
    }
    expect([...sections.keys()].sort()).toEqual(rules.map((r) => r.alert.toLowerCase()).sort());
  });
});

interface AlertTestCase { alertname: string; eval_time: string; exp_alerts?: unknown[] }
interface RuleTestFile { rule_files: string[]; tests: { name?: string; alert_rule_test?: AlertTestCase[] }[] }

describe('promtool: alerts.yml is valid and its unit tests pass', () => {
  const testFile = readYaml('docker/prometheus/alerts.test.yml') as RuleTestFile;
  const cases = testFile.tests.flatMap((t) => t.alert_rule_test ?? []);
  let promtool = '';
  let scratch = '';
  const run = (...args: string[]) => {
    const result = spawnSync(promtool, args, { cwd: repoPath(), encoding: 'utf8', timeout: 60_000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}${result.error?.message ?? ''}` };
  };

  beforeAll(() => {
    promtool = promtoolBinary();
    scratch = mkdtempSync(join(tmpdir(), 'agair-promtool-'));
  });
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('promtool check rules docker/prometheus/alerts.yml', () => {
    const { status, output } = run('check', 'rules', 'docker/prometheus/alerts.yml');
    expect(status, output).toBe(0);
    expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('promtool test rules docker/prometheus/alerts.test.yml', () => {
    expect(testFile.rule_files).toEqual(['alerts.yml']);
    const { status, output } = run('test', 'rules', 'docker/prometheus/alerts.test.yml');
    expect(status, output).toBe(0);
  });

  it('every alert has a test where it fires and one where it must not', () => {
    for (const rule of rules) {
      const mine = cases.filter((c) => c.alertname === rule.alert);
      expect(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${rule.alert} fires in some test`).toBe(true);
      expect(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${rule.alert} stays silent in some test`).toBe(true);
    }
    expect(cases.every((c) => rules.some((r) => r.alert === c.alertname))).toBe(true);
  });

  it.each([
    ['the poll threshold one cycle longer', /> 2 \* 900 \+ 300/, '> 3 * 900 + 300'],
    ['the breaker for: 10m', /(AgairPartnerCircuitOpen[^]*?for: )15m/, '$110m'],
    ['stuck trackers of every replica, not only the leader', /agair_stuck_trackers\s+and on \(job, instance\) \(agair_poll_leader == 1\)/, 'agair_stuck_trackers'],
  ])('the unit tests fail with %s', (_what, pattern, replacement) => {
    const changed = readText('docker/prometheus/alerts.yml').replace(pattern, replacement);
    expect(changed).not.toBe(readText('docker/prometheus/alerts.yml'));
    writeFileSync(join(scratch, 'alerts.yml'), changed);
    copyFileSync(repoPath('docker/prometheus/alerts.test.yml'), join(scratch, 'alerts.test.yml'));
    const { status, output } = run('test', 'rules', join(scratch, 'alerts.test.yml'));
    expect(status, output).toBe(1);
    expect(output).toContain('FAILED');
  });

  it('every dashboard query is valid PromQL', () => {
    const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr.replace(/\$__rate_interval/g, '5m').replace(/\$service/g, '.+')));
    const recording = { groups: [{ name: 'dashboard', rules: queries.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] };
    writeFileSync(join(scratch, 'dashboard-queries.yml'), JSON.stringify(recording));
    const { status, output } = run('check', 'rules', join(scratch, 'dashboard-queries.yml'));
    expect(status, output).toBe(0);
  });
});

describe('task outcomes in queries', () => {
  it('name only outcomes the task consumer reports (there is no "success": a done task is "completed")', () => {
    const outcomes = /export type TaskOutcome = ([^;]+);/.exec(readText('libs/messaging/src/task-consumer.ts'))?.[1]?.match(/'([a-z_]+)'/g)?.map((o) => o.slice(1, -1));
    expect(outcomes).toContain('dead_lettered');
    const exprs = [...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...rules.map((r) => r.expr)];
    const used = exprs.flatMap((expr) => [...expr.matchAll(/agair_tasks_total\{[^}]*\boutcome!?=\\?"([^"\\]+)/g)].map((m) => m[1]));
    expect(used.length).toBeGreaterThan(0);
    for (const outcome of used) expect(outcomes, `outcome "${outcome}"`).toContain(outcome);
  });
});
