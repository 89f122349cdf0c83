import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res, UseFilters } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { inferenceAad, isPqcProtocolError, SealedEnvelope } from '@nf/pqc';
import { FastifyReply } from 'fastify';
import { AdminOnly, CurrentTenant, TenantAuth, TenantPrincipal } from '../../auth/auth.decorators';
import { ProbeRegistry } from '../../health/probe-registry';
import { protocolHttpError } from '../../pqc/handshake/handshake.service';
import { SessionStore } from '../../pqc/sessions/session.store';
import { VERSION } from '../../version';
import { GpuInventory } from '../gpu/gpu-inventory';
import { ModelRepository } from '../model-repository.service';
import { InferenceService, V2InferResponse } from './inference.service';
import { badRequest, SealedFailure, V2Error, V2ExceptionFilter, V2Reply } from './v2.errors';

/** Content type of a sealed V2 request (and its sealed reply). */
export const SEALED_CONTENT_TYPE = 'application/nf-sealed+json';

const MODEL_PATHS = ['models/:model', 'models/:model/versions/:version'];
const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

function parseSealedRequest(plaintext: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch {
    throw badRequest('sealed plaintext must be a UTF-8 JSON V2 inference request');
  }
}
const looksSealed = (body: unknown) =>
  typeof body === 'object' && body !== null && ['sessionId', 'seq', 'nonce', 'ciphertext'].every((k) => k in body) && !('inputs' in body);

/**
 * KServe V2 / Open Inference Protocol (REST) plus Triton's model repository extension. Errors
 * answer {"error": "..."} (V2ExceptionFilter), not the service's usual error body.
 */
@ApiTags('inference')
@Controller('v2')
@UseFilters(V2ExceptionFilter)
export class InferenceController {
  constructor(
    private readonly inference: InferenceService,
    private readonly models: ModelRepository,
    private readonly gpus: GpuInventory,
    private readonly probes: ProbeRegistry,
    private readonly sessions: SessionStore,
  ) {}

  /** Shapes errors inside sealed replies exactly as the filter shapes plain ones. */
  private readonly v2Errors = new V2ExceptionFilter();

  @Get()
  @TenantAuth()
  @ApiOperation({ summary: 'Server metadata: name, version, extensions; GPU inventory in parameters' })
  server() {
    return {
      name: 'neural-fabric',
      version: VERSION,
      extensions: ['model_repository', 'nf_sealed_inference'],
      parameters: { gpu_driver: this.gpus.driver, gpus: this.gpus.list() },
    };
  }

  @Get('health/live')
  @ApiOperation({ summary: 'Server live (200)' })
  live() {
    return { live: true };
  }

  @Get('health/ready')
  @ApiOperation({ summary: 'Server ready: 200, or 503 while required models load, a dependency is down or shutting down' })
  @ApiResponse({ status: 503, description: '{"error": "..."}' })
  async ready() {
    const problems: string[] = [];
    if (this.probes.isShuttingDown) problems.push('shutting down');
    const { pending, failed } = this.probes.startupState();
    if (pending.length) problems.push(`starting: ${pending.join(', ')}`);
    for (const [task, why] of Object.entries(failed)) problems.push(`${task} failed: ${why}`);
    for (const check of this.probes.readinessChecks()) {
      try {
        for (const [name, result] of Object.entries(await check())) {
          if (result.status !== 'up') problems.push(`${name} is down`);
        }
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    if (problems.length) throw new V2Error(503, `not ready: ${problems.join('; ')}`);
    return { ready: true };
  }

  @Get(MODEL_PATHS)
  @TenantAuth()
  @ApiOperation({ summary: 'Model metadata: versions, platform, inputs/outputs; simulated, framework and placement' })
  @ApiResponse({ status: 404, description: 'unknown model or version' })
  @ApiResponse({ status: 503, description: 'model not ready' })
  metadata(@Param('model') model: string, @Param('version') version?: string) {
    return this.inference.metadata(model, version);
  }

  @Get(MODEL_PATHS.map((p) => `${p}/ready`))
  @TenantAuth()
  @ApiOperation({ summary: 'Model ready: 200, 404 unknown, 503 not ready' })
  modelReady(@Param('model') model: string, @Param('version') version?: string) {
    const handle = this.inference.handle(model, version);
    return { name: handle.name, version: handle.version, ready: true };
  }

  @Post(MODEL_PATHS.map((p) => `${p}/infer`))
  @HttpCode(200)
  @TenantAuth()
  @ApiOperation({
    summary: 'Inference (Open Inference Protocol JSON); sealed under a PQC session with content-type application/nf-sealed+json',
    description: 'Deadline: header x-request-deadline-ms or parameters.timeout_ms (ms, relative). A sealed body is an envelope '
      + '{sessionId, seq, cipher, nonce, ciphertext} whose plaintext is the V2 request; the reply seals the V2 response.',
  })
  @ApiBody({ schema: { type: 'object', required: ['inputs'], properties: { id: { type: 'string' }, inputs: { type: 'array' }, outputs: { type: 'array' }, parameters: { type: 'object' } } } })
  @ApiResponse({ status: 400, description: 'malformed request (the error names the field)' })
  @ApiResponse({ status: 404, description: 'unknown model or version (or unknown PQC session)' })
  @ApiResponse({ status: 429, description: 'model queue full (Retry-After)' })
  @ApiResponse({ status: 503, description: 'model not ready' })
  @ApiResponse({ status: 504, description: 'deadline exceeded' })
  async infer(
    @Param('model') model: string,
    @Body() body: unknown,
    @CurrentTenant() tenant: TenantPrincipal,
    @Headers('content-type') contentType: string | undefined,
    @Headers('x-request-deadline-ms') deadline: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('version') version?: string,
  ): Promise<V2InferResponse | SealedEnvelope> {
    const sealed = contentType?.split(';')[0].trim().toLowerCase() === SEALED_CONTENT_TYPE || looksSealed(body);
    if (!sealed) return this.inference.infer(model, version, body, tenant, deadline);
    let failure: V2Reply | undefined;
    let envelope: SealedEnvelope;
    try {
      envelope = await this.sessions.exchange(body, { apiKeyId: tenant.apiKeyId, aad: inferenceAad(model, version) }, async (plaintext) => {
        try {
          return jsonBytes(await this.inference.infer(model, version, parseSealedRequest(plaintext), tenant, deadline));
        } catch (error) {
          // Once the session has opened the request, its errors are sealed like any reply.
          failure = this.v2Errors.toReply(error);
          return jsonBytes(failure.body);
        }
      });
    } catch (error) {
      throw isPqcProtocolError(error) ? protocolHttpError(error) : error;
    }
    if (failure) throw new SealedFailure(failure.status, envelope, failure.retryAfter, SEALED_CONTENT_TYPE);
    reply.header('content-type', SEALED_CONTENT_TYPE);
    return envelope;
  }

  @Post('repository/index')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Model repository index (Triton extension): name, version, state, reason' })
  index() {
    return this.models.index();
  }

  @Post('repository/models/:model/load')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Load (or reload) a model (Triton extension)' })
  load(@Param('model') model: string) {
    return this.inference.load(model);
  }

  @Post('repository/models/:model/unload')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'Unload a model; queued requests for it are refused with 503 (Triton extension)' })
  async unload(@Param('model') model: string) {
    await this.inference.unload(model);
    return {};
  }
}
