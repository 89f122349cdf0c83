import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KeyService } from './key.service';
import { KEYSTORE_ENTITIES } from './keystore.entities';
import { KeystoreLock } from './keystore-lock';

/**
 * The keystore alone (keys, bundles, the identity that signs audit entries), for those who need no
 * handshake: the audit log and the CLI. PqcModule builds the handshake and sessions on top of it.
 */
@Module({
  imports: [TypeOrmModule.forFeature([...KEYSTORE_ENTITIES])],
  providers: [KeystoreLock, KeyService],
  exports: [KeystoreLock, KeyService],
})
export class KeystoreModule {}
