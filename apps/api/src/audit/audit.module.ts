import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KeyService } from '../pqc/keystore/key.service';
import { KeystoreModule } from '../pqc/keystore/keystore.module';
import { AuditController } from './audit.controller';
import { AuditEntryEntity } from './audit.entity';
import { AuditMetrics } from './audit.metrics';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';
import { IdentitySigner } from './identity-signer';

/**
 * The audit log. Global: any capability records through AuditService without importing this
 * module. Entries are signed with the keystore's identity key (KeyService as IdentitySigner).
 */
@Global()
@Module({
  imports: [KeystoreModule, TypeOrmModule.forFeature([AuditEntryEntity])],
  controllers: [AuditController],
  providers: [
    AuditService,
    AuditRepository,
    { provide: AuditMetrics, useFactory: () => new AuditMetrics() },
    { provide: IdentitySigner, useExisting: KeyService },
  ],
  exports: [AuditService],
})
export class AuditModule {}
