import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import {
  BadRequestException,
  ConflictException,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, Repository } from 'typeorm';
import { isUniqueViolation } from '../database/columns';
import { AuditActor, AuditService } from '../audit/audit.service';
import { InjectSettings } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { writeFileAtomic } from '../pqc/keystore/atomic-file';
import { Clock } from '../lifecycle/clock';
import { ADMIN_ROLES, AdminAccountEntity, AdminRole, AdminSessionEntity } from './auth.entities';
import { NAME_PATTERN, NAME_RULE } from './auth.errors';
import { accountKey } from './lockout';
import { LoginThrottleRepository } from './login-throttle.repository';
import { generatePassword, hashPassword, verifyPassword } from './password';
import { passwordWeakness } from './password-strength';

export const BOOTSTRAP_ADMIN = 'admin';
export const INITIAL_PASSWORD_FILE = 'initial-admin-password';

export interface AdminPrincipal {
  id: string;
  name: string;
  role: AdminRole;
}

export const toPrincipal = (a: AdminAccountEntity): AdminPrincipal => ({ id: a.id, name: a.name, role: a.role });

/** An admin as the actor of an audit entry, with the role it holds now (the entry keeps it). */
export const adminActor = (a: AdminPrincipal): AuditActor => ({ type: 'admin', id: a.id, name: a.name, role: a.role });

/** Admin accounts: creation (one-time passwords only), password changes and resets, first-start bootstrap. */
@Injectable()
export class AdminAccountsService {
  private readonly logger = new Logger(AdminAccountsService.name);

  constructor(
    @InjectSettings() private readonly settings: Settings,
    @InjectRepository(AdminAccountEntity) private readonly accounts: Repository<AdminAccountEntity>,
    @InjectRepository(AdminSessionEntity) private readonly sessions: Repository<AdminSessionEntity>,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly throttle: LoginThrottleRepository,
  ) {}

  get initialPasswordFile(): string {
    return path.join(this.settings.dataDir, INITIAL_PASSWORD_FILE);
  }

  /**
   * No default password exists: with no admin-role account, `admin` is created with a random one-time
   * password, shown once in the log and written to DATA_DIR/initial-admin-password (0600).
   */
  async bootstrap(): Promise<boolean> {
    if ((await this.accounts.countBy({ role: 'admin' })) > 0) return false;
    let password: string;
    try {
      ({ password } = await this.insert(BOOTSTRAP_ADMIN, 'admin'));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      // Another replica bootstrapped first, or a viewer holds the name: then say how to get an admin.
      if ((await this.accounts.countBy({ role: 'admin' })) === 0) {
        this.logger.error(`no admin account, and "${BOOTSTRAP_ADMIN}" is taken by a viewer: create one with npm run nf -- admin create <name>`);
      }
      return false;
    }
    mkdirSync(this.settings.dataDir, { recursive: true });
    writeFileAtomic(this.initialPasswordFile, `${password}\n`);
    this.logger.warn(
      `INITIAL ADMIN PASSWORD (shown once; also in ${this.initialPasswordFile}; must be changed at first login): `
        + `name=${BOOTSTRAP_ADMIN} password=${password}`,
    );
    await this.audit.record({ actor: { type: 'system' }, action: 'admin_created', target: `admin:${BOOTSTRAP_ADMIN}`, details: { name: BOOTSTRAP_ADMIN, role: 'admin', bootstrap: true } });
    return true;
  }

  /** A new account with a one-time password (returned once; it must be changed at first login). */
  async create(name: string, role: AdminRole, actor: AuditActor): Promise<{ account: AdminPrincipal; password: string }> {
    if (!NAME_PATTERN.test(name)) throw new BadRequestException({ message: `invalid name: ${NAME_RULE}`, errors: { name: NAME_RULE } });
    if (!ADMIN_ROLES.includes(role)) throw new BadRequestException({ message: 'invalid role', errors: { role: `one of ${ADMIN_ROLES.join(', ')}` } });
    const { account, password } = await this.insert(name, role);
    await this.audit.record({ actor, action: 'admin_created', target: `admin:${account.id}`, details: { name, role } });
    return { account: toPrincipal(account), password };
  }

  /** A fresh one-time password; every session of the account ends and any lock is lifted. */
  async resetPassword(name: string, actor: AuditActor): Promise<{ account: AdminPrincipal; password: string }> {
    const account = await this.byName(name);
    if (!account) throw new NotFoundException(`no admin account named "${name}"`);
    const password = generatePassword();
    const now = this.clock.now();
    await this.accounts.update(
      { id: account.id },
      { passwordHash: await hashPassword(password), mustChangePassword: true, passwordChangedAt: now },
    );
    await this.throttle.clear(accountKey(account.name));
    await this.sessions.delete({ adminId: account.id });
    await this.removeInitialPasswordFile((filed) => verifyPassword(filed, account.passwordHash));
    await this.audit.record({ actor, action: 'password_reset', target: `admin:${account.id}`, details: { name } });
    return { account: toPrincipal(account), password };
  }

  /** Needs the current password; ends the account's other sessions; removes the bootstrap file once used. */
  async changePassword(adminId: string, current: string, next: string, keepSessionId: string): Promise<void> {
    const account = await this.accounts.findOneBy({ id: adminId });
    if (!account) throw new NotFoundException('account no longer exists');
    if (!(await verifyPassword(current, account.passwordHash))) {
      throw new BadRequestException({ message: 'the current password is wrong', errors: { current: 'is wrong' } });
    }
    const weakness = passwordWeakness(next, [account.name]);
    if (weakness) throw new BadRequestException({ message: `the new password is ${weakness}`, errors: { new: weakness } });
    if (next === current) {
      throw new BadRequestException({ message: 'the new password must differ from the current one', errors: { new: 'must differ from the current password' } });
    }
    await this.accounts.update(
      { id: account.id },
      { passwordHash: await hashPassword(next), mustChangePassword: false, passwordChangedAt: this.clock.now() },
    );
    await this.sessions.delete({ adminId: account.id, id: Not(keepSessionId) });
    await this.removeInitialPasswordFile((filed) => filed === current);
    await this.audit.record({ actor: adminActor(account), action: 'password_changed', target: `admin:${account.id}` });
  }

  byName(name: string): Promise<AdminAccountEntity | null> {
    return this.accounts.findOneBy({ name: name.toLowerCase() });
  }

  byId(id: string): Promise<AdminAccountEntity | null> {
    return this.accounts.findOneBy({ id });
  }

  private async insert(name: string, role: AdminRole): Promise<{ account: AdminAccountEntity; password: string }> {
    const password = generatePassword();
    const now = this.clock.now();
    const account = this.accounts.create({
      id: randomUUID(),
      name,
      role,
      passwordHash: await hashPassword(password),
      mustChangePassword: true,
      createdAt: now,
      passwordChangedAt: now,
    });
    try {
      await this.accounts.insert(account);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictException(`an admin account named "${name}" exists`);
      }
      throw error;
    }
    return { account, password };
  }

  /** The bootstrap file goes once the password it holds has been replaced (changed or reset). */
  private async removeInitialPasswordFile(heldRetiredPassword: (filed: string) => boolean | Promise<boolean>): Promise<void> {
    const file = this.initialPasswordFile;
    if (!existsSync(file)) return;
    if (await heldRetiredPassword(readFileSync(file, 'utf8').trim())) {
      rmSync(file, { force: true });
      this.logger.log(`initial admin password replaced: removed ${file}`);
    }
  }
}
