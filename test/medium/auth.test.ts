import * as path from 'node:path';
import { BadRequestException, ConflictException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditInput, AuditService } from '../../apps/api/src/audit/audit.service';
import { AdminAccountsService } from '../../apps/api/src/auth/admin-accounts.service';
import { AdminSessionsService } from '../../apps/api/src/auth/admin-sessions.service';
import { Clock } from '../../apps/api/src/lifecycle/clock';
import { AdminAccountEntity, AdminSessionEntity, ApiKeyEntity, LoginThrottleEntity, TenantEntity } from '../../apps/api/src/auth/auth.entities';
import { csrfTokenFor } from '../../apps/api/src/auth/csrf';
import { accountKey } from '../../apps/api/src/auth/lockout';
import { LoginThrottleRepository } from '../../apps/api/src/auth/login-throttle.repository';
import { verifyPassword } from '../../apps/api/src/auth/password';
import { TenantsService } from '../../apps/api/src/auth/tenants.service';
import { isUniqueViolation } from '../../apps/api/src/database/columns';
import { dataSourceOptions } from '../../apps/api/src/database/database.options';
import { MIGRATIONS } from '../../apps/api/src/database/migrations';
import { Auth1764374400000 } from '../../apps/api/src/database/migrations/1764374400000-auth';
import { runMigrations } from '../../apps/api/src/database/migrator';
import { Settings } from '../../apps/api/src/env/env.schema';
import { tempDir, testEnv } from '../support/env';
import { createSchema, describePostgres, POSTGRES_URL } from '../support/postgres';

type Connect = () => Promise<DataSource>;

/** Records what would be audited (the real AuditService has its own medium tests). */
class RecordingAudit {
  readonly entries: AuditInput[] = [];
  async record(input: AuditInput): Promise<void> {
    this.entries.push(input);
  }
}

class FixedClock extends Clock {
  at = 1_764_374_400_000;
  override now(): number {
    return this.at;
  }
}

function services(ds: DataSource) {
  const env = testEnv();
  const settings: Settings = env.settings;
  const audit = new RecordingAudit();
  const clock = new FixedClock();
  const [accountsRepo, sessionsRepo] = [ds.getRepository(AdminAccountEntity), ds.getRepository(AdminSessionEntity)];
  const throttle = new LoginThrottleRepository(ds);
  const accounts = new AdminAccountsService(settings, accountsRepo, sessionsRepo, audit as unknown as AuditService, clock, throttle);
  const sessions = new AdminSessionsService(settings, sessionsRepo, accountsRepo, clock);
  const tenants = new TenantsService(settings, ds.getRepository(TenantEntity), ds.getRepository(ApiKeyEntity), audit as unknown as AuditService, clock);
  return { settings, audit, clock, accounts, sessions, tenants, throttle, accountsRepo, sessionsRepo };
}

/** The same contract for every backend: real migrations, then the auth repositories against real tables. */
function authContract(connect: Connect) {
  let ds: DataSource;
  beforeEach(async () => {
    ds = await connect();
    await runMigrations(ds);
  });
  afterEach(async () => {
    await ds.destroy();
  });

  it('stores accounts with a UUID id, booleans and epoch milliseconds intact, names unique', async () => {
    const s = services(ds);
    const { account, password } = await s.accounts.create('alice', 'viewer', { type: 'cli', name: 'test' });
    expect(account).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'alice', role: 'viewer' });
    const row = (await s.accountsRepo.findOneBy({ id: account.id }))!;
    expect(row).toMatchObject({ mustChangePassword: true, createdAt: s.clock.at });
    expect(typeof row.createdAt).toBe('number');
    await expect(verifyPassword(password, row.passwordHash)).resolves.toBe(true);
    await expect(s.accounts.create('alice', 'admin', { type: 'cli' })).rejects.toBeInstanceOf(ConflictException);
    const duplicate = await s.accountsRepo.insert({ ...row, id: '00000000-0000-4000-8000-000000000000' }).catch((error: unknown) => error);
    expect(isUniqueViolation(duplicate)).toBe(true);
    expect(s.audit.entries.map((e) => e.action)).toEqual(['admin_created']);
    expect(JSON.stringify(s.audit.entries)).not.toContain(password);
  });

  it('sessions: only the token hash is stored; idle and absolute expiry; a reset ends them all', async () => {
    const s = services(ds);
    const { account } = await s.accounts.create('bob', 'admin', { type: 'cli' });
    const session = await s.sessions.create(account.id);
    const rows = await s.sessionsRepo.find();
    expect(rows).toHaveLength(1);
    expect(rows[0].id).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].id).not.toContain(session.token);
    expect(session.csrfToken).toBe(csrfTokenFor(session.token));

    await expect(s.sessions.resolve(session.token)).resolves.toMatchObject({ account: { name: 'bob' }, csrfToken: session.csrfToken });
    s.clock.at += s.settings.auth.sessionIdleMs + 1;
    await expect(s.sessions.resolve(session.token)).resolves.toBeUndefined();
    expect(await s.sessionsRepo.count()).toBe(0); // an expired session is deleted when seen

    const busy = await s.sessions.create(account.id);
    const start = s.clock.at;
    while (s.clock.at + s.settings.auth.sessionIdleMs / 2 < start + s.settings.auth.sessionMaxMs) {
      s.clock.at += s.settings.auth.sessionIdleMs / 2;
      await expect(s.sessions.resolve(busy.token)).resolves.toBeDefined();
    }
    s.clock.at = start + s.settings.auth.sessionMaxMs;
    await expect(s.sessions.resolve(busy.token)).resolves.toBeUndefined(); // however active

    const second = await s.sessions.create(account.id);
    await s.accounts.resetPassword('bob', { type: 'cli' });
    await expect(s.sessions.resolve(second.token)).resolves.toBeUndefined();
    expect((await s.accountsRepo.findOneBy({ id: account.id }))!.mustChangePassword).toBe(true);
  });

  it('a password change keeps only the session that made it', async () => {
    const s = services(ds);
    const { account, password } = await s.accounts.create('dave', 'admin', { type: 'cli' });
    const [keep, other] = [await s.sessions.create(account.id), await s.sessions.create(account.id)];
    const keepId = (await s.sessions.resolve(keep.token))!.id;
    await s.accounts.changePassword(account.id, password, 'dave-new-password', keepId);
    await expect(s.sessions.resolve(keep.token)).resolves.toBeDefined();
    await expect(s.sessions.resolve(other.token)).resolves.toBeUndefined();
    const row = (await s.accountsRepo.findOneBy({ id: account.id }))!;
    expect(row.mustChangePassword).toBe(false);
    await expect(verifyPassword('dave-new-password', row.passwordHash)).resolves.toBe(true);
  });

  it('a password reset lifts the account name\'s login lock', async () => {
    const s = services(ds);
    await s.accounts.create('erin', 'admin', { type: 'cli' });
    const rule = { maxFailures: 2, windowMs: 60_000, lockMs: 60_000 };
    for (let i = 0; i < 2; i++) await s.throttle.reserve(accountKey('erin'), rule, s.clock.at);
    expect((await s.throttle.reserve(accountKey('erin'), rule, s.clock.at)).ok).toBe(false);
    await s.accounts.resetPassword('erin', { type: 'cli' });
    expect((await s.throttle.reserve(accountKey('erin'), rule, s.clock.at)).ok).toBe(true);
  });

  it('refuses weak new passwords with 400 keyed by field, before changing anything', async () => {
    const s = services(ds);
    const { account, password } = await s.accounts.create('frank', 'admin', { type: 'cli' });
    const keep = await s.sessions.create(account.id);
    const keepId = (await s.sessions.resolve(keep.token))!.id;
    for (const weak of [' '.repeat(12), 'passwordpassword', 'password1234', 'frank-frank-frank']) {
      const error = await s.accounts.changePassword(account.id, password, weak, keepId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadRequestException);
      expect((error as BadRequestException).getResponse()).toMatchObject({ errors: { new: expect.stringMatching(/too easy to guess/) } });
    }
    await expect(verifyPassword(password, (await s.accountsRepo.findOneBy({ id: account.id }))!.passwordHash)).resolves.toBe(true);
    await s.accounts.changePassword(account.id, password, 'granite lantern orbit 42', keepId);
  });

  it('deleting an account cascades to its sessions', async () => {
    const s = services(ds);
    const { account } = await s.accounts.create('carol', 'admin', { type: 'cli' });
    await s.sessions.create(account.id);
    await s.accountsRepo.delete({ id: account.id });
    expect(await s.sessionsRepo.count()).toBe(0);
  });

  it('tenants and API keys: key stored as SHA-256 only, lookup, revocation', async () => {
    const s = services(ds);
    const tenant = await s.tenants.createTenant('acme', { type: 'cli' });
    await expect(s.tenants.createTenant('acme', { type: 'cli' })).rejects.toBeInstanceOf(ConflictException);
    const key = await s.tenants.createApiKey(tenant.id, { type: 'cli' });
    const stored = (await ds.getRepository(ApiKeyEntity).findOneBy({ id: key.id }))!;
    expect(stored.keySha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(key.key.slice(3));
    expect(stored.revokedAt).toBeNull();

    await expect(s.tenants.lookup(key.key)).resolves.toEqual({ status: 'ok', tenant: { id: tenant.id, name: 'acme', anonymous: false, apiKeyId: key.id } });
    await expect(s.tenants.lookup(`nf_${'A'.repeat(43)}`)).resolves.toEqual({ status: 'unknown' });
    await s.tenants.revokeApiKey(key.id, { type: 'cli' });
    await expect(s.tenants.lookup(key.key)).resolves.toEqual({ status: 'revoked' });
    expect(typeof (await ds.getRepository(ApiKeyEntity).findOneBy({ id: key.id }))!.revokedAt).toBe('number');
    expect((await s.tenants.list())[0].apiKeys).toEqual([expect.objectContaining({ id: key.id, prefix: key.prefix, revokedAt: s.clock.at })]);
    expect(s.audit.entries.map((e) => e.action)).toEqual(['tenant_created', 'api_key_created', 'api_key_revoked']);
    expect(JSON.stringify(s.audit.entries)).not.toContain(key.key);
  });

  it('reverting the auth migration drops its tables', async () => {
    const newer = MIGRATIONS.length - MIGRATIONS.indexOf(Auth1764374400000);
    for (let i = 0; i < newer; i++) await ds.undoLastMigration();
    const runner = ds.createQueryRunner();
    for (const table of ['nf_admin_account', 'nf_admin_session', 'nf_tenant', 'nf_api_key']) {
      expect(`${table}: ${await runner.hasTable(table)}`).toBe(`${table}: false`);
    }
    await runner.release();
  });
}

const connect = (options: Parameters<typeof dataSourceOptions>[0], schema?: string) =>
  new DataSource({ ...dataSourceOptions(options, { schema }), entities: [AdminAccountEntity, AdminSessionEntity, TenantEntity, ApiKeyEntity, LoginThrottleEntity] }).initialize();

describe('auth repositories on SQLite', () => {
  authContract(() => connect({ type: 'sqlite', path: path.join(tempDir(), 'nf.sqlite') }));
});

describePostgres('auth repositories on PostgreSQL', () => {
  let schema: Awaited<ReturnType<typeof createSchema>>;
  beforeEach(async () => {
    schema = await createSchema();
  });
  afterEach(async () => {
    await schema.drop();
  });

  authContract(() => connect({ type: 'postgres', url: POSTGRES_URL }, schema.schema));
});
