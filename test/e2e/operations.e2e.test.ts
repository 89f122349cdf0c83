import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startTestApp, TestApp } from '../support/app';
import { REPO_ROOT } from '../support/paths';

jest.setTimeout(60_000);

const OPERATIONS = path.join(REPO_ROOT, 'docs', 'operations');
const RULES = path.join(OPERATIONS, 'prometheus', 'alerts.yml');
const RULE_TESTS = path.join(OPERATIONS, 'prometheus', 'alerts.test.yml');
const GRAFANA = path.join(OPERATIONS, 'grafana', 'neural-fabric.json');

/** promtool, required in CI (.ci/run installs it); outside CI a missing one skips with a warning. */
function promtool(): string | undefined {
  const found = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
  if (!found && process.env.CI === 'true') throw new Error('promtool is required in CI (.ci/run installs Debian package prometheus)');
  if (!found) console.warn('promtool not installed (apt-get install prometheus): alerting rule checks skipped outside CI');
  return found;
}

/** Metric families an expression text names (histogram series names map to their family). */
const familiesIn = (text: string) => new Set([...text.matchAll(/\bnf_[a-z0-9_]+/g)].map(([name]) => name.replace(/_(bucket|count|sum)$/, '')));

describe('operations: the shipped alerting rules and Grafana dashboard', () => {
  let t: TestApp;
  let exposed: Set<string>;

  beforeAll(async () => {
    // With the https listener, so its nf_tls_* families are there too.
    t = await startTestApp({ TLS_ENABLED: 'true' }, { https: true });
    const metrics = (await t.http.get('/metrics').expect(200)).text;
    exposed = new Set([...metrics.matchAll(/^# TYPE (\S+) /gm)].map(([, name]) => name));
  });
  afterAll(async () => {
    await t.close();
  });

  it('passes promtool check rules', () => {
    const tool = promtool();
    if (!tool) return;
    expect(execFileSync(tool, ['check', 'rules', RULES], { encoding: 'utf8' })).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('fires every alert from series in the promtool unit test (and none for a healthy service)', () => {
    const tool = promtool();
    if (!tool) return;
    expect(execFileSync(tool, ['test', 'rules', RULE_TESTS], { encoding: 'utf8', cwd: path.dirname(RULE_TESTS) })).toMatch(/SUCCESS/);
    const rules = readFileSync(RULES, 'utf8');
    const tests = readFileSync(RULE_TESTS, 'utf8');
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map(([, name]) => name);
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    for (const alert of alerts) {
      // Each alert is expected to fire (exp_alerts with labels) somewhere in the tests, not only to stay quiet.
      expect({ alert, fires: new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`).test(tests) }).toEqual({ alert, fires: true });
    }
  });

  it('gives every alert a runbook paragraph', () => {
    const rules = readFileSync(RULES, 'utf8');
    const runbook = readFileSync(path.join(OPERATIONS, 'runbook.md'), 'utf8');
    const anchors = new Set([...runbook.matchAll(/^### (\w+)/gm)].map(([, heading]) => heading.toLowerCase()));
    const links = [...rules.matchAll(/runbook_url: docs\/operations\/runbook\.md#(\w+)/g)].map(([, anchor]) => anchor);
    expect(links.length).toBe([...rules.matchAll(/- alert: /g)].length);
    for (const anchor of links) expect({ anchor, documented: anchors.has(anchor) }).toEqual({ anchor, documented: true });
  });

  it('names only metrics the service exposes, in the rules and in the dashboard', () => {
    for (const file of [RULES, RULE_TESTS, GRAFANA]) {
      for (const family of familiesIn(readFileSync(file, 'utf8'))) expect({ file: path.basename(file), family, exposed: exposed.has(family) }).toEqual({ file: path.basename(file), family, exposed: true });
    }
  });

  it('ships a Grafana dashboard on those metrics: a Prometheus data source chosen at import, UTC, panels for each area', () => {
    const dashboard = JSON.parse(readFileSync(GRAFANA, 'utf8')) as {
      uid: string;
      timezone: string;
      templating: { list: { name: string; type: string }[] };
      panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
    };
    expect(dashboard).toMatchObject({ uid: 'neural-fabric', timezone: 'utc' });
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource' });
    const queries = dashboard.panels.filter((p) => p.type !== 'row');
    for (const panel of queries) {
      expect(panel.datasource?.uid).toBe('${datasource}');
      expect(panel.targets?.length).toBeGreaterThan(0);
    }
    const exprs = queries.flatMap((p) => p.targets!.map((target) => target.expr)).join('\n');
    for (const family of ['nf_pqc_handshakes_total', 'nf_inference_requests_total', 'nf_inference_duration_seconds', 'nf_inference_queue_depth', 'nf_policy_status', 'nf_key_rotation_requests_total']) {
      expect(familiesIn(exprs).has(family)).toBe(true);
    }
    expect(exprs).toMatch(/histogram_quantile\(0\.95, sum by \(le\) \(rate\(nf_inference_duration_seconds_bucket/);
  });
});
