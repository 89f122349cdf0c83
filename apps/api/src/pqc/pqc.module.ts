import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HandshakeController } from './handshake/handshake.controller';
import { HandshakePool } from './handshake/handshake.pool';
import { HandshakeService } from './handshake/handshake.service';
import { KeyService } from './keystore/key.service';
import { KEYSTORE_ENTITIES } from './keystore/keystore.entities';
import { KeystoreLock } from './keystore/keystore-lock';
import { PqcMetrics } from './pqc.metrics';
import { PqcReplayEntity, PqcSessionEntity } from './sessions/session.entities';
import { SessionStore } from './sessions/session.store';

/** The post-quantum front door: keystore, handshake, sessions. Others use sessions through SessionStore. */
@Module({
  imports: [TypeOrmModule.forFeature([PqcSessionEntity, PqcReplayEntity, ...KEYSTORE_ENTITIES])],
  controllers: [HandshakeController],
  providers: [KeystoreLock, KeyService, HandshakePool, HandshakeService, SessionStore, PqcMetrics],
  exports: [KeyService, KeystoreLock, SessionStore],
})
export class PqcModule {}
