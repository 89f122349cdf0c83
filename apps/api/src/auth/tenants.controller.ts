import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { adminActor, AdminPrincipal } from './admin-accounts.service';
import { AdminOnly, CurrentAdmin } from './auth.decorators';
import { CreateTenantDto } from './auth.dto';
import { ApiKeyView, TenantsService, TenantView } from './tenants.service';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('auth')
@Controller('auth')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post('tenants')
  @AdminOnly('admin')
  @ApiOperation({ summary: 'Creates an API consumer (tenant)' })
  @ApiResponse({ status: 201, description: '{id, name, createdAt, apiKeys: []}' })
  @ApiResponse({ status: 400, description: 'invalid name' })
  @ApiResponse({ status: 409, description: 'name taken or reserved' })
  create(@Body() body: CreateTenantDto, @CurrentAdmin() admin: AdminPrincipal): Promise<TenantView> {
    return this.tenants.createTenant(body.name, adminActor(admin));
  }

  @Get('tenants')
  @AdminOnly('viewer')
  @ApiOperation({ summary: 'Tenants and their API keys (prefixes only; secrets are never stored)' })
  @ApiResponse({ status: 200, description: '[{id, name, createdAt, apiKeys:[{id, prefix, createdAt, revokedAt}]}]' })
  list(): Promise<TenantView[]> {
    return this.tenants.list();
  }

  @Post('tenants/:id/api-keys')
  @AdminOnly('admin')
  @ApiOperation({ summary: 'Creates an API key for a tenant; the key is in this answer only', description: 'Consumers send it as `Authorization: Bearer nf_...`.' })
  @ApiResponse({ status: 201, description: '{id, tenantId, prefix, createdAt, revokedAt:null, key}' })
  @ApiResponse({ status: 400, description: 'id is not a UUID' })
  @ApiResponse({ status: 404, description: 'unknown tenant' })
  createKey(@Param('id', uuid) id: string, @CurrentAdmin() admin: AdminPrincipal): Promise<ApiKeyView & { key: string }> {
    return this.tenants.createApiKey(id, adminActor(admin));
  }

  @Delete('api-keys/:id')
  @AdminOnly('admin')
  @ApiOperation({ summary: 'Revokes an API key', description: 'Immediate on this replica; other replicas stop accepting it within AUTH_API_KEY_CACHE_SECONDS.' })
  @ApiResponse({ status: 200, description: 'the key, with revokedAt' })
  @ApiResponse({ status: 400, description: 'id is not a UUID' })
  @ApiResponse({ status: 404, description: 'unknown key' })
  revoke(@Param('id', uuid) id: string, @CurrentAdmin() admin: AdminPrincipal): Promise<ApiKeyView> {
    return this.tenants.revokeApiKey(id, adminActor(admin));
  }
}
