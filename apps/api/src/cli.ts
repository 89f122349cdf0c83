import 'reflect-metadata';
import { userInfo } from 'node:os';
import { EnvValidationError, loadEnv } from './env/env.loader';

const USAGE = `usage: npm run nf -- <command>

  admin create <name> [--role admin|viewer]   new account; prints a one-time password (changed at first login)
  admin reset-password <name>                 new one-time password; ends the account's sessions
  tenant create <name>                        new API consumer
  apikey create <tenant-name>                 new API key (shown once)
  apikey revoke <id>                          revoke an API key
  audit verify                                check the audit log's hash chain (exit 1 when broken)
`;

class UsageError extends Error {}

/** The operator's console: the same modules as the service, no HTTP listener, no first-start bootstrap. */
async function main(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  const known = new Set(['admin create', 'admin reset-password', 'tenant create', 'apikey create', 'apikey revoke', 'audit verify']);
  if (!known.has(`${group} ${command}`)) {
    process.stderr.write(USAGE);
    return 2;
  }

  let env;
  try {
    env = loadEnv(process.cwd(), process.env);
  } catch (error) {
    if (!(error instanceof EnvValidationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 78; // EX_CONFIG
  }
  // Loaded only after the env check, like main.ts.
  const { NestFactory } = await import('@nestjs/core');
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  const { AppModule } = await import('./app.module');
  const { AdminAccountsService } = await import('./auth/admin-accounts.service');
  const { TenantsService } = await import('./auth/tenants.service');
  const { AuditService } = await import('./audit/audit.service');

  // The whole application with its HTTP adapter (modules hook into it) but never listening.
  const app = await NestFactory.create(AppModule.forRoot(env), new FastifyAdapter(), { logger: ['error', 'warn'] });
  app.get(AdminAccountsService).bootstrapOnStart = false; // before init: the CLI creates admins itself
  await app.init();
  const actor = { type: 'cli' as const, name: safeUser() };
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const positional = rest.filter((a, i) => !a.startsWith('--') && !rest[i - 1]?.startsWith('--'));
    const arg = (what: string) => {
      if (!positional[0]) throw new UsageError(`missing <${what}>`);
      return positional[0];
    };
    switch (`${group} ${command}`) {
      case 'admin create': {
        const roleIndex = rest.indexOf('--role');
        const role = roleIndex >= 0 ? rest[roleIndex + 1] : 'admin';
        if (role !== 'admin' && role !== 'viewer') throw new UsageError('--role must be admin or viewer');
        const { account, password } = await app.get(AdminAccountsService).create(arg('name'), role, actor);
        out(`created ${account.role} "${account.name}" (id ${account.id})`);
        out(`one-time password (change it at first login): ${password}`);
        return 0;
      }
      case 'admin reset-password': {
        const { account, password } = await app.get(AdminAccountsService).resetPassword(arg('name'), actor);
        out(`reset "${account.name}" (id ${account.id}); its sessions ended`);
        out(`one-time password (change it at first login): ${password}`);
        return 0;
      }
      case 'tenant create': {
        const tenant = await app.get(TenantsService).createTenant(arg('name'), actor);
        out(`created tenant "${tenant.name}" (id ${tenant.id})`);
        return 0;
      }
      case 'apikey create': {
        const tenants = app.get(TenantsService);
        const tenant = await tenants.byName(arg('tenant-name'));
        if (!tenant) throw new Error(`no tenant named "${positional[0]}"`);
        const key = await tenants.createApiKey(tenant.id, actor);
        out(`created API key ${key.id} (${key.prefix}...) for tenant "${tenant.name}"`);
        out(`key (shown once): ${key.key}`);
        return 0;
      }
      case 'apikey revoke': {
        const key = await app.get(TenantsService).revokeApiKey(arg('id'), actor);
        out(`revoked API key ${key.id} (${key.prefix}...)`);
        return 0;
      }
      case 'audit verify': {
        const report = await app.get(AuditService).verifyChain();
        if (report.ok) {
          out(`audit chain intact: ${report.entries} entries`);
          return 0;
        }
        out(`audit chain BROKEN at seq ${report.firstBroken?.seq}: ${report.firstBroken?.reason} (${report.entries} entries)`);
        return 1;
      }
    }
    return 2;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await app.close();
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`nf failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
