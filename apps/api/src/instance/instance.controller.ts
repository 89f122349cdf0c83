import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.decorators';
import { InjectLoadedEnv } from '../env/env.module';
import { EnvLayer, LoadedEnv } from '../env/env.loader';
import { EnvName } from '../env/env.schema';
import { InstanceService } from './instance.service';

export interface EnvReport {
  envHash: string;
  mode: string;
  instanceId: string;
  /** Each variable's layer and canonical value (secrets only as set/unset, passwords masked). */
  variables: Record<EnvName, { source: EnvLayer; value: string }>;
  /** Recent starts of any replica: a different env hash means a different configuration. */
  instances: { id: string; version: string; mode: string; envHash: string; hostname: string; startedAt: number; sameEnv: boolean }[];
}

@ApiTags('admin')
@Controller('admin')
export class InstanceController {
  constructor(
    @InjectLoadedEnv() private readonly env: LoadedEnv,
    private readonly instances: InstanceService,
  ) {}

  @Get('env')
  @AdminOnly('viewer')
  @ApiOperation({ summary: 'The validated environment: env hash, where each setting came from, and replicas whose hash differs' })
  async report(): Promise<EnvReport> {
    const names = Object.keys(this.env.sources) as EnvName[];
    return {
      envHash: this.env.hash,
      mode: this.env.settings.mode,
      instanceId: this.instances.id,
      variables: Object.fromEntries(names.map((n) => [n, { source: this.env.sources[n], value: this.env.shown[n] }])) as EnvReport['variables'],
      instances: (await this.instances.recent()).map((i) => ({ ...i, sameEnv: i.envHash === this.env.hash })),
    };
  }
}
