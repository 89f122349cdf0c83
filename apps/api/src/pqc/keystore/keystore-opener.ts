import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUniqueViolation } from '../../database/columns';
import { Settings } from '../../env/env.schema';
import { DatabaseKeystore, MANIFEST_TABLE, VERSION_TABLE } from './database-keystore';
import { Kek, KeystoreError } from './kek';
import { MANIFEST, Keystore } from './keystore';
import { FileKeystoreBackend, KeystoreBackend } from './keystore-backend';
import { KEYSTORE_SLOT, KeystoreRecordEntity } from './keystore.entities';

/**
 * Rows that only exist once the service has run with a keystore: their presence means this
 * database is not new, so a missing keystore is lost keys, not a first start. Process starts
 * (nf_instance) and telemetry do not count: they say nothing about keys.
 */
const HISTORY: readonly { table: string; what: string }[] = [
  { table: 'nf_audit', what: 'audit entries (signed by the identity key)' },
  { table: 'nf_admin_account', what: 'admin accounts' },
  { table: 'nf_tenant', what: 'tenants' },
  { table: 'nf_pqc_session', what: 'handshake sessions (sealed under the KEK)' },
  { table: 'nf_rotation_request', what: 'key rotation requests' },
];

export interface OpenKeystoreOptions {
  settings: Settings;
  kek: Kek;
  dataSource: DataSource;
  /** SHA-256 of a version's identity public key (its pin): what names a keystore in nf_keystore. */
  identitySha256(backend: KeystoreBackend, version: number): string;
  logger?: Logger;
  now?: Date;
}

/**
 * Opens the configured keystore and checks it against the database's record of it (nf_keystore).
 * A keystore is created only on a first start: the database records none and has no history.
 * Otherwise a missing keystore stops start-up, naming where it should be and what the database
 * knows; a keystore of another database (its first identity differs from the record) too. Callers
 * hold the keystore lock, so replicas starting together create at most one keystore.
 */
export async function openKeystore(options: OpenKeystoreOptions): Promise<{ backend: KeystoreBackend; created: boolean }> {
  const { settings, kek, dataSource } = options;
  const logger = options.logger ?? new Logger('Keystore');
  const records = dataSource.getRepository(KeystoreRecordEntity);
  const record = await records.findOneBy({ slot: KEYSTORE_SLOT });
  const belongs = (backend: KeystoreBackend) => checkBelongs(backend, record, options);

  let backend: KeystoreBackend | undefined;
  const dir = settings.vault.keyPath;
  if (settings.vault.keystore === 'file') {
    if (!Keystore.isAbsent(dir)) backend = new FileKeystoreBackend(Keystore.open(dir, kek, options.now).keystore);
  } else {
    backend = await DatabaseKeystore.open(dataSource, kek);
    if (!backend && !Keystore.isAbsent(dir)) {
      // Moving to the database keystore: the files at VAULT_PQC_KEY_PATH come along as they are.
      const files = new FileKeystoreBackend(Keystore.open(dir, kek, options.now).keystore);
      belongs(files);
      backend = await DatabaseKeystore.importFrom(dataSource, kek, files.keystore);
      logger.warn(`imported the file keystore ${dir} into ${where(backend)} (nothing re-encrypted); the directory is no longer read`);
    }
  }

  let created = false;
  if (!backend) {
    const known = record
      ? `records ${where(record)}, created ${new Date(record.createdAt).toISOString()} (key version ${record.identityVersion} identity sha256 ${record.identitySha256})`
      : await history(dataSource);
    if (known) {
      throw new KeystoreError(
        `${missing(settings)}, but the database ${known}. Refusing to create new keys: that would orphan every session, pinned client and audit signature. ` +
          `Restore the keystore${record && record.backend !== settings.vault.keystore ? ` (or set VAULT_PQC_KEYSTORE=${record.backend})` : ''}, or start with a new database.`,
      );
    }
    backend = await create(options);
    created = true;
    logger.warn(`created keystore: ${where(backend)} with key version 1 (first start: the database has no history)`);
  }

  const row = belongs(backend);
  if (!record) {
    try {
      await records.insert(row);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Recorded meanwhile by a process that does not share our lock: it must be this keystore.
      const raced = await records.findOneByOrFail({ slot: KEYSTORE_SLOT });
      checkBelongs(backend, raced, options);
    }
  } else if (record.backend !== row.backend || record.location !== row.location) {
    await records.update({ slot: KEYSTORE_SLOT }, { backend: row.backend, location: row.location });
  }
  return { backend, created };
}

/** The record naming `backend`; throws when the database records another keystore. */
function checkBelongs(backend: KeystoreBackend, record: KeystoreRecordEntity | null, options: OpenKeystoreOptions): KeystoreRecordEntity {
  const first = Math.min(...backend.versions().map((v) => v.version));
  const identity = options.identitySha256(backend, first);
  if (record && (record.identityVersion !== first || record.identitySha256 !== identity)) {
    throw new KeystoreError(
      `${where(backend)} belongs to another database: its key version ${first} identity is sha256 ${identity}, but this database records ` +
        `key version ${record.identityVersion} identity sha256 ${record.identitySha256} (${where(record)}). ` +
        'Point VAULT_PQC_KEY_PATH and DATABASE_URL at a keystore and database that belong together.',
    );
  }
  return {
    slot: KEYSTORE_SLOT,
    backend: backend.kind,
    location: backend.location,
    identityVersion: first,
    identitySha256: identity,
    createdAt: record?.createdAt ?? Date.parse(backend.record(first)!.createdAt),
  };
}

async function create(options: OpenKeystoreOptions): Promise<KeystoreBackend> {
  const { settings, kek, dataSource } = options;
  if (settings.vault.keystore === 'database') return DatabaseKeystore.create(dataSource, kek, options.now);
  return new FileKeystoreBackend(Keystore.open(settings.vault.keyPath, kek, options.now).keystore);
}

/** "the file keystore <dir>" or "the database keystore (<tables>)". */
function where({ kind, backend, location }: { kind?: string; backend?: string; location: string }): string {
  return (kind ?? backend) === 'file' ? `the file keystore ${location}` : `the database keystore (${location})`;
}

function missing(settings: Settings): string {
  const dir = settings.vault.keyPath;
  return settings.vault.keystore === 'database'
    ? `the database keystore is missing (${MANIFEST_TABLE} and ${VERSION_TABLE} are empty, and ${dir} holds no keystore to import)`
    : `the keystore ${dir} is missing (no ${path.join(dir, MANIFEST)} and no key files)`;
}

/** What in this database shows it has run before, or undefined for a new database. */
async function history(dataSource: DataSource): Promise<string | undefined> {
  const found: string[] = [];
  const schema = (dataSource.options as { schema?: string }).schema;
  for (const { table, what } of HISTORY) {
    const from = dataSource.driver.buildTableName(table, schema);
    if (await dataSource.createQueryBuilder().select('1', 'one').from(from, 't').limit(1).getRawOne()) found.push(what);
  }
  return found.length ? `holds ${found.join(', ')} (no record of its keystore)` : undefined;
}
