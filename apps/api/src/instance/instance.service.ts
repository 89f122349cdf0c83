import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { InjectLoadedEnv } from '../env/env.module';
import { LoadedEnv } from '../env/env.loader';
import { VERSION } from '../version';
import { InstanceEntity } from './instance.entity';

/** This process's identity; recorded in the database so replicas' env hashes can be compared. */
@Injectable()
export class InstanceService implements OnApplicationBootstrap {
  private readonly logger = new Logger(InstanceService.name);
  readonly id = randomUUID();

  constructor(
    @InjectLoadedEnv() private readonly env: LoadedEnv,
    @InjectRepository(InstanceEntity) private readonly instances: Repository<InstanceEntity>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.instances.insert({
      id: this.id,
      version: VERSION,
      mode: this.env.settings.mode,
      envHash: this.env.hash,
      hostname: hostname().slice(0, 255),
      startedAt: Date.now(),
    });
    this.logger.log(`instance ${this.id} registered (version ${VERSION})`);
  }

  /** Most recent starts first; replicas whose env hash differs from ours stand out. */
  recent(limit = 20): Promise<InstanceEntity[]> {
    return this.instances.find({ order: { startedAt: 'DESC' }, take: limit });
  }
}
