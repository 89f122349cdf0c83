import { userInfo } from 'node:os';
import { INestApplicationContext } from '@nestjs/common';
import { AdminAccountsService } from '../auth/admin-accounts.service';
import { AdminRole } from '../auth/auth.entities';
import { TenantsService } from '../auth/tenants.service';
import { AuditService } from '../audit/audit.service';

/** A command's work on an open context: writes its answer, returns the exit code. */
export type Command = (context: INestApplicationContext, out: (line: string) => void) => Promise<number>;

const actor = () => ({ type: 'cli' as const, name: safeUser() });

export const commands = {
  adminCreate: (name: string, role: AdminRole): Command => async (context, out) => {
    const { account, password } = await context.get(AdminAccountsService).create(name, role, actor());
    out(`created ${account.role} "${account.name}" (id ${account.id})`);
    out(`one-time password (change it at first login): ${password}`);
    return 0;
  },

  adminResetPassword: (name: string): Command => async (context, out) => {
    const { account, password } = await context.get(AdminAccountsService).resetPassword(name, actor());
    out(`reset "${account.name}" (id ${account.id}); its sessions ended`);
    out(`one-time password (change it at first login): ${password}`);
    return 0;
  },

  tenantCreate: (name: string): Command => async (context, out) => {
    const tenant = await context.get(TenantsService).createTenant(name, actor());
    out(`created tenant "${tenant.name}" (id ${tenant.id})`);
    return 0;
  },

  apikeyCreate: (tenantName: string): Command => async (context, out) => {
    const tenants = context.get(TenantsService);
    const tenant = await tenants.byName(tenantName);
    if (!tenant) throw new Error(`no tenant named "${tenantName}"`);
    const key = await tenants.createApiKey(tenant.id, actor());
    out(`created API key ${key.id} (${key.prefix}...) for tenant "${tenant.name}"`);
    out(`key (shown once): ${key.key}`);
    return 0;
  },

  apikeyRevoke: (id: string): Command => async (context, out) => {
    const key = await context.get(TenantsService).revokeApiKey(id, actor());
    out(`revoked API key ${key.id} (${key.prefix}...)`);
    return 0;
  },

  auditVerify: (): Command => async (context, out) => {
    const report = await context.get(AuditService).verifyChain();
    if (report.ok) {
      out(`audit chain intact: ${report.entries} entries`);
      return 0;
    }
    out(`audit chain BROKEN at seq ${report.firstBroken?.seq}: ${report.firstBroken?.reason} (${report.entries} entries)`);
    return 1;
  },
};

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
