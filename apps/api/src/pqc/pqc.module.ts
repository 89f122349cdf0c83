import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HandshakeController } from './handshake/handshake.controller';
import { HandshakePool } from './handshake/handshake.pool';
import { HandshakeService } from './handshake/handshake.service';
import { KeystoreModule } from './keystore/keystore.module';
import { PqcMetrics } from './pqc.metrics';
import { PqcReplayEntity, PqcSessionEntity } from './sessions/session.entities';
import { SessionStore } from './sessions/session.store';

/** The post-quantum front door: keystore, handshake, sessions. Others use sessions through SessionStore. */
@Module({
  imports: [KeystoreModule, TypeOrmModule.forFeature([PqcSessionEntity, PqcReplayEntity])],
  controllers: [HandshakeController],
  providers: [HandshakePool, HandshakeService, SessionStore, PqcMetrics],
  exports: [KeystoreModule, SessionStore],
})
export class PqcModule {}
