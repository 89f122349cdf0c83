import { Controller, Get, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly, TenantAuth } from '../../auth/auth.decorators';
import { ProbeRegistry } from '../../health/probe-registry';
import { VERSION } from '../../version';
import { GpuInventory } from '../gpu/gpu-inventory';
import { ModelRepository } from '../model-repository.service';
import { InferenceService } from './inference.service';
import { V2Error, V2ExceptionFilter } from './v2.errors';

const MODEL_PATHS = ['models/:model', 'models/:model/versions/:version'];

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
  ) {}

  @Get()
  @TenantAuth()
  @ApiOperation({ summary: 'Server metadata: name, version, extensions; GPU inventory in parameters' })
  server() {
    return {
      name: 'neural-fabric',
      version: VERSION,
      extensions: ['model_repository', 'binary_tensor_data', 'nf_sealed_inference'],
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

  // POST models/:model[/versions/:version]/infer is registered on Fastify directly: infer/infer.route.ts.

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
