import * as path from 'node:path';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { AdminAccountEntity, AdminSessionEntity, LoginThrottleEntity } from '../../apps/api/src/auth/auth.entities';
import { afterRelease, afterReservation, isExpired, Reservation, ThrottleRule, ThrottleState } from '../../apps/api/src/auth/lockout';
import { LoginThrottleRepository } from '../../apps/api/src/auth/login-throttle.repository';
import { dataSourceOptions } from '../../apps/api/src/database/database.options';
import { MIGRATIONS } from '../../apps/api/src/database/migrations';
import { LoginThrottle1764900000000 } from '../../apps/api/src/database/migrations/1764900000000-login-throttle';
import { runMigrations } from '../../apps/api/src/database/migrator';
import { tempDir } from '../support/env';
import { createSchema, describePostgres, POSTGRES_URL } from '../support/postgres';

type Connect = () => Promise<DataSource>;

const T0 = 1_764_374_400_000;
const MINUTE = 60_000;
const rule: ThrottleRule = { maxFailures: 5, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE };

async function stateOf(ds: DataSource, key: string): Promise<ThrottleState | undefined> {
  const row = await ds.getRepository(LoginThrottleEntity).findOneBy({ key });
  return row ? { failures: row.failures, windowStart: row.windowStart, lockedUntil: row.lockedUntil } : undefined;
}

/** The same contract for every backend: real migrations, then the throttle statements against the real table. */
function throttleContract(connect: Connect, modelRuns: number) {
  let ds: DataSource;
  let repo: LoginThrottleRepository;
  beforeEach(async () => {
    ds = await connect();
    await runMigrations(ds);
    repo = new LoginThrottleRepository(ds);
  });
  afterEach(async () => {
    await ds.destroy();
  });

  it('200 concurrent reservations of one key: exactly maxFailures pass, the rest are told how long the lock lasts', async () => {
    const outcomes = await Promise.all(Array.from({ length: 200 }, () => repo.reserve('account:alice', rule, T0)));
    const passed = outcomes.filter((o) => o.ok);
    expect(passed).toHaveLength(rule.maxFailures);
    for (const o of outcomes) if (!o.ok) expect(o.retryAfterMs).toBe(rule.lockMs);
    // Exactly one of them set the lock: the one that reached the limit.
    expect(passed.filter((o) => o.ok && o.reservation.lockSet !== 0)).toHaveLength(1);
    await expect(stateOf(ds, 'account:alice')).resolves.toEqual({ failures: rule.maxFailures, windowStart: T0, lockedUntil: T0 + rule.lockMs });
  });

  it('concurrent reservations of many keys each stop at their own limit', async () => {
    const keys = Array.from({ length: 8 }, (_, i) => `address:198.51.100.${i}`);
    const outcomes = await Promise.all(Array.from({ length: 160 }, (_, i) => repo.reserve(keys[i % keys.length], rule, T0).then((o) => [keys[i % keys.length], o.ok] as const)));
    for (const key of keys) expect(outcomes.filter(([k, ok]) => k === key && ok)).toHaveLength(rule.maxFailures);
  });

  it('a released attempt no longer counts, and the lock it set is lifted; a cleared key starts afresh', async () => {
    const reservations: Reservation[] = [];
    for (let i = 0; i < rule.maxFailures; i++) {
      const o = await repo.reserve('account:bob', rule, T0 + i);
      if (o.ok) reservations.push(o.reservation);
    }
    expect((await repo.reserve('account:bob', rule, T0 + 10)).ok).toBe(false);
    await repo.release(reservations.at(-1)!);
    await expect(stateOf(ds, 'account:bob')).resolves.toEqual({ failures: rule.maxFailures - 1, windowStart: T0, lockedUntil: 0 });
    expect((await repo.reserve('account:bob', rule, T0 + 11)).ok).toBe(true);
    await repo.clear('account:bob');
    await expect(stateOf(ds, 'account:bob')).resolves.toBeUndefined();
  });

  it('purges only rows whose window has passed and whose lock has run out', async () => {
    await repo.reserve('address:old', rule, T0);
    for (let i = 0; i < rule.maxFailures; i++) await repo.reserve('account:locked-late', rule, T0 + 10 * MINUTE);
    await repo.reserve('address:recent', rule, T0 + 14 * MINUTE);
    const now = T0 + 16 * MINUTE;
    await expect(repo.purgeExpired(now, rule.windowMs)).resolves.toBe(1);
    const keys = (await ds.getRepository(LoginThrottleEntity).find()).map((r) => r.key).sort();
    expect(keys).toEqual(['account:locked-late', 'address:recent']);
    await expect(repo.purgeExpired(T0 + 30 * MINUTE, rule.windowMs)).resolves.toBe(2);
  });

  it('behaves exactly like the model in lockout.ts for any sequence of reservations, releases, clears and purges', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('reserve' as const), key: fc.integer({ min: 0, max: 1 }), advance: fc.integer({ min: 0, max: 20 * MINUTE }) }),
      fc.record({ kind: fc.constant('release' as const), key: fc.integer({ min: 0, max: 1 }), advance: fc.constant(0) }),
      fc.record({ kind: fc.constant('clear' as const), key: fc.integer({ min: 0, max: 1 }), advance: fc.constant(0) }),
      fc.record({ kind: fc.constant('purge' as const), key: fc.integer({ min: 0, max: 1 }), advance: fc.integer({ min: 0, max: 20 * MINUTE }) }),
    );
    const rules = fc.record({ maxFailures: fc.integer({ min: 1, max: 4 }), windowMs: fc.constantFrom(5 * MINUTE, 15 * MINUTE), lockMs: fc.constantFrom(1 * MINUTE, 15 * MINUTE) });
    await fc.assert(
      fc.asyncProperty(rules, fc.array(op, { minLength: 1, maxLength: 30 }), async (r, ops) => {
        await ds.getRepository(LoginThrottleEntity).clear();
        const keys = ['account:k0', 'address:k1'];
        const model = new Map<string, ThrottleState | undefined>();
        const taken = new Map<string, Reservation[]>();
        let now = T0;
        for (const { kind, key: k, advance } of ops) {
          const key = keys[k];
          now += advance;
          if (kind === 'reserve') {
            const expected = afterReservation(model.get(key), now, r);
            const outcome = await repo.reserve(key, r, now);
            expect(outcome.ok).toBe(expected !== undefined);
            if (outcome.ok) {
              model.set(key, expected);
              taken.set(key, [...(taken.get(key) ?? []), outcome.reservation]);
            } else {
              expect(outcome.retryAfterMs).toBe(model.get(key)!.lockedUntil - now);
            }
          } else if (kind === 'release') {
            const reservation = taken.get(key)?.pop();
            if (!reservation) continue;
            model.set(key, afterRelease(model.get(key), reservation));
            await repo.release(reservation);
          } else if (kind === 'clear') {
            model.delete(key);
            await repo.clear(key);
          } else {
            const expired = keys.filter((k) => model.get(k) && isExpired(model.get(k)!, now, r));
            expired.forEach((k) => model.delete(k));
            await expect(repo.purgeExpired(now, r.windowMs)).resolves.toBe(expired.length);
          }
          for (const k of keys) expect(await stateOf(ds, k)).toEqual(model.get(k));
        }
      }),
      { numRuns: modelRuns },
    );
  });

  it('the migration keeps accounts and their sessions while it drops the old lockout columns, and reverts', async () => {
    const runner = ds.createQueryRunner();
    const undo = MIGRATIONS.length - MIGRATIONS.indexOf(LoginThrottle1764900000000);
    for (let i = 0; i < undo; i++) await ds.undoLastMigration();
    expect(await runner.hasTable('nf_login_throttle')).toBe(false);
    expect(await runner.hasColumn('nf_admin_account', 'locked_until')).toBe(true);
    const table = (entity: typeof AdminAccountEntity | typeof AdminSessionEntity) => ds.getMetadata(entity).tablePath;
    await ds.query(
      `INSERT INTO ${table(AdminAccountEntity)} (id, name, role, password_hash, must_change_password, failed_logins, locked_until, created_at, password_changed_at)
       VALUES ('00000000-0000-4000-8000-000000000001', 'carol', 'admin', 'scrypt$x', ${ds.options.type === 'postgres' ? 'false' : '0'}, 3, ${T0}, ${T0}, ${T0})`,
    );
    await ds.query(`INSERT INTO ${table(AdminSessionEntity)} (id, admin_id, created_at, last_seen_at, expires_at) VALUES ('${'a'.repeat(64)}', '00000000-0000-4000-8000-000000000001', ${T0}, ${T0}, ${T0 + 1})`);
    await runMigrations(ds);
    expect(await runner.hasColumn('nf_admin_account', 'locked_until')).toBe(false);
    expect(await runner.hasColumn('nf_admin_account', 'failed_logins')).toBe(false);
    await expect(ds.getRepository(AdminAccountEntity).findOneBy({ name: 'carol' })).resolves.toMatchObject({ role: 'admin', createdAt: T0 });
    await expect(ds.getRepository(AdminSessionEntity).count()).resolves.toBe(1);
    await runner.release();
  });
}

const connect = (options: Parameters<typeof dataSourceOptions>[0], schema?: string) =>
  new DataSource({ ...dataSourceOptions(options, { schema }), entities: [AdminAccountEntity, AdminSessionEntity, LoginThrottleEntity] }).initialize();

describe('login throttle on SQLite', () => {
  throttleContract(() => connect({ type: 'sqlite', path: path.join(tempDir(), 'nf.sqlite') }), 100);
});

describePostgres('login throttle on PostgreSQL', () => {
  let schema: Awaited<ReturnType<typeof createSchema>>;
  beforeEach(async () => {
    schema = await createSchema();
  });
  afterEach(async () => {
    await schema.drop();
  });

  throttleContract(() => connect({ type: 'postgres', url: POSTGRES_URL }, schema.schema), 25);
});
