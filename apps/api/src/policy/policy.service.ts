import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PoliciesView, PolicyCheckView, PolicyId, PolicyStatus } from '@nf/contracts';
import { FastifyInstance } from 'fastify';
import { register } from 'prom-client';
import { GENESIS_HASH } from '../audit/audit.hash';
import { AuditChainProgress, AuditService, ChainHead } from '../audit/audit.service';
import { InjectSettings } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { ProbeRegistry } from '../health/probe-registry';
import { Clock } from '../lifecycle/clock';
import { registrySamples, sumAll, sumHistogram } from '../metrics/prom-snapshot';
import { KeyService } from '../pqc/keystore/key.service';
import { MockRuntime } from '../runtime/mock.runtime';
import { ModelConfig } from '../runtime/model-config';
import { ModelRepository } from '../runtime/model-repository.service';
import { JobHookChain } from '../runtime/scheduler/job-hooks';
import { check, loadBudgetCheck, POLICY_IDS, PolicyCheck, TELEMETRY_COLUMN_ALLOW_LIST, worst } from './policy.checks';
import { readPolicyDocument } from './policy.document';
import { PolicyMetrics } from './policy.metrics';
import { TelemetryRepository } from './telemetry.repository';
import { TelemetryService } from './telemetry.service';

/** Policies are re-evaluated this often, so nf_policy_status stays current without requests. */
const EVALUATE_INTERVAL_MS = 60_000;
/**
 * Audit entries P2 verifies in one evaluation at most (one ML-DSA-65 verification, a few ms, each):
 * each evaluation goes on from the last verified entry, so a backlog is worked off over several.
 */
const AUDIT_VERIFY_BATCH = 200;
/** The histogram P6 reads. */
const LOAD_DURATION = 'nf_runtime_load_duration_seconds';
/** Modules whose presence would mean telemetry leaves by a path other than /metrics (P4). */
const OTHER_EXPORTERS = /[\\/]node_modules[\\/](@opentelemetry[\\/]exporter[^\\/]*|dd-trace|newrelic|hot-shots|node-statsd|statsd-client|@datadog[\\/][^\\/]+)[\\/]/;

/** A model only the mock runtime serves: P7 runs one job on it. */
const SELF_TEST_MODEL: ModelConfig = {
  name: 'policy-self-test',
  framework: 'mock',
  maxBatchSize: 0,
  inputs: [{ name: 'x', datatype: 'FP32', shape: [2] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [3] }],
  instances: 1,
  execution: 'event-loop',
  warmup: { inputs: [] },
  required: false,
  file: 'model.json',
};

/**
 * The model telemetry policy as live checks (P1..P7 of docs/policies/model_telemetry.md; P5 is not
 * defined there). Each evaluation sets nf_policy_status; readiness fails while the document is
 * missing or another version, and when a policy named in POLICY_READINESS fails.
 */
@Injectable()
export class PolicyService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PolicyService.name);
  private readonly last = new Map<PolicyId, PolicyStatus>();
  /** The last audit entry P2 found to hold; the next evaluation verifies only what follows it. */
  private auditHead: ChainHead = { seq: 0, hash: GENESIS_HASH };
  private auditVerifiedAt?: number;
  private auditRun?: Promise<AuditChainProgress>;
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectSettings() private readonly settings: Settings,
    private readonly clock: Clock,
    private readonly probes: ProbeRegistry,
    private readonly keys: KeyService,
    private readonly audit: AuditService,
    private readonly jobHooks: JobHookChain,
    private readonly models: ModelRepository,
    private readonly telemetry: TelemetryService,
    private readonly telemetryStore: TelemetryRepository,
    private readonly metrics: PolicyMetrics,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const initial = this.document();
    if (initial.problem) this.logger.error(initial.problem);
    this.probes.addReadinessCheck('policy', () => this.readiness());
  }

  onApplicationBootstrap(): void {
    void this.evaluate();
    this.timer = setInterval(() => void this.evaluate(), EVALUATE_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  document() {
    return readPolicyDocument(this.settings.policy.documentPath);
  }

  /** GET /policies: the document and every policy, evaluated now. */
  async view(): Promise<PoliciesView> {
    const { problem: _, ...document } = this.document();
    const policies = await this.evaluate();
    const overall = worst([...policies.map((p) => p.status), document.version === document.expectedVersion ? 'pass' : 'fail']);
    return { document, overall, policies };
  }

  /** Evaluates the given policies (all by default) and records each status. */
  async evaluate(ids: PolicyId[] = POLICY_IDS): Promise<PolicyCheckView[]> {
    const checks = await Promise.all(ids.map((id) => this.run(id)));
    const checkedAt = new Date(this.clock.now()).toISOString();
    return checks.map((c) => {
      this.metrics.setStatus(c.id, c.status);
      if (this.last.get(c.id) !== c.status) {
        this.logger[c.status === 'fail' ? 'warn' : 'log'](`policy ${c.id} ${c.name}: ${c.status} (${c.summary})`);
        this.last.set(c.id, c.status);
      }
      return { ...c, checkedAt };
    });
  }

  private async readiness() {
    const document = this.document();
    if (document.problem) return { policy: { status: 'down' as const, message: document.problem } };
    const failing = (await this.evaluate(this.settings.policy.readiness)).filter((c) => c.status === 'fail');
    if (failing.length) return { policy: { status: 'down' as const, message: failing.map((c) => `${c.id} ${c.name}: ${c.summary}`).join('; ') } };
    return { policy: { status: 'up' as const, version: document.version } };
  }

  private async run(id: PolicyId): Promise<PolicyCheck> {
    try {
      switch (id) {
        case 'P1':
          return await this.dataPrivacy();
        case 'P2':
          return await this.secretsAndSigning();
        case 'P3':
          return this.executionSafety();
        case 'P4':
          return this.observability();
        case 'P6':
          return await this.performanceBudget();
        case 'P7':
          return await this.resilience();
      }
    } catch (error) {
      this.logger.error(`policy ${id} could not be evaluated: ${(error as Error).message}`);
      return check(id, 'fail', 'the check itself failed (see the service log)', {});
    }
  }

  /** P1: pseudonym key, a telemetry table with allowed columns only, the document in place. */
  private async dataPrivacy(): Promise<PolicyCheck> {
    const document = this.document();
    const columns = await this.telemetryStore.storedColumns();
    const unexpected = columns.filter((c) => !TELEMETRY_COLUMN_ALLOW_LIST.includes(c));
    const { kAnonymity, retentionMs } = this.settings.telemetry;
    const evidence = {
      pseudonymisation: 'HMAC-SHA-256',
      pseudonymKey: this.telemetry.pseudonyms.source === 'setting' ? 'TELEMETRY_PSEUDONYM_KEY' : 'generated under DATA_DIR (simulation)',
      telemetryColumns: columns.length,
      unexpectedColumns: unexpected.length ? unexpected.join(',') : null,
      kAnonymity,
      retentionDays: retentionMs / 86_400_000,
      documentVersion: document.version,
    };
    if (document.problem) return check('P1', 'fail', document.problem, evidence);
    if (columns.length === 0) return check('P1', 'fail', 'the telemetry table is missing', evidence);
    if (unexpected.length) return check('P1', 'fail', `the telemetry table has columns outside the policy's allow-list: ${unexpected.join(', ')}`, evidence);
    return check('P1', 'pass', 'telemetry holds per-tenant aggregates under keyed-hash pseudonyms only', evidence);
  }

  /**
   * P2: the active ML-DSA-65 key serves and its bundle is valid; the audit entries appended since the
   * last evaluation verify and link to the last verified one (a full walk: GET /audit/verify).
   */
  private async secretsAndSigning(): Promise<PolicyCheck> {
    const key = this.keys.status;
    const chain = await this.auditChain();
    const now = this.clock.now();
    const evidence = {
      activeKeyVersion: key.ok ? key.key.version : null,
      suite: key.ok ? key.key.suite : null,
      bundleValidUntil: key.ok ? key.key.bundle.notAfter : null,
      auditChainOk: chain.ok,
      auditVerifiedThroughSeq: chain.head.seq,
      auditNewlyVerified: chain.verified,
      auditCaughtUp: chain.complete,
      auditFirstBrokenSeq: chain.firstBroken?.seq ?? null,
      auditVerifiedAt: new Date(this.auditVerifiedAt!).toISOString(),
    };
    if (!key.ok) return check('P2', 'fail', `the keystore cannot serve: ${key.reason}`, evidence);
    if (Date.parse(key.key.bundle.notAfter) <= now) return check('P2', 'fail', 'the signed key bundle has expired', evidence);
    if (!chain.ok) return check('P2', 'fail', `the audit chain is broken at seq ${chain.firstBroken!.seq} (${chain.firstBroken!.reason})`, evidence);
    if (!chain.complete) {
      return check('P2', 'warn', `the audit chain verifies through seq ${chain.head.seq}; newer entries are verified over the next evaluations (${AUDIT_VERIFY_BATCH} each)`, evidence);
    }
    return check('P2', 'pass', `key version ${key.key.version} signs (ML-DSA-65) and the audit chain verifies through seq ${chain.head.seq}`, evidence);
  }

  /** Verifies the audit entries after the last verified one, at most AUDIT_VERIFY_BATCH; concurrent checks share one run. */
  private auditChain(): Promise<AuditChainProgress> {
    // Key versions another replica created since our last look must be known before their signatures are checked.
    this.auditRun ??= this.keys
      .refresh()
      .then(() => this.audit.verifyAfter(this.auditHead, AUDIT_VERIFY_BATCH))
      .then((progress) => {
        // On a break the head stays at the last entry that held, so the next run finds the break again.
        this.auditHead = progress.head;
        this.auditVerifiedAt = this.clock.now();
        return progress;
      })
      .finally(() => (this.auditRun = undefined));
    return this.auditRun;
  }

  /** P3: two-person rotation, and the job hooks that keep simulated results out of production. */
  private executionSafety(): PolicyCheck {
    const { approvalsRequired } = this.settings.rotation;
    const production = this.settings.mode === 'production';
    const { allowMockInProduction } = this.settings.runtime;
    const hooks = this.jobHooks.names();
    const evidence = {
      rotationApprovalsRequired: approvalsRequired,
      // The requester can never approve their own request.
      distinctAdminsRequired: approvalsRequired + 1,
      jobHooks: hooks.join(','),
      mode: this.settings.mode,
      mockRefusedInProduction: !allowMockInProduction,
    };
    if (!hooks.includes('simulation-policy')) return check('P3', 'fail', 'the simulation-policy job hook is not registered', evidence);
    if (production && allowMockInProduction) {
      return check('P3', 'warn', 'production serves simulated (mock) results: RUNTIME_ALLOW_MOCK_IN_PRODUCTION=true', evidence);
    }
    return check('P3', 'pass', `rotation needs ${approvalsRequired + 1} distinct admins; production refuses simulated results`, evidence);
  }

  /**
   * P4: /metrics is routed and serves the registry the policy gauges are in; no other exporter is
   * loaded. The tenant label count is evidence only: selectExports caps it by construction.
   */
  private observability(): PolicyCheck {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    const route = fastify?.hasRoute({ method: 'GET', url: '/metrics' }) ?? false;
    const statusExposed = register.getSingleMetric('nf_policy_status') !== undefined;
    const exporters = [...new Set(Object.keys(require.cache).map((file) => OTHER_EXPORTERS.exec(file)?.[1]).filter(Boolean))];
    const evidence = {
      metricsRoute: route ? 'GET /metrics' : null,
      registryMetrics: register.getMetricsAsArray().length,
      policyStatusExposed: statusExposed,
      otherExporters: exporters.length ? exporters.join(',') : null,
      telemetryTenantLabels: this.telemetry.exportedTenantLabels,
      tenantLabelBound: this.settings.telemetry.exportTopTenants + 1,
    };
    if (!route) return check('P4', 'fail', 'GET /metrics is not served', evidence);
    if (!statusExposed) return check('P4', 'fail', 'nf_policy_status is not in the registry GET /metrics serves', evidence);
    if (exporters.length) return check('P4', 'fail', `another telemetry exporter is loaded: ${exporters.join(', ')}`, evidence);
    return check('P4', 'pass', 'telemetry leaves only through the Prometheus exposition at /metrics', evidence);
  }

  /** P6: p95 model load from nf_runtime_load_duration_seconds against 800 ms. */
  private async performanceBudget(): Promise<PolicyCheck> {
    const loads = sumHistogram(LOAD_DURATION, await registrySamples(LOAD_DURATION));
    const buckets = loads.bounds.map((le, i) => ({ le, count: loads.counts[i] }));
    return loadBudgetCheck(buckets, loads.count, this.settings.runtime.loadBudgetMs);
  }

  /** P7: the mock runtime runs a job now; where simulation is allowed it stands in for failed loads, labelled simulated. */
  private async resilience(): Promise<PolicyCheck> {
    const fallbackAllowed = this.models.mockAllowed();
    const selfTest = await mockSelfTest();
    const simulated = this.models.index().filter((m) => m.simulated);
    const failures = sumAll(await registrySamples('nf_runtime_load_failures_total'));
    const evidence = {
      mockSelfTest: selfTest,
      fallbackAllowed,
      simulatedModels: simulated.length ? simulated.map((m) => m.name).join(',') : null,
      loadFailures: failures,
    };
    if (!selfTest) return check('P7', 'fail', 'the mock runtime could not run a job', evidence);
    return fallbackAllowed
      ? check('P7', 'pass', 'the mock runtime runs jobs and stands in for models that cannot load, every result marked simulated', evidence)
      : check('P7', 'pass', 'production: a model that cannot load is unavailable (503), never silently simulated', evidence);
  }
}

async function mockSelfTest(): Promise<boolean> {
  const model = await new MockRuntime().open(SELF_TEST_MODEL);
  try {
    const [output] = await model.run([{ name: 'x', datatype: 'FP32', shape: [2], data: new Float32Array([0.25, 0.75]) }]);
    return output?.name === 'y' && output.data.length === 3 && Array.from(output.data as Float32Array).every(Number.isFinite);
  } finally {
    await model.close();
  }
}
