import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { createKeyChain, HandshakeInfoJson, HandshakeResponseJson, isPqcProtocolError, KeyChainJson, PqcErrorCode, SealedEnvelope } from '@nf/pqc';
import { FastifyReply } from 'fastify';
import type { RouteErrorCodes } from '../../http/all-exceptions.filter';
import { CurrentTenant, TenantAuth, TenantPrincipal } from '../../auth/auth.decorators';
import { KeyService } from '../keystore/key.service';
import { SessionStore } from '../sessions/session.store';
import { HandshakeService, protocolHttpError } from './handshake.service';

const b64 = { type: 'string', format: 'base64url' } as const;

/** Protocol clients dispatch on `code`: the body errors these routes answer before their handler get one too. */
export const PQC_BODY_ERROR_CODES: RouteErrorCodes = {
  paths: ['/pqc/handshake', '/pqc/echo'],
  byStatus: { 400: 'bad_encoding', 413: 'body_too_large' } satisfies Record<number, PqcErrorCode>,
};

@ApiTags('pqc')
@Controller('pqc')
export class HandshakeController {
  constructor(
    private readonly handshakes: HandshakeService,
    private readonly keys: KeyService,
    private readonly sessions: SessionStore,
  ) {}

  @Get('handshake')
  @ApiOperation({
    summary: 'The signed key bundle to pin and handshake against',
    description:
      '`sha256` is the identity pin clients pin: SHA-256 of the bundle\'s ML-DSA-65 identity public key, the same across bundle renewals. ' +
      '`bundleSha256` is the bundle fingerprint a hello binds to (it changes when the bundle is re-signed). See docs/protocol/pqc-handshake.md.',
  })
  @ApiResponse({ status: 200, description: '{status:"ok", algorithm, sha256, bundleSha256, bundle}' })
  @ApiResponse({ status: 503, description: 'keystore unusable: {status:"unavailable", reason}' })
  info(@Res({ passthrough: true }) reply: FastifyReply): HandshakeInfoJson | { status: string; reason: string } {
    const status = this.keys.status;
    if (!status.ok) {
      reply.status(503);
      return { status: 'unavailable', reason: status.reason };
    }
    return status.key.info;
  }

  @Get('handshake/chain')
  @ApiOperation({
    summary: 'Older key versions\' bundles, for clients whose pinned identity was rotated since',
    description:
      'Stored bundles of the versions from the minimum key version up to (not including) the active one, oldest first. Each carries the `previous` ' +
      'cross-signature by the version before it, so a client walks from its pinned identity to the served bundle (§4.4).',
  })
  @ApiResponse({ status: 200, description: '{bundles: [bundle, ...]}' })
  @ApiResponse({ status: 503, description: 'keystore unusable: {status:"unavailable", reason}' })
  chain(@Res({ passthrough: true }) reply: FastifyReply): KeyChainJson | { status: string; reason: string } {
    const status = this.keys.status;
    if (!status.ok) {
      reply.status(503);
      return { status: 'unavailable', reason: status.reason };
    }
    return createKeyChain(status.key.chain);
  }

  @Post('handshake')
  @HttpCode(200)
  @TenantAuth()
  @ApiOperation({
    summary: 'KEM-authenticated handshake: ClientHello in, session out',
    description: 'The client encapsulates to the bundle KEM key and sends an ephemeral public key (forward secrecy). '
      + 'The response carries the session id, expiry, key version, transcript sha256 and the server key confirmation.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['v', 'suite', 'keyVersion', 'bundleSha256', 'clientNonce', 'timestamp', 'ephemeralPublicKey', 'ciphertext'],
      properties: {
        v: { type: 'integer', enum: [1] },
        suite: { type: 'string', enum: ['X-Wing+ML-DSA-65', 'ML-KEM-768+ML-DSA-65'] },
        keyVersion: { type: 'integer' },
        bundleSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        clientNonce: b64,
        timestamp: { type: 'integer', description: 'client time, ms since epoch' },
        ephemeralPublicKey: b64,
        ciphertext: b64,
        receipt: { type: 'boolean', description: 'ask for an ML-DSA-signed receipt of the transcript' },
      },
    },
  })
  @ApiResponse({ status: 200, description: 'session established' })
  @ApiResponse({ status: 400, description: 'malformed hello: wrong length, bad encoding, invalid key, suite mismatch' })
  @ApiResponse({ status: 401, description: 'stale timestamp' })
  @ApiResponse({ status: 404, description: 'unknown key version' })
  @ApiResponse({ status: 409, description: 'replayed hello, or hello for another bundle' })
  handshake(@Body() hello: unknown, @CurrentTenant() tenant: TenantPrincipal): Promise<HandshakeResponseJson> {
    return this.handshakes.respond(hello, tenant.apiKeyId);
  }

  @Post('echo')
  @HttpCode(200)
  @TenantAuth()
  @ApiOperation({
    summary: 'Sealed echo: proves a session works end to end',
    description: 'Body is a sealed envelope {sessionId, seq, cipher, nonce, ciphertext}; the answer seals the same plaintext back.',
  })
  @ApiResponse({ status: 200, description: 'sealed envelope (server to client)' })
  @ApiResponse({ status: 401, description: 'tampered or replayed envelope' })
  @ApiResponse({ status: 404, description: 'unknown session, or a session made with another API key' })
  @ApiResponse({ status: 410, description: 'session expired' })
  async echo(@Body() envelope: unknown, @CurrentTenant() tenant: TenantPrincipal): Promise<SealedEnvelope> {
    try {
      return await this.sessions.exchange(envelope, { apiKeyId: tenant.apiKeyId }, async (plaintext) => plaintext);
    } catch (error) {
      throw isPqcProtocolError(error) ? protocolHttpError(error) : error;
    }
  }
}
