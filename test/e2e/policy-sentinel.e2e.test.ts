import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { register } from 'prom-client';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../apps/api/src/app.factory';
import { Clock } from '../../apps/api/src/lifecycle/clock';
import { createLogger } from '../../apps/api/src/lifecycle/logger';
import { BUCKET_MS, bucketOf } from '../../apps/api/src/policy/telemetry.aggregate';
import { TelemetryAggregateEntity } from '../../apps/api/src/policy/telemetry.entity';
import { TelemetryService } from '../../apps/api/src/policy/telemetry.service';
import { newAdmin } from '../support/admins';
import { TestApp } from '../support/app';
import { tempDir, testEnv } from '../support/env';
import { REPO_ROOT } from '../support/paths';

jest.setTimeout(120_000);

const unique = (what: string) => `nfsentinel-${what}-${randomBytes(6).toString('hex')}`;
/** Input values with more digits than FP32 keeps; their bytes as FP32 are a sentinel too. */
const INPUT = [0.73159261, 0.27182818, 0.14142135, 0.31415926];

interface Sentinel {
  what: string;
  value: string | Buffer;
}

/** Which sentinels occur in a text or a file's bytes. */
function found(haystack: string | Buffer, sentinels: Sentinel[]): string[] {
  const bytes = typeof haystack === 'string' ? Buffer.from(haystack, 'utf8') : haystack;
  return sentinels.filter((s) => bytes.includes(typeof s.value === 'string' ? Buffer.from(s.value, 'utf8') : s.value)).map((s) => s.what);
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)).filter((f) => statSync(f).isFile());
}

/** Every row of every table of a SQLite file, as text (blobs as their bytes), by table. */
async function dumpTables(file: string): Promise<Map<string, string>> {
  const db = await new DataSource({ type: 'better-sqlite3', database: file, readonly: true }).initialize();
  try {
    const tables = (await db.query("SELECT name FROM sqlite_master WHERE type = 'table'")) as { name: string }[];
    const text = (rows: unknown[]) => JSON.stringify(rows, (_k, v) => (v?.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data).toString('latin1') : v));
    return new Map(await Promise.all(tables.map(async ({ name }) => [name, text(await db.query(`SELECT * FROM "${name}"`))] as const)));
  } finally {
    await db.destroy();
  }
}

describe('sentinel: no user id, request id, raw input or parameter reaches logs, metrics, the database or files', () => {
  const dir = tempDir('nf-sentinel-');
  const dataDir = path.join(dir, 'data');
  const reportsDir = path.join(dir, 'reports');
  const dbFile = path.join(dataDir, 'nf.sqlite');
  const logs: string[] = [];
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  const userId = unique('user');
  const requestId = unique('request');
  const headerRequestId = unique('header-request');
  const parameter = unique('parameter');
  const tenantName = unique('tenant');
  let tenantId: string;
  /** Two API keys of the tenant: two contributors, so its window reaches k = 2 and is exported. */
  let apiKeys: { id: string; key: string }[];
  let metrics: string;
  let inferenceLogsFrom: number;
  let telemetryRows: TelemetryAggregateEntity[];
  let pseudonymOf: (tenant: string) => string;

  /** Never allowed anywhere: not in logs, metrics, any table or any file. */
  const everywhere = (): Sentinel[] => [
    { what: 'user id', value: userId },
    { what: 'request id', value: requestId },
    { what: 'x-request-id header', value: headerRequestId },
    { what: 'request parameter', value: parameter },
    ...apiKeys.map((k, i) => ({ what: `API key ${i + 1}`, value: k.key })),
    ...INPUT.map((v) => ({ what: `input value ${v}`, value: String(v) })),
    { what: 'input tensor bytes (FP32)', value: Buffer.from(new Float32Array(INPUT).buffer) },
  ];
  /**
   * The tenant's own records hold its name, id and API key ids; telemetry, logs of inference and
   * metrics must not (a key id is a contributor, counted in memory as a keyed tag only).
   */
  const tenant = (): Sentinel[] => [
    { what: 'tenant name', value: tenantName },
    { what: 'tenant id', value: tenantId },
    ...apiKeys.map((k, i) => ({ what: `API key id ${i + 1}`, value: k.id })),
  ];
  const TENANT_TABLES = ['nf_tenant', 'nf_api_key', 'nf_audit'];

  beforeAll(async () => {
    const capture = (chunk: string | Uint8Array) => (logs.push(Buffer.from(chunk).toString('utf8')), true);
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;

    const env = testEnv({
      DATA_DIR: dataDir,
      REPORTS_DIR: reportsDir,
      VAULT_PQC_KEY_PATH: path.join(dataDir, 'keystore'),
      DATABASE_URL: `sqlite:${dbFile}`,
      LOG_LEVEL: 'verbose',
      LOG_FORMAT: 'json',
      PQC_WORKERS: '1',
      // Two contributors suffice, so the tenant's window is exported and its label can be scanned.
      TELEMETRY_K_ANONYMITY: '2',
    });
    register.clear();
    const app = await createApp(env, { logger: createLogger(env.settings.log), dashboardDir: '/nonexistent' });
    await app.listen(0, '127.0.0.1');
    const t: TestApp = { app, http: request(app.getHttpServer()), url: '', close: () => app.close() };
    try {
      const admin = await newAdmin(t, 'sentinel-admin');
      tenantId = (await admin.post('/auth/tenants', { name: tenantName }).expect(201)).body.id;
      apiKeys = [];
      for (let i = 0; i < 2; i++) {
        const { id, key } = (await admin.post(`/auth/tenants/${tenantId}/api-keys`).expect(201)).body;
        apiKeys.push({ id, key });
      }

      // Every job lands in one telemetry window: time stands still while they run.
      const clock = app.get(Clock);
      const windowStart = bucketOf(clock.now());
      const clockNow = jest.spyOn(clock, 'now').mockReturnValue(windowStart + 1000);
      inferenceLogsFrom = logs.length;
      const infer = (key: string, model: string, body: object) =>
        t.http.post(`/v2/models/${model}/infer`).set('Authorization', `Bearer ${key}`).set('x-user-id', userId).set('x-request-id', headerRequestId).send(body);
      const tensor = (name: string, shape: number[], data: number[]) => ({ name, datatype: 'FP32', shape, data });
      for (let i = 0; i < 3; i++) {
        const key = apiKeys[i % 2].key;
        await infer(key, 'tiny-mlp', { id: requestId, inputs: [tensor('input', [1, 4], INPUT)], parameters: { user_id: userId, note: parameter } }).expect(200);
      }
      await infer(apiKeys[1].key, 'tf-classifier', { id: requestId, inputs: [tensor('input', [1, 8], [...INPUT, ...INPUT])], parameters: { user_id: userId } }).expect(200);
      await infer(apiKeys[0].key, 'tiny-mlp', { id: requestId, inputs: [tensor('input', [1, 5], [...INPUT, 1])], parameters: { user_id: userId } }).expect(400);
      await infer(apiKeys[0].key, 'no-such-model', { id: requestId, inputs: [tensor('input', [1, 4], INPUT)] }).expect(404);
      await t.http.post('/v2/models/tiny-mlp/infer').set('x-user-id', userId).send({ id: requestId, inputs: [tensor('input', [1, 4], INPUT)] }).expect(200);

      // Close the telemetry window so its export is computed, then read what leaves the service.
      clockNow.mockReturnValue(windowStart + BUCKET_MS + 1000);
      await app.get(TelemetryService).flush();
      metrics = (await t.http.get('/metrics').expect(200)).text;
      await admin.get('/policies').expect(200);
      telemetryRows = await app.get(DataSource).getRepository(TelemetryAggregateEntity).find();
      const pseudonyms = app.get(TelemetryService).pseudonyms;
      pseudonymOf = (tenant) => pseudonyms.tenant(tenant);
    } finally {
      await app.close();
      process.stdout.write = writes.stdout;
      process.stderr.write = writes.stderr;
    }
  });

  it('the scanner finds a sentinel where one is (it can fail)', async () => {
    const scratch = `{"level":"log","message":"request ${requestId} from ${userId}","data":[${INPUT.join(',')}]}`;
    expect(found(scratch, everywhere())).toEqual(['user id', 'request id', ...INPUT.map((v) => `input value ${v}`)]);
    expect(found(Buffer.concat([randomBytes(7), Buffer.from(new Float32Array(INPUT).buffer)]), everywhere())).toEqual(['input tensor bytes (FP32)']);
    // The tenant's own table does hold its name: the dump really reads rows.
    expect(found((await dumpTables(dbFile)).get('nf_tenant')!, tenant())).toEqual(['tenant name', 'tenant id']);
    // Logs were captured (start-up lines of the real logger, as JSON).
    expect(logs.join('')).toMatch(/"context":"TelemetryService"/);
  });

  it('telemetry did record the run: per-tenant aggregates under the pseudonym, nothing else', () => {
    const ours = telemetryRows.filter((r) => r.tenantPseudonym === pseudonymOf(tenantId));
    // The 400 and the 404 were refused before they became jobs: telemetry sees jobs only.
    expect(ours.map((r) => [r.model, r.requests]).sort()).toEqual([['tf-classifier', 1], ['tiny-mlp', 3]]);
    expect(telemetryRows.find((r) => r.tenantPseudonym === pseudonymOf('anonymous'))).toMatchObject({ model: 'tiny-mlp', requests: 1 });
  });

  it('finds no sentinel in the logs', () => {
    expect(found(logs.join(''), everywhere())).toEqual([]);
    expect(found(logs.slice(inferenceLogsFrom).join(''), tenant())).toEqual([]);
  });

  it('finds no sentinel in /metrics, where the tenant is exported under its pseudonym', () => {
    // The scan below covers a real export: the tenant's window met k = 2 (two API keys sent).
    expect(metrics).toContain(`nf_telemetry_requests{tenant="${pseudonymOf(tenantId)}"} 4`);
    expect(metrics).toMatch(new RegExp(`^nf_telemetry_sent_bytes\\{tenant="${pseudonymOf(tenantId)}"\\} [1-9]`, 'm'));
    // Anonymous traffic is one contributor: under k, left out and only counted.
    expect(metrics).not.toContain(pseudonymOf('anonymous'));
    expect(metrics).toMatch(/^nf_telemetry_suppressed_tenants 1$/m);
    expect(found(metrics, [...everywhere(), ...tenant()])).toEqual([]);
  });

  it('finds no sentinel in any row of any table (tenant name and id only in the tenant records)', async () => {
    const tables = await dumpTables(dbFile);
    expect(tables.has('nf_telemetry_aggregate')).toBe(true);
    const leaks = [...tables].flatMap(([table, rows]) =>
      found(rows, TENANT_TABLES.includes(table) ? everywhere() : [...everywhere(), ...tenant()]).map((what) => `${table}: ${what}`),
    );
    expect(leaks).toEqual([]);
  });

  it('finds no sentinel in any file under DATA_DIR, REPORTS_DIR or reports/', () => {
    const files = [...filesUnder(dataDir), ...filesUnder(reportsDir), ...filesUnder(path.join(REPO_ROOT, 'reports'))];
    expect(files).toContain(dbFile);
    const leaks = files.flatMap((file) => found(readFileSync(file), everywhere()).map((what) => `${file}: ${what}`));
    expect(leaks).toEqual([]);
  });
});
