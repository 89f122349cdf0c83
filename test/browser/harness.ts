import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { REPO_ROOT } from '../support/paths';
import { ServiceProcess, spawnService } from '../support/service-process';
import { ChangePasswordPage, Shell, SignInPage } from './pages';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DASHBOARD = path.join(REPO_ROOT, 'dist', 'dashboard', 'index.html');
const CLI = path.join(REPO_ROOT, 'dist', 'apps', 'api', 'src', 'cli.js');
const SCREENSHOTS = path.join(REPO_ROOT, 'reports', 'dashboard');

export const shot = (name: string) => path.join(SCREENSHOTS, `${name}.png`);
export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };
export const chosen = (name: string) => `${name}-chosen-password-1`;

/** The state spawnService gives the service, for the CLI that creates the other accounts. */
const stateEnv = (dir: string) => ({
  DATA_DIR: path.join(dir, 'data'),
  REPORTS_DIR: path.join(dir, 'reports'),
  VAULT_PQC_KEY_PATH: path.join(dir, 'data', 'keystore'),
  DATABASE_URL: `sqlite:${path.join(dir, 'data', 'nf.sqlite')}`,
  PQC_WORKERS: '1',
  RUNTIME_WORKERS: '1',
});

/** `npm run nf -- admin create <name>` against the running service's state; returns the one-time password. */
function createAccount(dir: string, name: string, role: 'admin' | 'viewer'): Promise<string> {
  const env = { PATH: process.env.PATH ?? '', ...stateEnv(dir), MODEL_LOAD_AT_STARTUP: 'none' };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'admin', 'create', name, '--role', role], { cwd: REPO_ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const password = /one-time password \(change it at first login\): (\S+)/.exec(stdout)?.[1];
      if (error || !password) reject(new Error(`admin create ${name} failed: ${error?.message ?? ''}\n${stdout}\n${stderr}`));
      else resolve(password);
    });
  });
}

export interface Dashboard {
  service: ServiceProcess;
  url: string;
  browser: Browser;
  /**
   * A fresh browser profile (own cookies) signed in as `name`, on the Overview. The first sign-in uses
   * the one-time password and goes through the forced password change.
   */
  signIn(name: string, options?: { first?: boolean; viewport?: { width: number; height: number } }): Promise<Shell>;
  close(): Promise<void>;
}

/**
 * The built service as its own process (samples every 2 s for the charts) with accounts `admin`
 * (the first-start admin), bob (admin) and vera (viewer), and Debian's Chromium.
 */
export async function startDashboard(): Promise<Dashboard> {
  if (!existsSync(DASHBOARD)) throw new Error(`${DASHBOARD} is missing: run npm run build:dashboard first (npm test does)`);
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const service = spawnService({ PQC_WORKERS: '1', RUNTIME_WORKERS: '1', OVERVIEW_HISTORY_INTERVAL_SECONDS: '2' });
  const url = await service.url();
  const passwords: Record<string, string> = {};
  // The first start created `admin` with a one-time password in DATA_DIR, as an operator would find it.
  passwords.admin = readFileSync(path.join(service.dir, 'data', 'initial-admin-password'), 'utf8').trim();
  passwords.bob = await createAccount(service.dir, 'bob', 'admin');
  passwords.vera = await createAccount(service.dir, 'vera', 'viewer');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const firstDone = new Set<string>();
  return {
    service,
    url,
    browser,
    async signIn(name, { first = !firstDone.has(name), viewport = DESKTOP } = {}) {
      const page = await (await browser.newContext({ viewport })).newPage();
      const signInPage = new SignInPage(page);
      await signInPage.open(url);
      await signInPage.signIn(name, first ? passwords[name] : chosen(name));
      if (first) await new ChangePasswordPage(page).change(passwords[name], chosen(name));
      firstDone.add(name);
      await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
      return new Shell(page);
    },
    async close() {
      await browser.close();
      if (service.child.exitCode === null) service.child.kill('SIGTERM');
      await service.exited;
    },
  };
}
