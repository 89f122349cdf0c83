import { createHmac } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import { AuditEntryEntity } from './audit.entity';
import { GENESIS_HASH } from './audit.hash';
import { AuditMetrics } from './audit.metrics';
import { AuditMatch, AuditQuery, AuditRepository, ChainHead } from './audit.repository';
import { AuditService } from './audit.service';
import { IdentitySigner } from './identity-signer';

/** The log in memory, in seq order; tests edit and delete rows in place as an attacker would. */
class MemoryAuditRepository {
  rows: AuditEntryEntity[] = [];
  /** Calls to list and counts: the queries a page of GET /audit costs. */
  queries = 0;

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

  async list(query: AuditQuery): Promise<AuditEntryEntity[]> {
    this.queries++;
    const { beforeSeq, afterSeq } = query;
    const rows = this.matching(query).filter((r) => (beforeSeq === undefined || r.seq < beforeSeq) && (afterSeq === undefined || r.seq > afterSeq));
    if (afterSeq !== undefined && beforeSeq === undefined) return rows.slice(0, query.limit).reverse();
    return rows.reverse().slice(0, query.limit);
  }

  async counts(match: AuditMatch, aboveSeq?: number): Promise<{ total: number; above: number }> {
    this.queries++;
    const rows = this.matching(match);
    return { total: rows.length, above: aboveSeq === undefined ? 0 : rows.filter((r) => r.seq > aboveSeq).length };
  }

  private matching(match: AuditMatch): AuditEntryEntity[] {
    return this.rows.filter((r) => (match.action === undefined || r.action === match.action) && (match.actorId === undefined || r.actorId === match.actorId)
      && (match.actorName === undefined || r.actorName === match.actorName) && (match.since === undefined || r.at >= match.since)
      && (match.until === undefined || r.at <= match.until));
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

describe('AuditService.page: where a page lies, from one list and the counts', () => {
  let repository: MemoryAuditRepository;
  let service: AuditService;
  const seqs = (page: { entries: { seq: number }[] }) => page.entries.map((e) => e.seq);

  beforeEach(async () => {
    repository = new MemoryAuditRepository();
    service = new AuditService(repository as unknown as AuditRepository, new CountingSigner(), new AuditMetrics(new Registry()));
    // Seqs 1..7; the odd ones are logins, the even ones rotations.
    for (let i = 1; i <= 7; i++) await service.record({ actor: { type: 'system' }, action: i % 2 ? 'login_succeeded' : 'rotation_requested' });
    repository.queries = 0;
  });

  it('offers nextBeforeSeq while older entries remain, not on the last page', async () => {
    const first = await service.page({ limit: 3 });
    expect(first).toEqual({ entries: expect.anything(), total: 7, newer: 0, nextBeforeSeq: 5 });
    expect(seqs(first)).toEqual([7, 6, 5]);
    const middle = await service.page({ limit: 3, beforeSeq: 5 });
    expect(middle).toMatchObject({ total: 7, newer: 3, nextBeforeSeq: 2 });
    expect(seqs(middle)).toEqual([4, 3, 2]);
    const last = await service.page({ limit: 3, beforeSeq: 2 });
    expect(seqs(last)).toEqual([1]);
    expect(last).toEqual({ entries: expect.anything(), total: 7, newer: 6 });
    // A page that ends exactly at the oldest entry is the last one too.
    expect(await service.page({ limit: 4, beforeSeq: 5 })).not.toHaveProperty('nextBeforeSeq');
    expect(await service.page({ limit: 7 })).not.toHaveProperty('nextBeforeSeq');
  });

  it('counts only entries that match the filter: older non-matching entries do not make a next page', async () => {
    const first = await service.page({ action: 'rotation_requested', limit: 2 });
    expect(seqs(first)).toEqual([6, 4]);
    expect(first).toMatchObject({ total: 3, newer: 0, nextBeforeSeq: 4 });
    const last = await service.page({ action: 'rotation_requested', limit: 2, beforeSeq: 4 });
    expect(seqs(last)).toEqual([2]); // seq 1 is older but a login
    expect(last).toEqual({ entries: expect.anything(), total: 3, newer: 2 });
  });

  it('places a newer page (afterSeq) the same way', async () => {
    const back = await service.page({ action: 'login_succeeded', limit: 2, afterSeq: 1 });
    expect(seqs(back)).toEqual([5, 3]);
    expect(back).toMatchObject({ total: 4, newer: 1, nextBeforeSeq: 3 });
    const top = await service.page({ action: 'login_succeeded', limit: 2, afterSeq: 3 });
    expect(seqs(top)).toEqual([7, 5]);
    expect(top).toMatchObject({ total: 4, newer: 0, nextBeforeSeq: 5 });
  });

  it('answers an empty page without a next one', async () => {
    expect(await service.page({ since: Date.now() + 60_000 })).toEqual({ entries: [], total: 0, newer: 0 });
    expect(await service.page({ beforeSeq: 1 })).toEqual({ entries: [], total: 7, newer: 7 });
  });

  it('costs one list and the counts, however the page lies', async () => {
    for (const filter of [{ limit: 3 }, { limit: 3, beforeSeq: 5 }, { limit: 3, beforeSeq: 2 }, { action: 'rotation_requested', limit: 2, beforeSeq: 4 }]) {
      repository.queries = 0;
      await service.page(filter);
      expect(repository.queries).toBe(2);
    }
  });
});
