import 'reflect-metadata';
import { Command as Program, CommanderError, InvalidArgumentError } from 'commander';
import type { Command } from './cli/commands';
import { EnvValidationError, loadEnv } from './env/env.loader';

/**
 * The operator's console (`npm run nf -- <command>`): parsing and --help need nothing else; a command
 * validates the environment like the service, then opens only CliModule (database, keystore, accounts,
 * audit) and closes it again.
 */
async function run(command: (commands: typeof import('./cli/commands').commands) => Command): Promise<number> {
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
  const { CliModule } = await import('./cli/cli.module');
  const { commands } = await import('./cli/commands');
  const context = await NestFactory.createApplicationContext(CliModule.forRoot(env), { logger: ['error', 'warn'], abortOnError: false });
  try {
    return await command(commands)(context, (line) => process.stdout.write(`${line}\n`));
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await context.close();
  }
}

function role(value: string): 'admin' | 'viewer' {
  if (value !== 'admin' && value !== 'viewer') throw new InvalidArgumentError('must be admin or viewer');
  return value;
}

function program(done: (code: Promise<number>) => void): Program {
  const nf = new Program('nf')
    .description('Neural Fabric operator console (npm run nf -- <command>): accounts, tenants, API keys, the audit log')
    .usage('<command> [options]')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  const group = (name: string, description: string) => nf.command(name).description(description).exitOverride();

  const admin = group('admin', 'dashboard and CLI operator accounts');
  admin
    .command('create <name>')
    .description('new account; prints a one-time password (changed at first login)')
    .option('--role <role>', 'admin or viewer', role, 'admin' as const)
    .action((name: string, options: { role: 'admin' | 'viewer' }) => done(run((c) => c.adminCreate(name, options.role))));
  admin
    .command('reset-password <name>')
    .description("new one-time password; ends the account's sessions")
    .action((name: string) => done(run((c) => c.adminResetPassword(name))));

  group('tenant', 'API consumers')
    .command('create <name>')
    .description('new API consumer')
    .action((name: string) => done(run((c) => c.tenantCreate(name))));

  const apikey = group('apikey', "tenants' API keys");
  apikey
    .command('create <tenant-name>')
    .description('new API key (shown once)')
    .action((tenant: string) => done(run((c) => c.apikeyCreate(tenant))));
  apikey
    .command('revoke <id>')
    .description('revoke an API key')
    .action((id: string) => done(run((c) => c.apikeyRevoke(id))));

  group('audit', 'the signed, hash-chained audit log')
    .command('verify')
    .description("check the audit log's hash chain (exit 1 when broken)")
    .action(() => done(run((c) => c.auditVerify())));
  return nf;
}

/** Exit codes: 0 done (and --help), 1 the command failed, 2 usage error, 78 invalid configuration. */
async function main(argv: string[]): Promise<number> {
  let result: Promise<number> | undefined;
  const nf = program((code) => (result = code));
  try {
    await nf.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return error.exitCode === 0 ? 0 : 2;
  }
  if (result) return result;
  nf.outputHelp({ error: true }); // a group without its command, or nothing at all
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`nf failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
