import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentAdmin } from '../auth/auth.decorators';
import type { KeysView } from '@nf/contracts';
import { KeyService } from '../pqc/keystore/key.service';
import { AmendRotationDto, CreateRotationDto, ListRotationsQuery, MinVersionDto, RejectDto, VoteDto } from './rotation.dto';
import { Actor, RotationService, RotationView } from './rotation.service';

const uuid = new ParseUUIDPipe({ version: '4' });

@ApiTags('keys')
@Controller('pqc')
export class RotationController {
  constructor(
    private readonly rotations: RotationService,
    private readonly keys: KeyService,
  ) {}

  @Get('keys')
  @AdminOnly('viewer')
  @ApiOperation({ summary: 'Key versions with their states and identity pins, the minimum version and the active bundle fingerprint' })
  async keyVersions(): Promise<KeysView> {
    await this.keys.refresh();
    const active = this.keys.active();
    return {
      activeVersion: active.version,
      minVersion: this.keys.minVersion,
      algorithm: active.suite,
      sha256: active.identitySha256,
      bundleSha256: active.bundleSha256,
      bundleNotAfter: active.bundle.notAfter,
      versions: this.keys.versions(),
    };
  }

  @Put('keys/min-version')
  @HttpCode(202)
  @AdminOnly('admin')
  @ApiOperation({
    summary: 'Request a new minimum key version (it can end or revive every session): it applies once enough other admins approve',
    description: 'Creates a PENDING request of kind min-version under the two-person rule; approve, reject or cancel it under /pqc/rotations/:id.',
  })
  @ApiResponse({ status: 202, description: 'PENDING request of kind min-version' })
  @ApiResponse({ status: 400, description: 'outside 1..active version, or no reason' })
  @ApiResponse({ status: 409, description: 'another request is still open' })
  requestMinVersion(@CurrentAdmin() admin: Actor, @Body() body: MinVersionDto): Promise<RotationView> {
    return this.rotations.request(admin, { kind: 'min-version', reason: body.reason, minVersion: body.minVersion });
  }

  @Post('rotations')
  @AdminOnly('admin')
  @ApiOperation({ summary: 'Request a key rotation; it executes once enough other admins approve' })
  @ApiResponse({ status: 201, description: 'PENDING request' })
  @ApiResponse({ status: 409, description: 'another request is still open' })
  request(@CurrentAdmin() admin: Actor, @Body() body: CreateRotationDto): Promise<RotationView> {
    return this.rotations.request(admin, { kind: 'rotate', reason: body.reason, graceSeconds: body.graceSeconds });
  }

  @Get('rotations')
  @AdminOnly('viewer')
  @ApiOperation({ summary: 'Rotation requests, newest first' })
  list(@Query() query: ListRotationsQuery): Promise<RotationView[]> {
    return this.rotations.list(query.status);
  }

  @Get('rotations/:id')
  @AdminOnly('viewer')
  @ApiOperation({ summary: 'One rotation request with its votes' })
  @ApiResponse({ status: 404 })
  get(@Param('id', uuid) id: string): Promise<RotationView> {
    return this.rotations.get(id);
  }

  @Patch('rotations/:id')
  @AdminOnly('admin')
  @ApiOperation({ summary: 'Change a pending request (requester only); earlier approvals stop counting' })
  amend(@CurrentAdmin() admin: Actor, @Param('id', uuid) id: string, @Body() body: AmendRotationDto): Promise<RotationView> {
    return this.rotations.amend(admin, id, body);
  }

  @Post('rotations/:id/approve')
  @HttpCode(200)
  @AdminOnly('admin')
  @ApiOperation({ summary: 'Approve (not your own request); on quorum the request executes' })
  @ApiResponse({ status: 403, description: 'the requester cannot approve' })
  @ApiResponse({ status: 409, description: 'already voted, request changed, or no longer pending' })
  @ApiResponse({ status: 410, description: 'request expired' })
  approve(@CurrentAdmin() admin: Actor, @Param('id', uuid) id: string, @Body() body: VoteDto): Promise<RotationView> {
    return this.rotations.approve(admin, id, body.requestHash);
  }

  @Post('rotations/:id/reject')
  @HttpCode(200)
  @AdminOnly('admin')
  @ApiOperation({ summary: 'Reject, saying why: any rejection ends the request' })
  @ApiResponse({ status: 400, description: 'no reason (10 to 500 characters) or no requestHash' })
  reject(@CurrentAdmin() admin: Actor, @Param('id', uuid) id: string, @Body() body: RejectDto): Promise<RotationView> {
    return this.rotations.reject(admin, id, body.requestHash, body.reason);
  }

  @Post('rotations/:id/cancel')
  @HttpCode(200)
  @AdminOnly('admin')
  @ApiOperation({ summary: 'Cancel your own pending request' })
  cancel(@CurrentAdmin() admin: Actor, @Param('id', uuid) id: string): Promise<RotationView> {
    return this.rotations.cancel(admin, id);
  }
}
