import { createHmac } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { AuditEntryEntity } from './audit.entity';
import { GENESIS_HASH } from './audit.hash';
import { AuditMetrics } from './audit.metrics';
import { AuditRepository, ChainHead } from './audit.repository';
import { AuditService } from './audit.service';
import { IdentitySigner } from './identity-signer';

/** The log in memory, in seq order; tests edit and delete rows in place as an attacker would. */
class MemoryAuditRepository {
  rows: AuditEntryEntity[] = [];

  async append(build: (head: ChainHead) => AuditEntryEntity): Promise<AuditEntryEntity> {
    const last = this.rows.at(-1);
    const entry = build(last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH });
    this.rows.push(entry);
    return entry;
  }

  async pageAfter(afterSeq: number, size: number): Promise<AuditEntryEntity[]> {
    return this.rows.filter((r) => r.seq > afterSeq).slice(0, Math.min(size, 2)); // small pages: walks span several
  }

  async count(): Promise<number> {
    return this.rows.length;
  }
}

/** An HMAC stands in for ML-DSA-65 here: what matters is how many verifications run. */
class CountingSigner extends IdentitySigner {
  verifications = 0;
  private readonly mac = (message: Uint8Array, context: string) => createHmac('sha256', 'test').update(context).update(message).digest();

  signWithIdentity(message: Uint8Array, context: string) {
    return { keyVersion: 1, signature: this.mac(message, context) };
  }

  verifyIdentitySignature(_keyVersion: number, message: Uint8Array, signature: Uint8Array, context: string): boolean {
    this.verifications++;
    return Buffer.from(signature).equals(this.mac(message, context));
  }
}

describe('AuditService.verifyAfter: incremental chain verification', () => {
  let repository: MemoryAuditRepository;
  let signer: CountingSigner;
  let registry: Registry;
  let service: AuditService;
  const genesis: ChainHead = { seq: 0, hash: GENESIS_HASH };
  const headOf = (seq: number): ChainHead => ({ seq, hash: repository.rows[seq - 1].hash });
  const append = async (n: number) => {
    for (let i = 0; i < n; i++) await service.record({ actor: { type: 'system' }, action: 'rotation_requested', details: { i } });
  };
  const chainOk = async () => (await registry.getSingleMetric('nf_audit_chain_ok')!.get()).values.map((v) => v.value);

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation();
    repository = new MemoryAuditRepository();
    signer = new CountingSigner();
    registry = new Registry();
    service = new AuditService(repository as unknown as AuditRepository, signer, new AuditMetrics(registry));
  });
  afterEach(() => jest.restoreAllMocks());

  it('verifies at most `limit` entries a call and goes on from where the last call stopped', async () => {
    await append(5);
    await expect(service.verifyAfter(genesis, 3)).resolves.toEqual({ ok: true, head: headOf(3), verified: 3, complete: false });
    await expect(service.verifyAfter(headOf(3), 3)).resolves.toEqual({ ok: true, head: headOf(5), verified: 2, complete: true });
    await expect(service.verifyAfter(headOf(5), 3)).resolves.toEqual({ ok: true, head: headOf(5), verified: 0, complete: true });
    expect(signer.verifications).toBe(5); // each signature once, however many calls
    await append(1);
    await expect(service.verifyAfter(headOf(5), 3)).resolves.toEqual({ ok: true, head: headOf(6), verified: 1, complete: true });
    expect(signer.verifications).toBe(6);
  });

  it('finds a broken entry after the head, keeping the head at the last entry that held', async () => {
    await append(5);
    await service.verifyChain();
    expect(await chainOk()).toEqual([1]);
    repository.rows[3].details = '{"i":99}';
    await expect(service.verifyAfter(headOf(2), 10)).resolves.toEqual({
      ok: false, head: headOf(3), verified: 1, complete: false, firstBroken: { seq: 4, reason: 'hash mismatch' },
    });
    expect(await chainOk()).toEqual([0]);
  });

  it('finds the head itself edited or deleted, without verifying its signature again', async () => {
    await append(4);
    const head = headOf(3);
    repository.rows[2].action = 'rotation_cancelled';
    await expect(service.verifyAfter(head, 10)).resolves.toMatchObject({ ok: false, head, verified: 0, firstBroken: { seq: 3, reason: 'hash mismatch' } });
    repository.rows.splice(2, 1);
    await expect(service.verifyAfter(head, 10)).resolves.toMatchObject({ ok: false, head, firstBroken: { seq: 3, reason: 'missing seq' } });
    expect(signer.verifications).toBe(0);
  });

  it('does not see an edit before the head: the full walk (verifyChain, GET /audit/verify) does', async () => {
    await append(4);
    repository.rows[0].details = '{"i":99}';
    await expect(service.verifyAfter(headOf(3), 10)).resolves.toMatchObject({ ok: true, head: headOf(4) });
    await expect(service.verifyChain()).resolves.toEqual({ ok: false, entries: 4, firstBroken: { seq: 1, reason: 'hash mismatch' }, checkedAt: expect.any(Number) });
  });
});

describe('AuditService.verifyChain: the full walk verifies each signature once, not on every call', () => {
  let repository: MemoryAuditRepository;
  let signer: CountingSigner;
  let service: AuditService;
  const append = async (n: number) => {
    for (let i = 0; i < n; i++) await service.record({ actor: { type: 'system' }, action: 'rotation_requested', details: { i } });
  };
  const broken = (seq: number, reason: string) => ({ ok: false, entries: expect.any(Number), firstBroken: { seq, reason }, checkedAt: expect.any(Number) });

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation();
    repository = new MemoryAuditRepository();
    signer = new CountingSigner();
    service = new AuditService(repository as unknown as AuditRepository, signer, new AuditMetrics(new Registry()));
  });
  afterEach(() => jest.restoreAllMocks());

  it('verifies the signatures of new entries only (and one per key version already seen, to know the key still verifies)', async () => {
    await append(6);
    await expect(service.verifyChain()).resolves.toMatchObject({ ok: true, entries: 6 });
    expect(signer.verifications).toBe(6);
    await expect(service.verifyChain()).resolves.toMatchObject({ ok: true, entries: 6 });
    expect(signer.verifications).toBe(7);
    await append(3);
    await expect(service.verifyChain()).resolves.toMatchObject({ ok: true, entries: 9 });
    expect(signer.verifications).toBe(7 + 1 + 3);
  });

  it('still finds an entry verified before and edited since: its fields, its signature, or the entry gone', async () => {
    await append(5);
    await service.verifyChain();
    const signature = repository.rows[2].signature;
    repository.rows[2].signature = Buffer.from('forged').toString('base64url');
    await expect(service.verifyChain()).resolves.toEqual(broken(3, 'bad signature'));
    repository.rows[2].signature = signature;
    await expect(service.verifyChain()).resolves.toMatchObject({ ok: true, entries: 5 });
    repository.rows[3].details = '{"i":99}';
    await expect(service.verifyChain()).resolves.toEqual(broken(4, 'hash mismatch'));
    repository.rows.splice(3, 1);
    await expect(service.verifyChain()).resolves.toEqual(broken(4, 'missing seq'));
  });

  it('names the first broken entry even when a forged signature precedes a later edit inside the verified prefix', async () => {
    await append(5);
    await service.verifyChain();
    repository.rows[2].signature = Buffer.from('forged').toString('base64url');
    repository.rows[3].details = '{"i":99}';
    await expect(service.verifyChain()).resolves.toEqual(broken(3, 'bad signature'));
  });

  it('verifies every signature again when entries were cut off the end since (the digest was never reached)', async () => {
    await append(5);
    await service.verifyChain();
    repository.rows.pop();
    repository.rows[1].signature = Buffer.from('forged').toString('base64url');
    await expect(service.verifyChain()).resolves.toEqual(broken(2, 'bad signature'));
  });
});
