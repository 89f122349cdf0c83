import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InstanceController } from './instance.controller';
import { InstanceEntity } from './instance.entity';
import { InstanceService } from './instance.service';

@Module({
  imports: [TypeOrmModule.forFeature([InstanceEntity])],
  controllers: [InstanceController],
  providers: [InstanceService],
  exports: [InstanceService],
})
export class InstanceModule {}
