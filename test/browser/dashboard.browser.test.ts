import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { handshake } from '@nf/pqc';
import type { RotationView } from '@nf/contracts';
import { Browser, chromium } from 'playwright-core';
import type { Protocol } from 'playwright-core/types/protocol';
import { REPO_ROOT } from '../support/paths';
import { ServiceProcess, spawnService } from '../support/service-process';
import { ChangePasswordPage, KeysPage, OverviewPage, Shell, SignInPage } from './pages';

jest.setTimeout(240_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DASHBOARD = path.join(REPO_ROOT, 'dist', 'dashboard', 'index.html');
const CLI = path.join(REPO_ROOT, 'dist', 'apps', 'api', 'src', 'cli.js');
const SCREENSHOTS = path.join(REPO_ROOT, 'reports', 'dashboard');
const shot = (name: string) => path.join(SCREENSHOTS, `${name}.png`);

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

const chosen = (name: string) => `${name}-chosen-password-1`;
const tinyRequest = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [0.1, 0.2, 0.3, 0.4] }] };

describe('the dashboard in Chromium, against the built service', () => {
  let service: ServiceProcess;
  let url: string;
  let httpsUrl: string;
  let browser: Browser;
  const passwords: Record<string, string> = {};

  /**
   * A fresh browser profile (own cookies) signed in as `name`, on the Overview. The first sign-in uses
   * the one-time password and goes through the forced password change.
   */
  async function signIn(name: string, first = false): Promise<Shell> {
    const page = await (await browser.newContext({ viewport: { width: 1360, height: 1000 } })).newPage();
    const signInPage = new SignInPage(page);
    await signInPage.open(url);
    await signInPage.signIn(name, first ? passwords[name] : chosen(name));
    if (first) await new ChangePasswordPage(page).change(passwords[name], chosen(name));
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    return new Shell(page);
  }

  async function keysPageOf(shell: Shell): Promise<KeysPage> {
    await shell.goTo('Keys & rotations');
    const keys = new KeysPage(shell.page);
    await keys.pending.or(keys.noOpenRequest).waitFor();
    return keys;
  }

  beforeAll(async () => {
    if (!existsSync(DASHBOARD)) throw new Error(`${DASHBOARD} is missing: run npm run build:dashboard first (npm test does)`);
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    service = spawnService({ PQC_WORKERS: '1', RUNTIME_WORKERS: '1' });
    url = await service.url();
    httpsUrl = (await service.httpsUrl()).replace('127.0.0.1', 'localhost');
    // The first start created `admin` with a one-time password in DATA_DIR, as an operator would find it.
    passwords.admin = readFileSync(path.join(service.dir, 'data', 'initial-admin-password'), 'utf8').trim();
    passwords.bob = await createAccount(service.dir, 'bob', 'admin');
    passwords.vera = await createAccount(service.dir, 'vera', 'viewer');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  });

  afterAll(async () => {
    await browser?.close();
    service?.child.kill('SIGTERM');
    await service?.exited;
  });

  it('walks the two-person rotation by clicking: A requests and cannot approve, a viewer cannot either, B approves; B rejects the next one by keyboard', async () => {
    const aliceShell = await signIn('admin', true);
    expect(await aliceShell.signedInAs.textContent()).toBe('admin (admin)');
    await aliceShell.simulationBanner.waitFor();
    expect(await aliceShell.simulationBanner.textContent()).toContain('SIMULATION_MODE=true');

    const aliceKeys = await keysPageOf(aliceShell);
    await aliceKeys.requestRotation('quarterly rotation, ticket OPS-7');
    expect(await aliceKeys.pending.getByTestId('rotation-requester').textContent()).toBe('admin');
    expect(await aliceKeys.pending.getByTestId('rotation-note').textContent()).toBe('You requested this rotation: another admin must approve it.');
    expect(await aliceKeys.approveButtons.count()).toBe(0);
    await aliceShell.screenshot(shot('keys-requester'));

    const veraShell = await signIn('vera', true);
    const veraKeys = await keysPageOf(veraShell);
    expect(await veraKeys.pending.getByTestId('rotation-note').textContent()).toBe('Read-only: voting needs the admin role.');
    expect(await veraKeys.approveButtons.count()).toBe(0);
    expect(await veraKeys.rejectButtons.count()).toBe(0);
    expect(await veraShell.page.getByRole('button', { name: 'Request rotation' }).count()).toBe(0);
    const [open] = (await veraShell.page.evaluate(() => fetch('/pqc/rotations?status=PENDING').then((r) => r.json()))) as RotationView[];
    // The missing button is not the protection: the API refuses the viewer's vote itself.
    await expect(veraShell.callApi('POST', `/pqc/rotations/${open.id}/approve`, { requestHash: open.requestHash })).resolves.toEqual({
      status: 403,
      message: 'this needs the admin role',
    });
    await veraShell.screenshot(shot('keys-viewer'));

    const bobShell = await signIn('bob', true);
    const bobKeys = await keysPageOf(bobShell);
    expect(await bobKeys.pending.getByTestId('rotation-votes').textContent()).toBe('0 of 1');
    const consequences = await bobKeys.openApproval();
    await bobShell.screenshot(shot('keys-approve-dialog'));
    expect(consequences).toEqual(
      expect.arrayContaining([
        'This approval completes the quorum (1 of 1): the rotation executes at once.',
        'Key version 2 is created and becomes active: new handshakes use it.',
      ]),
    );
    await bobKeys.confirm('Approve rotation');
    await bobKeys.noOpenRequest.waitFor();
    await bobKeys.history.getByText('EXECUTED').waitFor();
    await bobKeys.keyVersion(2).getByText('active').waitFor();
    expect(await bobKeys.keyVersion(1).getByText('verify-only').count()).toBe(1);
    await bobShell.screenshot(shot('keys-after-approval'));

    await bobShell.goTo('Overview');
    const overview = new OverviewPage(bobShell.page);
    await overview.activeKeyVersion.getByText('2', { exact: true }).waitFor();

    await bobShell.goTo('Audit');
    const bob = bobShell.page;
    await bob.getByLabel('Action').fill('rotation_approved');
    await bob.getByRole('button', { name: 'Apply filters' }).click();
    await bob.getByTestId('audit-entries').getByRole('cell', { name: 'rotation_approved', exact: true }).waitFor();
    await bob.getByTestId('chain-result').getByText(/^intact: \d+ entries/).waitFor();
    await bobShell.screenshot(shot('audit'));

    // Keyboard only: B rejects A's next request (focus Reject, Enter; Tab past Cancel, Enter).
    await aliceKeys.requestRotation('rotate again, ticket OPS-8');
    const bobKeysAgain = await keysPageOf(bobShell);
    await bobKeysAgain.pending.waitFor();
    expect(await bobKeysAgain.openRejectionByKeyboard()).toEqual(expect.arrayContaining([expect.stringMatching(/^The request ends as REJECTED/)]));
    await bobKeysAgain.confirmByKeyboard();
    await bobKeysAgain.noOpenRequest.waitFor();
    await bobKeysAgain.history.getByText('REJECTED', { exact: true }).waitFor();
    await bobKeysAgain.keyVersion(2).getByText('active').waitFor();
  });

  it('moves the overview charts while handshakes and inference run against the API', async () => {
    const shell = await signIn('bob');
    const overview = new OverviewPage(shell.page);
    await overview.waitForFirstPoint('handshakes');
    const before = Number(await overview.handshakesTotal.textContent());
    // Nothing has run against this service yet: flat lines, and no latency to show.
    expect(await overview.peak('handshakes', 'handshakes').textContent()).toBe('0');
    expect(await overview.peak('throughput', 'requests').textContent()).toBe('0');
    expect(await overview.peak('latency', 'p50').textContent()).toBe('–');

    const { sha256 } = (await (await fetch(`${url}/pqc/handshake`)).json()) as { sha256: string };
    for (let i = 0; i < 5; i++) await handshake(url, { pin: sha256 });
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${url}/v2/models/tiny-mlp/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tinyRequest) });
      expect(response.status).toBe(200);
    }

    // Nothing else runs handshakes against this service: the total moves by exactly these five.
    await overview.handshakesTotal.getByText(String(before + 5), { exact: true }).waitFor();
    await expect(overview.waitForPeak('handshakes', 'handshakes')).resolves.toBeGreaterThan(0);
    await expect(overview.waitForPeak('throughput', 'requests')).resolves.toBeGreaterThan(0);
    await expect(overview.waitForPeak('latency', 'p50')).resolves.toBeGreaterThan(0);
    await shell.screenshot(shot('overview'));
  });

  it('shows models against the load budget, loads and unloads them for admins, shows policies, signs out', async () => {
    const shell = await signIn('bob');
    const page = shell.page;
    await shell.goTo('Models');
    const row = page.getByTestId('model-tiny-mlp');
    expect(await row.getByTestId('load-ms-tiny-mlp').textContent()).toMatch(/^[\d.]+ ms of 800 ms$/);
    await page.getByRole('button', { name: 'Unload tiny-mlp' }).click();
    await row.getByText('UNAVAILABLE', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Load tiny-mlp', exact: true }).click();
    await row.getByText('READY', { exact: true }).waitFor();
    await shell.screenshot(shot('models'));

    await shell.goTo('Policies');
    await page.getByTestId('policies').waitFor();
    for (const id of ['P1', 'P2', 'P3', 'P4', 'P6', 'P7']) expect(await page.getByTestId(`policy-${id}`).textContent()).toMatch(new RegExp(`^${id} \\w.*(pass|warn|fail)`));
    expect(await page.getByTestId('policy-P5').count()).toBe(0);
    await shell.screenshot(shot('policies'));

    await page.getByRole('button', { name: 'Sign out' }).click();
    const signInPage = new SignInPage(page);
    await signInPage.heading.waitFor();
    expect(await signInPage.notice.count()).toBe(0);
  });

  it('sends an expired session back to sign-in, saying why', async () => {
    const shell = await signIn('vera');
    // Ended behind the page's back (as expiry or a sign-out elsewhere would): its next poll gets 401.
    await expect(shell.callApi('POST', '/auth/logout')).resolves.toMatchObject({ status: 204 });
    const signInPage = new SignInPage(shell.page);
    await signInPage.notice.waitFor();
    expect(await signInPage.notice.textContent()).toBe('Your session expired or was ended. Sign in again.');
    // The sign-in page says what is simulated too, from the public run mode.
    expect(await shell.simulationBanner.textContent()).toBe('Simulation — run mode is simulation · SIMULATION_MODE=true · GPUs are simulated (GPU_DRIVER_MOCK=true)');
    await shell.screenshot(shot('sign-in-expired'));
  });

  it('loads the dashboard over https with key exchange X25519MLKEM768 (as the DevTools protocol reports it) and signs in with a Secure cookie', async () => {
    // The development certificate is not in Chromium's trust store: accepted for this profile only, and checked
    // below to be the service's own (Chromium offers no ML-DSA signatures, so it gets the ECDSA certificate).
    const context = await browser.newContext({ viewport: { width: 1360, height: 1000 }, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const documents: Protocol.Network.Response[] = [];
    cdp.on('Network.responseReceived', (event) => {
      if (event.type === 'Document') documents.push(event.response);
    });
    const signInPage = new SignInPage(page);
    await signInPage.open(httpsUrl);
    const [document] = documents.filter((d) => d.url.startsWith(httpsUrl));
    const devCertificate = new X509Certificate(readFileSync(path.join(service.dir, 'data', 'tls', 'dev-cert.pem')));
    expect(document.securityDetails).toMatchObject({
      protocol: 'TLS 1.3',
      keyExchangeGroup: 'X25519MLKEM768',
      subjectName: 'localhost',
      validTo: Math.floor(new Date(devCertificate.validTo).getTime() / 1000),
    });

    await signInPage.signIn('bob', chosen('bob'));
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const cookie = (await context.cookies(httpsUrl)).find((c) => c.name === 'nf_session');
    expect(cookie?.secure).toBe(true);
    await new Shell(page).screenshot(shot('overview-https'));
    await context.close();
  });
});
