import { ConflictException, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { PqcProtocolError, PqcSession, SealedEnvelope, SessionKeys } from '@nf/pqc';
import { LessThan, Repository } from 'typeorm';
import { isUniqueViolation } from '../../database/columns';
import { eraseDeleted } from '../../database/sqlite-file';
import { KeyService } from '../keystore/key.service';
import { HandshakeRows } from './handshake-rows';
import { KeyedMutex } from './keyed-mutex';
import { PqcReplayEntity, PqcSessionEntity } from './session.entities';

const SEAL_PURPOSE = 'pqc-session-state';

/** Who uses a session, and what the application binds into its AEAD. */
export interface ExchangeContext {
  /** The API key of the request (undefined: anonymous); it must be the key that made the session. */
  apiKeyId?: string;
  /** Application AAD of the request and of the reply (e.g. inferenceAad for sealed inference). */
  aad?: Uint8Array;
}
const PURGE_INTERVAL_MS = 60_000;

/**
 * Sessions in the database, so any replica can serve any session. Key material is sealed under
 * the KEK; the receive window and send counter travel with it, guarded by a revision number.
 */
@Injectable()
export class SessionStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SessionStore.name);
  private readonly mutex = new KeyedMutex();
  private readonly rows: HandshakeRows;
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(PqcSessionEntity) private readonly sessions: Repository<PqcSessionEntity>,
    @InjectRepository(PqcReplayEntity) private readonly replays: Repository<PqcReplayEntity>,
    private readonly keys: KeyService,
  ) {
    this.rows = new HandshakeRows(sessions.manager.connection);
  }

  onModuleInit(): void {
    this.purgeTimer = setInterval(() => {
      this.purgeExpired().catch((error: Error) => this.logger.warn(`session purge failed: ${error.message}`));
    }, PURGE_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.purgeTimer);
  }

  /** Records a handshake's replay key; a second claim inside its lifetime is a replay. */
  async claimReplayKey(replayKey: string, expiresAt: number): Promise<void> {
    try {
      await this.rows.insertReplay({ replayKey, expiresAt });
    } catch (error) {
      if (isUniqueViolation(error)) throw new PqcProtocolError('replay', 'this ClientHello was already used');
      throw error;
    }
  }

  /** Stores a new session for the API key that made it (undefined: anonymous). */
  async create(keys: SessionKeys, apiKeyId: string | undefined, now = Date.now()): Promise<void> {
    const session = PqcSession.fromKeys(keys, 'server');
    try {
      await this.rows.insertSession({
        id: session.sessionId,
        apiKeyId: apiKeyId ?? null,
        keyVersion: keys.keyVersion,
        suite: keys.suite,
        transcriptSha256: session.transcriptSha256,
        sealedState: this.seal(session),
        revision: 0,
        createdAt: now,
        expiresAt: keys.expiresAt,
      });
    } finally {
      session.destroy();
    }
  }

  /**
   * Opens a client's sealed request, lets `handle` work on the plaintext (outside any lock, so
   * requests on one session run concurrently), and seals its answer under the same session and AAD.
   */
  async exchange(envelope: unknown, context: ExchangeContext, handle: (plaintext: Uint8Array) => Promise<Uint8Array>): Promise<SealedEnvelope> {
    const id = (envelope as { sessionId?: unknown } | null)?.sessionId;
    if (typeof id !== 'string' || id.length > 32) {
      throw new PqcProtocolError('bad_encoding', 'sealed envelope needs a sessionId string');
    }
    const plaintext = await this.update(id, context, (session) => session.open(envelope, context.aad));
    const reply = await handle(plaintext);
    return this.update(id, context, (session) => session.seal(reply, context.aad));
  }

  /** Deletes expired sessions so that their keys cannot be read back from the database files either. */
  async purgeExpired(now = Date.now()): Promise<number> {
    const sessions = await this.sessions.delete({ expiresAt: LessThan(now) });
    await this.replays.delete({ expiresAt: LessThan(now) });
    const purged = sessions.affected ?? 0;
    if (purged > 0) await eraseDeleted(this.sessions.manager.connection);
    return purged;
  }

  private update<T>(id: string, context: ExchangeContext, step: (session: PqcSession) => T): Promise<T> {
    return this.mutex.run(id, async () => {
      const row = await this.sessions.findOneBy({ id });
      // Another key's session answers exactly like a missing one: its existence is not the caller's business.
      if (!row || row.apiKeyId !== (context.apiKeyId ?? null)) {
        throw new PqcProtocolError('unknown_session', 'no such session for this API key (it may have expired and been purged)');
      }
      if (!this.keys.sessionKeyUsable(row.keyVersion)) {
        throw new PqcProtocolError('session_expired', `key version ${row.keyVersion} of this session is retired or below the minimum version`);
      }
      const session = this.unseal(row);
      try {
        const result = step(session);
        const updated = await this.sessions.update({ id, revision: row.revision }, { sealedState: this.seal(session), revision: row.revision + 1 });
        if (!updated.affected) throw new ConflictException('the session was used concurrently on another replica; retry');
        return result;
      } finally {
        session.destroy();
      }
    });
  }

  private seal(session: PqcSession): string {
    const state = session.exportState();
    try {
      return this.keys.keyEncryptionKey.seal(SEAL_PURPOSE, state, `session ${session.sessionId}`).toString('base64url');
    } finally {
      state.fill(0);
    }
  }

  private unseal(row: PqcSessionEntity): PqcSession {
    const state = this.keys.keyEncryptionKey.open(SEAL_PURPOSE, Buffer.from(row.sealedState, 'base64url'), `session ${row.id}`);
    if (!state) throw new Error(`session ${row.id} state cannot be decrypted (KEK changed, or the row was altered)`);
    try {
      return PqcSession.restore(state);
    } finally {
      state.fill(0);
    }
  }
}
