import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BOOTSTRAP_ADMIN, INITIAL_PASSWORD_FILE } from '../auth/admin-accounts.service';
import type { LoadedEnv } from '../env/env.loader';
import { AdminClient, expectStatus, json } from './http';
import type { StartedService } from './service';

/** Environment variables that give verify an account on a running service (--url); never flags, so never in a process list. */
export const ADMIN_NAME_VAR = 'NF_VERIFY_ADMIN_NAME';
export const ADMIN_PASSWORD_VAR = 'NF_VERIFY_ADMIN_PASSWORD';
export const API_KEY_VAR = 'NF_VERIFY_API_KEY';

/** The service the checks talk to: one verify started, or one already running (--url). */
export interface Target {
  readonly kind: 'started' | 'running';
  readonly url: string;
  /** The https listener; undefined when there is none (or none was named for --url). */
  readonly httpsUrl?: string;
  /** Certificates to trust on the https listener (--ca, or the development ones the started service generated). */
  readonly ca?: Buffer;
  /** Only for a started service: its output and temporary state. */
  readonly service?: StartedService;
  /** Only for a started service: the environment it was given, validated here exactly as it validates it. */
  readonly env?: LoadedEnv;
  /** A signed-in admin (started: the bootstrap admin, its one-time password changed; running: NF_VERIFY_ADMIN_*). */
  admin(): Promise<AdminClient>;
  /** The tenant API key handshakes and inference run under (started: a new tenant's; running: NF_VERIFY_API_KEY or none). */
  apiKey(): Promise<string | undefined>;
}

export function startedTarget(service: StartedService, env: LoadedEnv, ca?: Buffer): Target {
  const devTrust = path.join(service.dataDir, 'tls', 'dev-trust.pem');
  let admin: Promise<AdminClient> | undefined;
  let key: Promise<string> | undefined;
  const target: Target = {
    kind: 'started',
    url: service.url,
    httpsUrl: service.httpsUrl,
    ca: ca ?? (existsSync(devTrust) ? readFileSync(devTrust) : undefined),
    service,
    env,
    admin: () => (admin ??= bootstrapAdmin(service)),
    apiKey: () =>
      (key ??= (async () => {
        const client = await target.admin();
        const tenant = await client.post('/auth/tenants', { name: 'release-verify' });
        expectStatus(tenant, 201, 'POST /auth/tenants');
        const created = await client.post(`/auth/tenants/${json<{ id: string }>(tenant, 'POST /auth/tenants').id}/api-keys`);
        expectStatus(created, 201, 'POST /auth/tenants/:id/api-keys');
        return json<{ key: string }>(created, 'POST /auth/tenants/:id/api-keys').key;
      })()),
  };
  return target;
}

/** The first start's admin: its one-time password from DATA_DIR, changed (as the first login must) to a random one. */
async function bootstrapAdmin(service: StartedService): Promise<AdminClient> {
  const file = path.join(service.dataDir, INITIAL_PASSWORD_FILE);
  if (!existsSync(file)) throw new Error(`the first start wrote no ${INITIAL_PASSWORD_FILE} in its data directory`);
  const oneTime = readFileSync(file, 'utf8').trim();
  const first = await AdminClient.signIn(service.url, BOOTSTRAP_ADMIN, oneTime);
  if (!first.mustChangePassword) throw new Error('the bootstrap admin was not asked to change its one-time password');
  const chosen = randomBytes(18).toString('base64url');
  expectStatus(await first.post('/auth/password', { current: oneTime, new: chosen }), 204, 'POST /auth/password');
  return AdminClient.signIn(service.url, BOOTSTRAP_ADMIN, chosen);
}

export function runningTarget(url: string, httpsUrl: string | undefined, ca: Buffer | undefined, env: NodeJS.ProcessEnv): Target {
  let admin: Promise<AdminClient> | undefined;
  return {
    kind: 'running',
    url,
    httpsUrl,
    ca,
    admin: () =>
      (admin ??= (async () => {
        const name = env[ADMIN_NAME_VAR];
        const password = env[ADMIN_PASSWORD_VAR];
        if (!name || !password) throw new Error(`needs an admin account on the service: set ${ADMIN_NAME_VAR} and ${ADMIN_PASSWORD_VAR}`);
        const client = await AdminClient.signIn(url, name, password);
        if (client.mustChangePassword) throw new Error(`${name} must change its password first (sign in to the dashboard once)`);
        return client;
      })()),
    apiKey: async () => env[API_KEY_VAR] || undefined,
  };
}
