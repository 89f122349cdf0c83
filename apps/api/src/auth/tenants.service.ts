import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { isUniqueViolation } from '../database/columns';
import { AuditActor, AuditService } from '../audit/audit.service';
import { InjectSettings } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { apiKeyHash, generateApiKey } from './api-key';
import { Clock } from '../lifecycle/clock';
import { ApiKeyEntity, TenantEntity } from './auth.entities';
import { NAME_PATTERN, NAME_RULE } from './auth.errors';

export interface TenantPrincipal {
  id: string;
  name: string;
  anonymous: boolean;
  /** The API key that authenticated the request (absent for anonymous simulation traffic). */
  apiKeyId?: string;
}

export const ANONYMOUS_TENANT: TenantPrincipal = Object.freeze({ id: 'anonymous', name: 'anonymous', anonymous: true });

export interface ApiKeyView {
  id: string;
  tenantId: string;
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface TenantView {
  id: string;
  name: string;
  createdAt: number;
  apiKeys: ApiKeyView[];
}

export type KeyLookup = { status: 'ok'; tenant: TenantPrincipal } | { status: 'revoked' } | { status: 'unknown' };

const CACHE_MAX_ENTRIES = 10_000;
const keyView = (k: ApiKeyEntity): ApiKeyView => ({ id: k.id, tenantId: k.tenantId, prefix: k.prefix, createdAt: k.createdAt, revokedAt: k.revokedAt });

/**
 * Tenants and their API keys. Lookups are cached for AUTH_API_KEY_CACHE_SECONDS so the handshake
 * path rarely touches the database; revocation clears this replica's cache at once and reaches the
 * others within that bound.
 */
@Injectable()
export class TenantsService {
  private readonly cache = new Map<string, { lookup: KeyLookup; until: number }>();

  constructor(
    @InjectSettings() private readonly settings: Settings,
    @InjectRepository(TenantEntity) private readonly tenants: Repository<TenantEntity>,
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async createTenant(name: string, actor: AuditActor): Promise<TenantView> {
    if (!NAME_PATTERN.test(name)) throw new BadRequestException({ message: `invalid name: ${NAME_RULE}`, errors: { name: NAME_RULE } });
    if (name === ANONYMOUS_TENANT.name) throw new ConflictException('"anonymous" is reserved for unauthenticated simulation traffic');
    const tenant: TenantEntity = { id: randomUUID(), name, createdAt: this.clock.now() };
    try {
      await this.tenants.insert(tenant);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(`a tenant named "${name}" exists`);
      throw error;
    }
    await this.audit.record({ actor, action: 'tenant_created', target: `tenant:${tenant.id}`, details: { name } });
    return { ...tenant, apiKeys: [] };
  }

  async list(): Promise<TenantView[]> {
    const [tenants, keys] = await Promise.all([this.tenants.find({ order: { name: 'ASC' } }), this.keys.find({ order: { createdAt: 'ASC' } })]);
    return tenants.map((t) => ({ ...t, apiKeys: keys.filter((k) => k.tenantId === t.id).map(keyView) }));
  }

  byName(name: string): Promise<TenantEntity | null> {
    return this.tenants.findOneBy({ name });
  }

  /** A new key; the secret is in the answer only, the database keeps its SHA-256. */
  async createApiKey(tenantId: string, actor: AuditActor): Promise<ApiKeyView & { key: string }> {
    const tenant = await this.tenants.findOneBy({ id: tenantId });
    if (!tenant) throw new NotFoundException(`no tenant ${tenantId}`);
    const { key, sha256, prefix } = generateApiKey();
    const row: ApiKeyEntity = { id: randomUUID(), tenantId, prefix, keySha256: sha256, createdAt: this.clock.now(), revokedAt: null };
    await this.keys.insert(row);
    this.cache.delete(sha256);
    await this.audit.record({ actor, action: 'api_key_created', target: `api_key:${row.id}`, details: { tenantId, tenant: tenant.name, prefix } });
    return { ...keyView(row), key };
  }

  /** Revokes a key (idempotent: revoking twice keeps the first time). */
  async revokeApiKey(id: string, actor: AuditActor): Promise<ApiKeyView> {
    const row = await this.keys.findOneBy({ id });
    if (!row) throw new NotFoundException(`no API key ${id}`);
    if (row.revokedAt === null) {
      row.revokedAt = this.clock.now();
      await this.keys.update({ id }, { revokedAt: row.revokedAt });
      await this.audit.record({ actor, action: 'api_key_revoked', target: `api_key:${id}`, details: { tenantId: row.tenantId, prefix: row.prefix } });
    }
    this.cache.delete(row.keySha256);
    return keyView(row);
  }

  /** Who a presented key belongs to; cached briefly (see class comment). */
  async lookup(key: string): Promise<KeyLookup> {
    const sha256 = apiKeyHash(key);
    const now = this.clock.now();
    const cached = this.cache.get(sha256);
    if (cached && cached.until > now) return cached.lookup;
    const lookup = await this.load(sha256);
    if (this.settings.auth.apiKeyCacheMs > 0) {
      this.cache.delete(sha256);
      this.cache.set(sha256, { lookup, until: now + this.settings.auth.apiKeyCacheMs });
      if (this.cache.size > CACHE_MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    }
    return lookup;
  }

  private async load(sha256: string): Promise<KeyLookup> {
    const row = await this.keys.findOneBy({ keySha256: sha256 });
    if (!row) return { status: 'unknown' };
    if (row.revokedAt !== null) return { status: 'revoked' };
    const tenant = await this.tenants.findOneBy({ id: row.tenantId });
    return tenant ? { status: 'ok', tenant: { id: tenant.id, name: tenant.name, anonymous: false, apiKeyId: row.id } } : { status: 'unknown' };
  }
}
