import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PqcModule } from '../pqc/pqc.module';
import { RotationController } from './rotation.controller';
import { RotationRequestEntity, RotationVoteEntity } from './rotation.entities';
import { RotationExecutor } from './rotation.executor';
import { RotationMetrics } from './rotation.metrics';
import { RotationService } from './rotation.service';

/** Key rotation under the two-person rule (policy P3). */
@Module({
  imports: [TypeOrmModule.forFeature([RotationRequestEntity, RotationVoteEntity]), PqcModule],
  controllers: [RotationController],
  providers: [RotationService, RotationExecutor, RotationMetrics],
  exports: [RotationService],
})
export class RotationModule {}
