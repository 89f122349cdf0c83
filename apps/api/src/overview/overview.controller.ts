import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { OverviewView } from '@nf/contracts';
import { AdminOnly } from '../auth/auth.decorators';
import { OverviewService } from './overview.service';

@ApiTags('admin')
@Controller('admin')
export class OverviewController {
  constructor(private readonly overview: OverviewService) {}

  @Get('overview')
  @AdminOnly('viewer')
  @ApiOperation({
    summary: 'Dashboard overview: keystore, handshake outcomes, runtime and inference counters since start',
    description: 'Counters and histogram buckets are cumulative; rates and percentiles come from the difference of two snapshots.',
  })
  overviewSnapshot(): Promise<OverviewView> {
    return this.overview.snapshot();
  }
}
