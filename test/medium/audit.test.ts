import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { getSuite, MlDsaSigningKey } from '@nf/pqc';
import { Registry } from 'prom-client';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEntryEntity } from '../../apps/api/src/audit/audit.entity';
import { AUDIT_SIGNATURE_CONTEXT } from '../../apps/api/src/audit/audit.hash';
import { AuditSecretError } from '../../apps/api/src/audit/audit.guard';
import { AuditMetrics } from '../../apps/api/src/audit/audit.metrics';
import { AuditRepository } from '../../apps/api/src/audit/audit.repository';
import { AuditInputError, AuditService } from '../../apps/api/src/audit/audit.service';
import { IdentitySigner } from '../../apps/api/src/audit/identity-signer';
import { isUniqueViolation } from '../../apps/api/src/database/columns';
import { dataSourceOptions } from '../../apps/api/src/database/database.options';
import { runMigrations } from '../../apps/api/src/database/migrator';
import { tempDir } from '../support/env';
import { createSchema, describePostgres, POSTGRES_URL } from '../support/postgres';

/** Real ML-DSA-65 keys per version, like the keystore's identity keys; `active` signs. */
class TestSigner extends IdentitySigner {
  private readonly mlDsa = getSuite('X-Wing+ML-DSA-65').provider.mlDsa65;
  private readonly keys = new Map<number, MlDsaSigningKey>();
  active = 1;

  constructor(versions = [1, 2]) {
    super();
    for (const version of versions) this.keys.set(version, this.mlDsa.signingKey(randomBytes(32)));
  }

  signWithIdentity(message: Uint8Array, context: string) {
    return { keyVersion: this.active, signature: this.keys.get(this.active)!.sign(message, new TextEncoder().encode(context)) };
  }

  verifyIdentitySignature(keyVersion: number, message: Uint8Array, signature: Uint8Array, context: string): boolean {
    const key = this.keys.get(keyVersion);
    return key !== undefined && this.mlDsa.verify(key.publicKey, message, signature, new TextEncoder().encode(context));
  }
}

const admin = { type: 'admin' as const, id: 'admin-1', name: 'Ada' };

/** Verification reads at most 3 entries a page here, so every chain test walks several pages. */
class SmallPageRepository extends AuditRepository {
  override pageAfter(afterSeq: number, size: number) {
    return super.pageAfter(afterSeq, Math.min(size, 3));
  }
}

function auditOn(ds: DataSource, signer: IdentitySigner, registry = new Registry()) {
  const metrics = new AuditMetrics(registry);
  return { service: new AuditService(new SmallPageRepository(ds), signer, metrics), registry };
}

async function recordMany(service: AuditService, n: number, action = 'rotation_requested'): Promise<void> {
  for (let i = 0; i < n; i++) await service.record({ actor: admin, action, target: `key:${i}`, details: { i } });
}

function expectGaplessChain(rows: AuditEntryEntity[], n: number): void {
  expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  rows.forEach((row, i) => expect(row.prevHash).toBe(i === 0 ? '0'.repeat(64) : rows[i - 1].hash));
}

function auditContract(connect: () => Promise<DataSource>) {
  let ds: DataSource;
  let signer: TestSigner;
  let service: AuditService;
  let registry: Registry;
  const rows = () => ds.getRepository(AuditEntryEntity).find({ order: { seq: 'ASC' } });
  const tamper = (seq: number, set: Partial<AuditEntryEntity>) =>
    ds.createQueryBuilder().update(AuditEntryEntity).set(set).where('seq = :seq', { seq }).execute();

  beforeEach(async () => {
    ds = await connect();
    await runMigrations(ds);
    signer = new TestSigner();
    ({ service, registry } = auditOn(ds, signer));
  });
  afterEach(async () => {
    await ds.destroy();
  });

  it('appends signed, hash-chained entries from seq 1 and verifies the chain', async () => {
    const first = await service.record({
      actor: admin, action: 'rotation_approved', target: 'key:2', details: { z: 1, a: { reason: 'quarterly' } },
      keyVersionBefore: 1, keyVersionAfter: 2,
    });
    expect(first).toMatchObject({
      seq: 1, actor: admin, action: 'rotation_approved', target: 'key:2', details: { a: { reason: 'quarterly' }, z: 1 },
      keyVersionBefore: 1, keyVersionAfter: 2, prevHash: '0'.repeat(64), sigKeyVersion: 1,
    });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(signer.verifyIdentitySignature(1, Buffer.from(first.hash, 'hex'), Buffer.from(first.signature, 'base64url'), AUDIT_SIGNATURE_CONTEXT)).toBe(true);
    const second = await service.record({ actor: { type: 'system' }, action: 'rotation_executed' });
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash, actor: { type: 'system', id: null, name: null }, details: {}, target: null });

    const stored = await rows();
    expect(stored[0].details).toBe('{"a":{"reason":"quarterly"},"z":1}');
    expect(typeof stored[0].at).toBe('number');
    await expect(service.verifyChain()).resolves.toEqual({ ok: true, entries: 2, checkedAt: expect.any(Number) });
    expect(await registry.getSingleMetricAsString('nf_audit_chain_ok')).toMatch(/^nf_audit_chain_ok 1$/m);
  });

  it('verifies an empty log', async () => {
    await expect(service.verifyChain()).resolves.toEqual({ ok: true, entries: 0, checkedAt: expect.any(Number) });
  });

  it('verifies entries signed under an older key version after rotation', async () => {
    await recordMany(service, 2);
    signer.active = 2;
    await recordMany(service, 2);
    expect((await rows()).map((r) => r.sigKeyVersion)).toEqual([1, 1, 2, 2]);
    await expect(service.verifyChain()).resolves.toEqual({ ok: true, entries: 4, checkedAt: expect.any(Number) });
  });

  it('lists newest first with filters and seq pagination', async () => {
    const t0 = Date.now();
    await service.record({ actor: admin, action: 'login_succeeded' });
    await service.record({ actor: { type: 'admin', id: 'admin-2' }, action: 'login_failed' });
    await service.record({ actor: admin, action: 'rotation_requested' });
    await service.record({ actor: admin, action: 'login_succeeded' });
    expect((await service.list()).map((e) => e.seq)).toEqual([4, 3, 2, 1]);
    expect((await service.list({ action: 'login_succeeded' })).map((e) => e.seq)).toEqual([4, 1]);
    expect((await service.list({ actorId: 'admin-2' })).map((e) => e.seq)).toEqual([2]);
    expect((await service.list({ limit: 2 })).map((e) => e.seq)).toEqual([4, 3]);
    expect((await service.list({ limit: 2, beforeSeq: 3 })).map((e) => e.seq)).toEqual([2, 1]);
    expect(await service.list({ since: Date.now() + 60_000 })).toEqual([]);
    expect(await service.list({ until: t0 - 1 })).toEqual([]);
    expect((await service.list({ since: t0, until: Date.now() })).length).toBe(4);
    const [newest] = await service.list({ limit: 1 });
    expect(Object.keys(newest).sort()).toEqual([
      'action', 'actor', 'at', 'details', 'hash', 'keyVersionAfter', 'keyVersionBefore', 'prevHash', 'seq', 'sigKeyVersion', 'signature', 'target',
    ]);
  });

  it('counts entries by known action, anything else as "other", and stores the real action', async () => {
    await service.record({ actor: admin, action: 'login_failed' });
    await service.record({ actor: admin, action: 'custom_thing' });
    const text = await registry.getSingleMetricAsString('nf_audit_entries_total');
    expect(text).toMatch(/^nf_audit_entries_total\{action="login_failed"\} 1$/m);
    expect(text).toMatch(/^nf_audit_entries_total\{action="other"\} 1$/m);
    expect(text).not.toContain('custom_thing');
    expect((await rows())[1].action).toBe('custom_thing');
  });

  it('refuses secrets and malformed input, and stores nothing', async () => {
    await expect(service.record({ actor: admin, action: 'password_changed', details: { newPassword: 'hunter2' } })).rejects.toThrow(AuditSecretError);
    await expect(service.record({ actor: admin, action: 'login_failed', details: { headers: { authorization: 'x' } } })).rejects.toThrow(AuditSecretError);
    await expect(service.record({ actor: { type: 'root' as 'admin' }, action: 'x' })).rejects.toThrow(/actor.type/);
    await expect(service.record({ actor: admin, action: '' })).rejects.toThrow(AuditInputError);
    await expect(service.record({ actor: admin, action: 'a'.repeat(65) })).rejects.toThrow(/action must be a non-empty string of at most 64/);
    await expect(service.record({ actor: admin, action: 'login_failed', target: 'admin:1\nseq 99 forged' })).rejects.toThrow(/control characters/);
    await expect(service.record({ actor: admin, action: 'x', keyVersionAfter: 1.5 })).rejects.toThrow(/keyVersionAfter/);
    await expect(service.record({ actor: admin, action: 'x', details: [] as unknown as Record<string, unknown> })).rejects.toThrow(/plain JSON object/);
    await expect(service.record({ actor: admin, action: 'x', details: { at: new Date() } })).rejects.toThrow(/details.at is not a JSON value/);
    await expect(service.record({ actor: admin, action: 'x', details: { blob: 'x'.repeat(17_000) } })).rejects.toThrow(/exceed/);
    expect(await rows()).toEqual([]);
  });

  describe("recordWith: the caller's writes and the entry commit together", () => {
    const works = async () => (await ds.query(`SELECT id FROM ${workTable(ds)} ORDER BY id`)).map((r: { id: string }) => r.id);
    const insertWork = (id: string) => (manager: EntityManager) => insertInto(manager, ds, id);

    beforeEach(async () => {
      await ds.query(`CREATE TABLE ${workTable(ds)} (id varchar(36) PRIMARY KEY)`);
    });

    it("stores both, hands work's result to the entry, and returns it", async () => {
      const result = await service.recordWith(
        (n: number) => ({ actor: admin, action: 'rotation_approved', details: { approvals: n } }),
        async (manager) => {
          await insertWork('w1')(manager);
          return 2;
        },
      );
      expect(result).toBe(2);
      expect(await works()).toEqual(['w1']);
      expect((await rows()).map((r) => [r.seq, r.action, r.details])).toEqual([[1, 'rotation_approved', '{"approvals":2}']]);
      await expect(service.verifyChain()).resolves.toEqual({ ok: true, entries: 1, checkedAt: expect.any(Number) });
    });

    it('stores neither when work throws, and passes its error on untouched', async () => {
      const failure = new Error('work failed after its write');
      await expect(
        service.recordWith({ actor: admin, action: 'rotation_requested' }, async (manager) => {
          await insertWork('w1')(manager);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await works()).toEqual([]);
      expect(await rows()).toEqual([]);
      await service.record({ actor: admin, action: 'rotation_requested' });
      expectGaplessChain(await rows(), 1);
    });

    it('stores neither when the entry is refused or cannot be signed', async () => {
      await expect(service.recordWith(() => ({ actor: admin, action: 'x', details: { password: 'hunter2' } }), insertWork('w1'))).rejects.toThrow(AuditSecretError);
      const sign = jest.spyOn(signer, 'signWithIdentity').mockImplementationOnce(() => {
        throw new Error('keystore unavailable');
      });
      await expect(service.recordWith({ actor: admin, action: 'rotation_requested' }, insertWork('w2'))).rejects.toThrow('keystore unavailable');
      sign.mockRestore();
      expect(await works()).toEqual([]);
      expect(await rows()).toEqual([]);
    });

    it("does not retry a unique violation raised by work (it is the caller's answer)", async () => {
      await service.recordWith({ actor: admin, action: 'rotation_approved' }, insertWork('vote'));
      let runs = 0;
      const again = service.recordWith({ actor: admin, action: 'rotation_approved' }, async (manager) => {
        runs++;
        await insertWork('vote')(manager);
      });
      await expect(again).rejects.toMatchObject({ name: 'QueryFailedError' });
      expect(isUniqueViolation(await again.catch((e: unknown) => e))).toBe(true);
      expect(runs).toBe(1);
      expect((await rows()).length).toBe(1);
    });

    it('runs work serialised with every other append: a check-then-insert in work admits exactly one', async () => {
      const claim = (i: number) =>
        service.recordWith({ actor: admin, action: 'rotation_requested', details: { i } }, async (manager) => {
          const [{ n }] = await manager.query(`SELECT COUNT(*) AS n FROM ${workTable(ds)}`);
          if (Number(n) > 0) throw new Error('already claimed');
          await insertWork(`claim-${i}`)(manager);
        });
      const outcomes = await Promise.allSettled([...Array.from({ length: 8 }, (_, i) => claim(i)), recordMany(service, 4, 'login_failed')]);
      expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBe(2); // one claim, and recordMany
      expect(await works()).toHaveLength(1);
      expectGaplessChain(await rows(), 5);
      await expect(service.verifyChain()).resolves.toEqual({ ok: true, entries: 5, checkedAt: expect.any(Number) });
    });
  });

  describe('tampering in SQL is found at the right entry', () => {
    beforeEach(async () => {
      await recordMany(service, 4);
    });

    it.each<[string, (row: AuditEntryEntity) => Partial<AuditEntryEntity>, string]>([
      ['details', () => ({ details: '{"i":99}' }), 'hash mismatch'],
      ['action', () => ({ action: 'rotation_cancelled' }), 'hash mismatch'],
      ['at', (row) => ({ at: row.at + 1 }), 'hash mismatch'],
      ['actor_id', () => ({ actorId: 'someone-else' }), 'hash mismatch'],
      ['key_version_after', () => ({ keyVersionAfter: 9 }), 'hash mismatch'],
      ['hash', () => ({ hash: 'ab'.repeat(32) }), 'hash mismatch'],
      ['prev_hash', () => ({ prevHash: 'cd'.repeat(32) }), 'broken link to previous'],
      ['signature', (row) => ({ signature: flipLastChar(row.signature) }), 'bad signature'],
      ['sig_key_version', () => ({ sigKeyVersion: 2 }), 'bad signature'],
    ])('%s', async (_column, change, reason) => {
      const [, row2] = await rows();
      await tamper(2, change(row2));
      await expect(service.verifyChain()).resolves.toEqual({ ok: false, entries: 4, firstBroken: { seq: 2, reason }, checkedAt: expect.any(Number) });
      expect(await registry.getSingleMetricAsString('nf_audit_chain_ok')).toMatch(/^nf_audit_chain_ok 0$/m);
    });

    it('an edit re-hashed down the whole chain still fails on the signature', async () => {
      const all = await rows();
      // The forger can recompute every hash and link, but cannot sign: borrow seq 3's signature.
      const { entryHash } = await import('../../apps/api/src/audit/audit.hash');
      let prev = all[0].hash;
      for (const row of all.slice(1)) {
        const forged = { ...row, prevHash: prev, details: row.seq === 2 ? '{"i":99}' : row.details };
        forged.hash = entryHash(forged);
        await tamper(row.seq, { details: forged.details, prevHash: forged.prevHash, hash: forged.hash });
        prev = forged.hash;
      }
      await tamper(2, { signature: all[2].signature });
      await expect(service.verifyChain()).resolves.toEqual({ ok: false, entries: 4, firstBroken: { seq: 2, reason: 'bad signature' }, checkedAt: expect.any(Number) });
    });

    it('a deleted entry in the middle', async () => {
      await ds.getRepository(AuditEntryEntity).delete({ seq: 3 });
      await expect(service.verifyChain()).resolves.toEqual({ ok: false, entries: 3, firstBroken: { seq: 3, reason: 'missing seq' }, checkedAt: expect.any(Number) });
    });

    it('a deleted first entry', async () => {
      await ds.getRepository(AuditEntryEntity).delete({ seq: 1 });
      await expect(service.verifyChain()).resolves.toMatchObject({ ok: false, firstBroken: { seq: 1, reason: 'missing seq' } });
    });
  });

  it('keeps the chain gapless under 20 concurrent appends', async () => {
    const views = await Promise.all(
      Array.from({ length: 20 }, (_, i) => service.record({ actor: admin, action: 'api_key_created', details: { i } })),
    );
    expect(views.map((v) => v.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expectGaplessChain(await rows(), 20);
    await expect(service.verifyChain()).resolves.toEqual({ ok: true, entries: 20, checkedAt: expect.any(Number) });
  });
}

/** A scratch table for recordWith's work, in the test's own schema on Postgres. */
function workTable(ds: DataSource): string {
  const schema = (ds.options as { schema?: string }).schema;
  return schema ? `"${schema}".nf_test_work` : 'nf_test_work';
}

function insertInto(manager: EntityManager, ds: DataSource, id: string): Promise<unknown> {
  return manager.query(`INSERT INTO ${workTable(ds)} (id) VALUES (${ds.options.type === 'postgres' ? '$1' : '?'})`, [id]);
}

function flipLastChar(b64url: string): string {
  const last = b64url.at(-2)!; // not the final char: its low bits may be padding
  return b64url.slice(0, -2) + (last === 'A' ? 'B' : 'A') + b64url.slice(-1);
}

const connect = (options: Parameters<typeof dataSourceOptions>[0], schema?: string) =>
  new DataSource({ ...dataSourceOptions(options, { schema }), entities: [AuditEntryEntity] }).initialize();

describe('audit log on SQLite', () => {
  auditContract(() => connect({ type: 'sqlite', path: path.join(tempDir(), 'audit.sqlite') }));
});

describePostgres('audit log on PostgreSQL', () => {
  let schema: Awaited<ReturnType<typeof createSchema>>;
  beforeEach(async () => {
    schema = await createSchema();
  });
  afterEach(async () => {
    await schema.drop();
  });

  auditContract(() => connect({ type: 'postgres', url: POSTGRES_URL }, schema.schema));

  it('two replicas running check-then-insert work in recordWith at once: exactly one inserts', async () => {
    const replicas = await Promise.all([1, 2].map(() => connect({ type: 'postgres', url: POSTGRES_URL }, schema.schema)));
    try {
      await runMigrations(replicas[0]);
      await replicas[0].query(`CREATE TABLE ${workTable(replicas[0])} (id varchar(36) PRIMARY KEY)`);
      const signer = new TestSigner();
      const services = replicas.map((ds) => auditOn(ds, signer).service);
      const outcomes = await Promise.allSettled(
        services.flatMap((service, r) =>
          Array.from({ length: 4 }, (_, i) =>
            service.recordWith({ actor: { type: 'system', id: `replica-${r}` }, action: 'rotation_requested', details: { i } }, async (manager) => {
              const [{ n }] = await manager.query(`SELECT COUNT(*) AS n FROM ${workTable(replicas[r])}`);
              if (Number(n) > 0) throw new Error('already claimed');
              await insertInto(manager, replicas[r], `replica-${r}-${i}`);
            }),
          ),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(await replicas[1].query(`SELECT id FROM ${workTable(replicas[1])}`)).toHaveLength(1);
      await expect(services[1].verifyChain()).resolves.toEqual({ ok: true, entries: 1, checkedAt: expect.any(Number) });
    } finally {
      await Promise.all(replicas.map((ds) => ds.destroy()));
    }
  });

  it('two replicas appending at once build one gapless chain that verifies', async () => {
    const replicas = await Promise.all([1, 2].map(() => connect({ type: 'postgres', url: POSTGRES_URL }, schema.schema)));
    try {
      await runMigrations(replicas[0]);
      const signer = new TestSigner();
      const services = replicas.map((ds) => auditOn(ds, signer).service);
      await Promise.all(
        services.flatMap((service, r) =>
          Array.from({ length: 10 }, (_, i) => service.record({ actor: { type: 'system', id: `replica-${r}` }, action: 'rotation_executed', details: { i } })),
        ),
      );
      const rows = await replicas[1].getRepository(AuditEntryEntity).find({ order: { seq: 'ASC' } });
      expectGaplessChain(rows, 20);
      expect(new Set(rows.map((r) => r.actorId))).toEqual(new Set(['replica-0', 'replica-1']));
      await expect(services[1].verifyChain()).resolves.toEqual({ ok: true, entries: 20, checkedAt: expect.any(Number) });
    } finally {
      await Promise.all(replicas.map((ds) => ds.destroy()));
    }
  });
});
