import * as path from 'node:path';
import { bool, EnvFieldError, int, listOf, oneOf, ProxyTrust, proxyTrust, secret, text, url } from './env.fields';

/** A 32-byte key as 64 hex characters or base64 (standard or url-safe). */
export function decodeKey32(raw: string): Buffer | undefined {
  const trimmed = raw.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

/** Every variable the service reads; .env.default must list each one (it is the single source of defaults). */
export const ENV_SCHEMA = {
  NEURAL_FABRIC_MODE: oneOf('simulation', 'production'),
  SIMULATION_MODE: bool,
  PQC_MODE: oneOf('hybrid', 'pqc'),
  GPU_DRIVER_MOCK: bool,
  HOST: text(),
  PORT: int(0, 65535),
  HTTP_BODY_LIMIT_BYTES: int(1024, 256 * 1024 * 1024),
  TRUST_PROXY: proxyTrust,
  PLAIN_HTTP_ROUTES: oneOf('auto', 'all', 'probes'),
  // tls/: the https listener (TLS 1.3, X25519MLKEM768 key exchange).
  TLS_ENABLED: bool,
  TLS_PORT: int(0, 65535),
  TLS_CERT_FILE: text({ optional: true }),
  TLS_KEY_FILE: text({ optional: true }),
  TLS_MLDSA_CERT_FILE: text({ optional: true }),
  TLS_MLDSA_KEY_FILE: text({ optional: true }),
  TLS_CERT_RELOAD_SECONDS: int(0, 24 * 3600),
  TLS_ALLOW_CLASSICAL_KEY_EXCHANGE: bool,
  TLS_ALLOW_CLASSICAL_IN_PRODUCTION: bool,
  // grpc/: the KServe V2 gRPC listener (TLS like the https listener while TLS_ENABLED=true).
  GRPC_ENABLED: bool,
  GRPC_PORT: int(0, 65535),
  DATA_DIR: text(),
  REPORTS_DIR: text(),
  DATABASE_URL: url(['sqlite:', 'postgres:', 'postgresql:']),
  VAULT_PQC_KEYSTORE: oneOf('file', 'database'),
  VAULT_PQC_KEY_PATH: text(),
  VAULT_PQC_KEK: secret((raw) => (decodeKey32(raw) ? undefined : 'must be 32 bytes as 64 hex characters or base64')),
  VAULT_PQC_KEK_FILE: text({ optional: true }),
  PQC_WORKERS: int(0, 256),
  PQC_SESSION_TTL_SECONDS: int(60, 7 * 24 * 3600),
  PQC_HANDSHAKE_MAX_SKEW_SECONDS: int(5, 3600),
  PQC_BUNDLE_VALIDITY_DAYS: int(1, 3650),
  ROTATION_APPROVALS_REQUIRED: int(1, 20),
  ROTATION_REQUEST_TTL_HOURS: int(1, 24 * 30),
  ROTATION_GRACE_HOURS: int(0, 24 * 365),
  ROTATION_EXECUTION_LEASE_SECONDS: int(1, 3600),
  AUTH_SESSION_IDLE_MINUTES: int(1, 24 * 60),
  AUTH_SESSION_MAX_HOURS: int(1, 30 * 24),
  AUTH_LOGIN_MAX_FAILURES: int(1, 100),
  AUTH_LOCKOUT_MINUTES: int(1, 24 * 60),
  AUTH_LOGIN_IP_MAX_FAILURES: int(1, 100_000),
  AUTH_API_KEY_CACHE_SECONDS: int(0, 300),
  LOG_LEVEL: oneOf('log', 'debug', 'verbose', 'warn', 'error'),
  LOG_FORMAT: oneOf('json', 'text', 'auto'),
  SHUTDOWN_DRAIN_MS: int(0, 120_000),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000),
  // RuntimeModule: model repository, load budget, inference workers.
  MODEL_REPOSITORY_PATH: text(),
  MODEL_LOAD_AT_STARTUP: oneOf('all', 'none'),
  MODEL_LOAD_BUDGET_MS: int(1, 600_000),
  RUNTIME_WORKERS: int(0, 256),
  RUNTIME_ALLOW_MOCK_IN_PRODUCTION: bool,
  RUNTIME_TASK_TIMEOUT_MS: int(100, 3_600_000),
  // Inference scheduler: per-model queue bound, default deadline, dynamic batching.
  INFER_QUEUE_CAPACITY: int(1, 1_000_000),
  INFER_DEFAULT_DEADLINE_MS: int(1, 3_600_000),
  INFER_BATCH_MAX_DELAY_US: int(0, 1_000_000),
  INFER_DYNAMIC_BATCHING: bool,
  INFER_TENANT_RATE_LIMIT: int(0, 1_000_000),
  INFER_TENANT_BURST: int(1, 1_000_000),
  // PolicyModule: the policy document, readiness, telemetry pseudonyms, exports and retention.
  POLICY_DOCUMENT_PATH: text(),
  POLICY_READINESS: listOf('P1', 'P2', 'P3', 'P4', 'P6', 'P7'),
  TELEMETRY_PSEUDONYM_KEY: secret((raw) => (decodeKey32(raw) ? undefined : 'must be 32 bytes as 64 hex characters or base64')),
  TELEMETRY_K_ANONYMITY: int(2, 1000),
  TELEMETRY_EXPORT_TOP_TENANTS: int(1, 100),
  TELEMETRY_PURGE_INTERVAL_MINUTES: int(1, 24 * 60),
  // OverviewModule: the in-memory history ring the dashboard's charts read.
  OVERVIEW_HISTORY_INTERVAL_SECONDS: int(1, 3600),
  OVERVIEW_HISTORY_MINUTES: int(1, 24 * 60),
} as const;

export type EnvName = keyof typeof ENV_SCHEMA;
export type EnvValues = { -readonly [K in EnvName]: ReturnType<(typeof ENV_SCHEMA)[K]['parse']> };

export interface TlsCertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export type DatabaseSettings = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

/** The one typed settings object the application sees. Paths are absolute. */
export interface Settings {
  readonly mode: 'simulation' | 'production';
  readonly simulation: boolean;
  readonly pqcMode: 'hybrid' | 'pqc';
  readonly gpuDriverMock: boolean;
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly bodyLimitBytes: number;
    /**
     * Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (Fastify's trustProxy): the client
     * address (login throttling, audit) and the scheme (Secure cookie) come from them only.
     */
    readonly trustProxy: ProxyTrust;
    /** What the plain listener serves: everything, or only /health/* and /metrics (the rest answers 403 naming the https port). */
    readonly plainRoutes: 'all' | 'probes';
  };
  readonly tls: {
    readonly enabled: boolean;
    /** The https listener's port (0 = any free port); it listens on http.host. */
    readonly port: number;
    /** The classical (ECDSA/RSA) certificate every client can use; unset in simulation = a development one under DATA_DIR. */
    readonly certificate?: TlsCertificateFiles;
    /** An ML-DSA-65 certificate served beside it to clients that offer ML-DSA signatures (a fully post-quantum handshake). */
    readonly mldsaCertificate?: TlsCertificateFiles;
    /** How often the certificate files are checked for changes (0 = only on SIGHUP). */
    readonly reloadIntervalMs: number;
    /** Whether clients offering only X25519 (no post-quantum key exchange) are served. */
    readonly allowClassicalKeyExchange: boolean;
  };
  readonly grpc: {
    readonly enabled: boolean;
    /** The gRPC listener's port (0 = any free port); it listens on http.host, with TLS when the https listener is on. */
    readonly port: number;
  };
  readonly dataDir: string;
  readonly reportsDir: string;
  readonly database: DatabaseSettings;
  readonly vault: { readonly keystore: 'file' | 'database'; readonly keyPath: string; readonly kek?: string; readonly kekFile?: string };
  readonly pqc: {
    /** Crypto worker threads; 0 = one per available core. */
    readonly workers: number;
    readonly sessionTtlMs: number;
    readonly maxSkewMs: number;
    readonly bundleValidityMs: number;
  };
  readonly rotation: {
    /** Approvals needed from admins other than the requester. */
    readonly approvalsRequired: number;
    readonly requestTtlMs: number;
    /** How long the previous key version keeps serving existing sessions (verify-only). */
    readonly graceMs: number;
    /** An EXECUTING request whose lease lapsed is recovered (its executor is assumed dead). */
    readonly executionLeaseMs: number;
  };
  readonly auth: {
    /** A dashboard session unused this long expires. */
    readonly sessionIdleMs: number;
    /** No session lives longer than this, however active. */
    readonly sessionMaxMs: number;
    /** Failed logins of one account name (known or not) within lockoutMs of its first that lock it for lockoutMs. */
    readonly loginMaxFailures: number;
    readonly lockoutMs: number;
    /** The same for one client address, across names. */
    readonly loginIpMaxFailures: number;
    /** How long an API key lookup is cached: the bound on how late a revocation takes effect on other replicas. */
    readonly apiKeyCacheMs: number;
  };
  readonly log: { readonly level: EnvValues['LOG_LEVEL']; readonly json: boolean };
  readonly shutdown: { readonly drainMs: number; readonly timeoutMs: number };
  readonly runtime: {
    /** Triton-like model repository: <path>/<model>/config.json and <path>/<model>/<version>/. */
    readonly repositoryPath: string;
    /** all = every model in the repository loads at start-up (tracked by the start-up probe). */
    readonly loadAtStartup: 'all' | 'none';
    /** Load + warmup above this is flagged (overBudget), the model is still served. */
    readonly loadBudgetMs: number;
    /** Inference worker threads; 0 = one per available core. */
    readonly workers: number;
    /** Production refuses simulated (mock) models unless this is true. */
    readonly allowMockInProduction: boolean;
    /** An inference run unanswered this long is declared stuck: it fails with 503 and its thread is replaced. */
    readonly taskTimeoutMs: number;
  };
  readonly inference: {
    /** Requests waiting per model (all tenants); a full queue answers 429 with Retry-After. */
    readonly queueCapacity: number;
    /** Deadline of a request that names none (x-request-deadline-ms header or timeout_ms parameter). */
    readonly defaultDeadlineMs: number;
    /** How long the oldest queued request waits for a batch to fill (models with maxBatchSize > 0). */
    readonly batchMaxDelayMs: number;
    /** false = every request runs alone even on batchable models (benchmark baseline). */
    readonly dynamicBatching: boolean;
    /** Inference requests per second one tenant may sustain (0 = no limit); above it 429 + Retry-After. */
    readonly tenantRateLimit: number;
    /** Requests one tenant may send at once before its rate limit applies. */
    readonly tenantBurst: number;
  };
  readonly policy: {
    /** docs/policies/model_telemetry.md: must exist with the Policy-Version the code enforces. */
    readonly documentPath: string;
    /** Policies whose failure also fails readiness (the document always does). */
    readonly readiness: EnvValues['POLICY_READINESS'];
  };
  readonly telemetry: {
    /** HMAC key for tenant pseudonyms; unset in simulation = generated under DATA_DIR. Never logged. */
    readonly pseudonymKey?: string;
    /** A tenant with fewer distinct contributors in a window is left out of exports. */
    readonly kAnonymity: number;
    /** Tenants exported under their own pseudonym label (by volume); the rest are "other". */
    readonly exportTopTenants: number;
    readonly purgeIntervalMs: number;
    /** Aggregates older than this are purged: 7 days in simulation, 30 in production (policy, not a setting). */
    readonly retentionMs: number;
  };
  readonly overview: {
    /** How often the overview history ring takes a sample. */
    readonly historyIntervalMs: number;
    /** How far back the ring reaches (it holds historyMs / historyIntervalMs samples, in memory). */
    readonly historyMs: number;
  };
}

const DAY_MS = 24 * 3600 * 1000;

/** Cross-variable rules in every mode. Returns one message per violation. */
export function settingRefusals(env: EnvValues): string[] {
  const refusals: string[] = [];
  const pair = (cert: EnvName, key: EnvName) => {
    if (!env[cert] !== !env[key]) refusals.push(`${cert} and ${key} must be set together (got only ${env[cert] ? cert : key})`);
  };
  pair('TLS_CERT_FILE', 'TLS_KEY_FILE');
  pair('TLS_MLDSA_CERT_FILE', 'TLS_MLDSA_KEY_FILE');
  if (env.TLS_MLDSA_CERT_FILE && !env.TLS_CERT_FILE) {
    refusals.push('TLS_MLDSA_CERT_FILE needs TLS_CERT_FILE and TLS_KEY_FILE too (clients without ML-DSA, every browser today, need the classical certificate)');
  }
  return refusals;
}

/** Cross-variable rules: what production refuses. Returns one message per violation. */
export function productionRefusals(env: EnvValues, cwd: string): string[] {
  if (env.NEURAL_FABRIC_MODE !== 'production') return [];
  const refusals: string[] = [];
  const refuse = (name: EnvName, why: string) => refusals.push(`${name} ${why} when NEURAL_FABRIC_MODE=production`);
  if (env.SIMULATION_MODE) refuse('SIMULATION_MODE', 'must be false');
  if (env.GPU_DRIVER_MOCK) refuse('GPU_DRIVER_MOCK', 'must be false');
  if (!env.VAULT_PQC_KEK && !env.VAULT_PQC_KEK_FILE) {
    refuse('VAULT_PQC_KEK', 'or VAULT_PQC_KEK_FILE must be set (the keystore key-encryption key)');
  }
  if (!env.TELEMETRY_PSEUDONYM_KEY) refuse('TELEMETRY_PSEUDONYM_KEY', 'must be set (the key of tenant pseudonyms in telemetry)');
  else if (env.VAULT_PQC_KEK && decodeKey32(env.TELEMETRY_PSEUDONYM_KEY)!.equals(decodeKey32(env.VAULT_PQC_KEK)!)) {
    refuse('TELEMETRY_PSEUDONYM_KEY', 'must differ from VAULT_PQC_KEK (one key, one purpose)');
  }
  if (env.TLS_ENABLED && !env.TLS_CERT_FILE) {
    refuse('TLS_CERT_FILE', 'and TLS_KEY_FILE must be set (the https listener\'s certificate; TLS_ENABLED=false serves plain HTTP only, e.g. behind a TLS-terminating proxy)');
  }
  if (env.TLS_ENABLED && env.TLS_ALLOW_CLASSICAL_KEY_EXCHANGE && !env.TLS_ALLOW_CLASSICAL_IN_PRODUCTION) {
    refuse(
      'TLS_ALLOW_CLASSICAL_KEY_EXCHANGE',
      'must be false unless TLS_ALLOW_CLASSICAL_IN_PRODUCTION=true acknowledges it (traffic of X25519-only clients can be recorded now and decrypted by a future quantum computer)',
    );
  }
  if (env.VAULT_PQC_KEK_FILE) {
    const keyDir = path.resolve(cwd, env.VAULT_PQC_KEY_PATH);
    const relative = path.relative(keyDir, path.resolve(cwd, env.VAULT_PQC_KEK_FILE));
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
      refuse('VAULT_PQC_KEK_FILE', 'must lie outside VAULT_PQC_KEY_PATH (a KEK stored beside the keys protects nothing)');
    }
  }
  return refusals;
}

export function toSettings(env: EnvValues, cwd: string): Settings {
  const resolve = (p: string) => path.resolve(cwd, p);
  return {
    mode: env.NEURAL_FABRIC_MODE,
    simulation: env.SIMULATION_MODE,
    pqcMode: env.PQC_MODE,
    gpuDriverMock: env.GPU_DRIVER_MOCK,
    http: {
      host: env.HOST,
      port: env.PORT,
      bodyLimitBytes: env.HTTP_BODY_LIMIT_BYTES,
      trustProxy: env.TRUST_PROXY,
      // auto: only probes in production while the https listener serves the rest; everything otherwise.
      plainRoutes: env.PLAIN_HTTP_ROUTES === 'auto' ? (env.NEURAL_FABRIC_MODE === 'production' && env.TLS_ENABLED ? 'probes' : 'all') : env.PLAIN_HTTP_ROUTES,
    },
    tls: {
      enabled: env.TLS_ENABLED,
      port: env.TLS_PORT,
      certificate: env.TLS_CERT_FILE && env.TLS_KEY_FILE ? { certFile: resolve(env.TLS_CERT_FILE), keyFile: resolve(env.TLS_KEY_FILE) } : undefined,
      mldsaCertificate:
        env.TLS_MLDSA_CERT_FILE && env.TLS_MLDSA_KEY_FILE ? { certFile: resolve(env.TLS_MLDSA_CERT_FILE), keyFile: resolve(env.TLS_MLDSA_KEY_FILE) } : undefined,
      reloadIntervalMs: env.TLS_CERT_RELOAD_SECONDS * 1000,
      allowClassicalKeyExchange: env.TLS_ALLOW_CLASSICAL_KEY_EXCHANGE,
    },
    grpc: { enabled: env.GRPC_ENABLED, port: env.GRPC_PORT },
    dataDir: resolve(env.DATA_DIR),
    reportsDir: resolve(env.REPORTS_DIR),
    database: env.DATABASE_URL.startsWith('sqlite:')
      ? { type: 'sqlite', path: env.DATABASE_URL === 'sqlite::memory:' ? ':memory:' : resolve(env.DATABASE_URL.slice('sqlite:'.length)) }
      : { type: 'postgres', url: env.DATABASE_URL },
    vault: {
      keystore: env.VAULT_PQC_KEYSTORE,
      keyPath: resolve(env.VAULT_PQC_KEY_PATH),
      kek: env.VAULT_PQC_KEK,
      kekFile: env.VAULT_PQC_KEK_FILE ? resolve(env.VAULT_PQC_KEK_FILE) : undefined,
    },
    pqc: {
      workers: env.PQC_WORKERS,
      sessionTtlMs: env.PQC_SESSION_TTL_SECONDS * 1000,
      maxSkewMs: env.PQC_HANDSHAKE_MAX_SKEW_SECONDS * 1000,
      bundleValidityMs: env.PQC_BUNDLE_VALIDITY_DAYS * 24 * 3600 * 1000,
    },
    rotation: {
      approvalsRequired: env.ROTATION_APPROVALS_REQUIRED,
      requestTtlMs: env.ROTATION_REQUEST_TTL_HOURS * 3600 * 1000,
      graceMs: env.ROTATION_GRACE_HOURS * 3600 * 1000,
      executionLeaseMs: env.ROTATION_EXECUTION_LEASE_SECONDS * 1000,
    },
    auth: {
      sessionIdleMs: env.AUTH_SESSION_IDLE_MINUTES * 60_000,
      sessionMaxMs: env.AUTH_SESSION_MAX_HOURS * 3600_000,
      loginMaxFailures: env.AUTH_LOGIN_MAX_FAILURES,
      lockoutMs: env.AUTH_LOCKOUT_MINUTES * 60_000,
      loginIpMaxFailures: env.AUTH_LOGIN_IP_MAX_FAILURES,
      apiKeyCacheMs: env.AUTH_API_KEY_CACHE_SECONDS * 1000,
    },
    log: {
      level: env.LOG_LEVEL,
      json: env.LOG_FORMAT === 'json' || (env.LOG_FORMAT === 'auto' && env.NEURAL_FABRIC_MODE === 'production'),
    },
    shutdown: { drainMs: env.SHUTDOWN_DRAIN_MS, timeoutMs: env.SHUTDOWN_TIMEOUT_MS },
    runtime: {
      repositoryPath: resolve(env.MODEL_REPOSITORY_PATH),
      loadAtStartup: env.MODEL_LOAD_AT_STARTUP,
      loadBudgetMs: env.MODEL_LOAD_BUDGET_MS,
      workers: env.RUNTIME_WORKERS,
      allowMockInProduction: env.RUNTIME_ALLOW_MOCK_IN_PRODUCTION,
      taskTimeoutMs: env.RUNTIME_TASK_TIMEOUT_MS,
    },
    inference: {
      queueCapacity: env.INFER_QUEUE_CAPACITY,
      defaultDeadlineMs: env.INFER_DEFAULT_DEADLINE_MS,
      batchMaxDelayMs: env.INFER_BATCH_MAX_DELAY_US / 1000,
      dynamicBatching: env.INFER_DYNAMIC_BATCHING,
      tenantRateLimit: env.INFER_TENANT_RATE_LIMIT,
      tenantBurst: env.INFER_TENANT_BURST,
    },
    policy: { documentPath: resolve(env.POLICY_DOCUMENT_PATH), readiness: env.POLICY_READINESS },
    telemetry: {
      pseudonymKey: env.TELEMETRY_PSEUDONYM_KEY,
      kAnonymity: env.TELEMETRY_K_ANONYMITY,
      exportTopTenants: env.TELEMETRY_EXPORT_TOP_TENANTS,
      purgeIntervalMs: env.TELEMETRY_PURGE_INTERVAL_MINUTES * 60_000,
      retentionMs: (env.NEURAL_FABRIC_MODE === 'production' ? 30 : 7) * DAY_MS,
    },
    overview: { historyIntervalMs: env.OVERVIEW_HISTORY_INTERVAL_SECONDS * 1000, historyMs: env.OVERVIEW_HISTORY_MINUTES * 60_000 },
  };
}

export { EnvFieldError };
