import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { OverviewHistoryView, OverviewView } from '@nf/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { AdminOnly } from '../auth/auth.decorators';
import { OverviewHistory } from './overview-history';
import { OverviewService } from './overview.service';

export class OverviewHistoryQuery {
  @ApiPropertyOptional({ description: 'Only the last this many minutes (default: all the ring holds, OVERVIEW_HISTORY_MINUTES)', minimum: 1, maximum: 1440 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1440)
  minutes?: number;
}

@ApiTags('admin')
@Controller('admin')
export class OverviewController {
  constructor(
    private readonly overview: OverviewService,
    private readonly history: OverviewHistory,
  ) {}

  @Get('overview')
  @AdminOnly('viewer')
  @ApiOperation({
    summary: 'Dashboard overview: keystore, handshake outcomes, runtime and inference counters since start',
    description: 'Counters and histogram buckets are cumulative; rates and percentiles come from the difference of two snapshots.',
  })
  overviewSnapshot(): Promise<OverviewView> {
    return this.overview.snapshot();
  }

  @Get('overview/history')
  @AdminOnly('viewer')
  @ApiOperation({
    summary: "This process's overview samples (cumulative counters), oldest first: one every OVERVIEW_HISTORY_INTERVAL_SECONDS",
    description: 'Kept in memory for OVERVIEW_HISTORY_MINUTES; the sample just before the asked window is included, so its first rate has a start.',
  })
  overviewHistory(@Query() query: OverviewHistoryQuery): OverviewHistoryView {
    return this.history.view(query.minutes === undefined ? undefined : query.minutes * 60_000);
  }
}
