import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '../../database/columns';

/** The only row of nf_keystore and nf_keystore_manifest: one keystore per database. */
export const KEYSTORE_SLOT = 1;

/**
 * Which keystore this database belongs to: written when the keystore is created (or first
 * opened by a version that keeps this record), so a keystore that goes missing later is refused
 * instead of silently replaced, and a keystore of another database is recognised.
 */
@Entity('nf_keystore')
export class KeystoreRecordEntity {
  @PrimaryColumn({ type: 'integer' })
  slot!: number;

  /** 'file' or 'database'. */
  @Column({ type: 'varchar', length: 16 })
  backend!: string;

  /** The directory (file backend) or the table (database backend), for messages. */
  @Column({ type: 'varchar', length: 1024 })
  location!: string;

  /** The keystore's first key version, whose identity names the keystore. */
  @Column({ name: 'identity_version', type: 'integer' })
  identityVersion!: number;

  /** SHA-256 of that version's ML-DSA-65 identity public key (public: it is that version's pin). */
  @Column({ name: 'identity_sha256', type: 'varchar', length: 64 })
  identitySha256!: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;
}

/** One key version of the database keystore: its seeds sealed under the KEK and its signed bundles. */
@Entity('nf_keystore_version')
export class KeystoreVersionEntity {
  @PrimaryColumn({ type: 'integer' })
  version!: number;

  /** ISO-8601, as in the manifest. */
  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;

  /** base64url AES-256-GCM(iv || ct || tag) of kem seed || identity seed, AAD bound to the version (as the files). */
  @Column({ name: 'sealed_seeds', type: 'text' })
  sealedSeeds!: string;

  /** JSON: signed public bundles by suite id. */
  @Column({ type: 'text' })
  bundles!: string;
}

/** The database keystore's manifest: version states and minimum version under a KEK MAC, and a revision replicas poll. */
@Entity('nf_keystore_manifest')
export class KeystoreManifestEntity {
  @PrimaryColumn({ type: 'integer' })
  slot!: number;

  @Column({ type: 'varchar', length: 32 })
  format!: string;

  /** JSON array of KeyVersionRecord. */
  @Column({ type: 'text' })
  versions!: string;

  @Column({ name: 'min_version', type: 'integer' })
  minVersion!: number;

  @Column({ type: 'varchar', length: 64 })
  mac!: string;

  /** +1 on every write (manifest or bundle); replicas reload when it moves. */
  @Column({ type: 'integer' })
  revision!: number;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt!: number;
}

export const KEYSTORE_ENTITIES = [KeystoreRecordEntity, KeystoreVersionEntity, KeystoreManifestEntity];
