import { Module } from '@nestjs/common';
import { InstanceModule } from '../instance/instance.module';
import { PqcModule } from '../pqc/pqc.module';
import { RuntimeModule } from '../runtime/runtime.module';
import { OverviewHistory } from './overview-history';
import { OverviewController } from './overview.controller';
import { OverviewService } from './overview.service';

/** GET /admin/overview: one read-only snapshot for the dashboard's overview page; /admin/overview/history: the samples its charts draw. */
@Module({
  imports: [InstanceModule, PqcModule, RuntimeModule],
  controllers: [OverviewController],
  providers: [OverviewService, OverviewHistory],
})
export class OverviewModule {}
