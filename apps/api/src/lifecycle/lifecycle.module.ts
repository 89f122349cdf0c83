import { Global, Module } from '@nestjs/common';
import { Clock } from './clock';

/** Process-wide services with no other home: the clock every deadline rule reads. */
@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class LifecycleModule {}
