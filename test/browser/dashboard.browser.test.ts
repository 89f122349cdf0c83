import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { handshake } from '@nf/pqc';
import type { RotationView } from '@nf/contracts';
import type { Protocol } from 'playwright-core/types/protocol';
import { chosen, Dashboard, DESKTOP, shot, startDashboard } from './harness';
import { AuditPage, KeysPage, ModelsPage, OverviewPage, Shell, SignInPage } from './pages';

jest.setTimeout(240_000);

const tinyRequest = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [0.1, 0.2, 0.3, 0.4] }] };
/** The dashboard reads the overview this often (OVERVIEW_POLL_MS): a stopped service must show within it. */
const OVERVIEW_POLL_MS = 5000;

describe('the dashboard in Chromium, against the built service', () => {
  let d: Dashboard;
  let url: string;

  async function keysPageOf(shell: Shell): Promise<KeysPage> {
    await shell.goTo('Keys & rotations');
    const keys = new KeysPage(shell.page);
    await keys.pending.or(keys.noOpenRequest).waitFor();
    return keys;
  }

  beforeAll(async () => {
    d = await startDashboard();
    url = d.url;
  });

  afterAll(async () => {
    await d?.close();
  });

  it('walks the two-person rotation by clicking: A requests and cannot approve, a viewer cannot either, B approves; B rejects the next one by keyboard, saying why', async () => {
    const aliceShell = await d.signIn('admin');
    expect(await aliceShell.signedInAs.textContent()).toBe('admin (admin)');
    await aliceShell.simulationBanner.waitFor();
    expect(await aliceShell.simulationBanner.textContent()).toContain('SIMULATION_MODE=true');

    const aliceKeys = await keysPageOf(aliceShell);
    await aliceKeys.requestRotation('quarterly rotation, ticket OPS-7');
    expect(await aliceKeys.pending.getByTestId('rotation-requester').textContent()).toBe('admin');
    expect(await aliceKeys.pending.getByTestId('rotation-note').textContent()).toBe('You requested this rotation: another admin must approve it.');
    expect(await aliceKeys.approveButtons.count()).toBe(0);
    // The request's id, when it was made and when it expires, absolutely (UTC) and as a countdown.
    const [mine] = (await aliceShell.page.evaluate(() => fetch('/pqc/rotations?status=PENDING').then((r) => r.json()))) as RotationView[];
    expect(await aliceKeys.pending.getByTestId('rotation-id').textContent()).toBe(mine.id);
    expect(await aliceKeys.pending.getByTestId('rotation-requested-at').textContent()).toBe(`${new Date(mine.createdAt).toISOString().slice(0, 19).replace('T', ' ')} UTC`);
    expect(await aliceKeys.pending.getByTestId('rotation-expiry').textContent()).toBe(`${new Date(mine.expiresAt).toISOString().slice(0, 19).replace('T', ' ')} UTC`);
    expect(await aliceKeys.pending.getByTestId('rotation-countdown').textContent()).toMatch(/^\(in 2[34] h \d+ min\)$/);
    await aliceShell.screenshot(shot('keys-requester'));

    const veraShell = await d.signIn('vera');
    const veraKeys = await keysPageOf(veraShell);
    expect(await veraKeys.pending.getByTestId('rotation-note').textContent()).toBe('Read-only: voting needs the admin role.');
    expect(await veraKeys.approveButtons.count()).toBe(0);
    expect(await veraKeys.rejectButtons.count()).toBe(0);
    expect(await veraShell.page.getByRole('button', { name: 'Request rotation' }).count()).toBe(0);
    // The missing button is not the protection: the API refuses the viewer's vote itself.
    await expect(veraShell.callApi('POST', `/pqc/rotations/${mine.id}/approve`, { requestHash: mine.requestHash })).resolves.toEqual({
      status: 403,
      message: 'this needs the admin role',
    });
    await veraShell.screenshot(shot('keys-viewer'));

    const bobShell = await d.signIn('bob');
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
    expect(await bobKeys.history.getByTestId('rotation-deciders').first().textContent()).toMatch(/^approved by bob at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(await bobShell.page.getByTestId('bundle-expiry').textContent()).toMatch(/valid until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in (29|30) d/);
    await bobShell.screenshot(shot('keys-after-approval'));

    await bobShell.goTo('Overview');
    const overview = new OverviewPage(bobShell.page);
    await overview.activeKeyVersion.getByText('2', { exact: true }).waitFor();

    await bobShell.goTo('Audit');
    const audit = new AuditPage(bobShell.page);
    await audit.filter({ action: 'rotation_approved' });
    await audit.entries.getByRole('cell', { name: 'rotation_approved', exact: true }).waitFor();
    expect(await audit.entries.getByTestId('audit-actor').allTextContents()).toEqual(['bob (admin)']);

    // Keyboard only: B rejects A's next request (focus Reject, Enter; the reason, Tab past Cancel, Enter).
    await aliceKeys.requestRotation('rotate again, ticket OPS-8');
    const bobKeysAgain = await keysPageOf(bobShell);
    await bobKeysAgain.pending.waitFor();
    expect(await bobKeysAgain.openRejectionByKeyboard()).toEqual(expect.arrayContaining([expect.stringMatching(/^The request ends as REJECTED/)]));
    // Without a reason the rejection cannot be confirmed.
    expect(await bobKeysAgain.dialog.getByRole('button', { name: 'Reject request' }).isDisabled()).toBe(true);
    await bobKeysAgain.rejectByKeyboard('change freeze until Monday');
    await bobKeysAgain.noOpenRequest.waitFor();
    await bobKeysAgain.history.getByText('REJECTED', { exact: true }).waitFor();
    expect(await bobKeysAgain.history.getByTestId('rotation-deciders').first().textContent()).toMatch(/^rejected by bob at .+ UTC: “change freeze until Monday”$/);
    await bobKeysAgain.keyVersion(2).getByText('active').waitFor();
  });

  it('charts the service history: separate success and failure series, kept across a reload, over 15 min or 1 h', async () => {
    const shell = await d.signIn('bob');
    const overview = new OverviewPage(shell.page);
    await overview.waitForFirstPoint('handshakes');
    const before = Number(await overview.handshakesTotal.textContent());
    expect(await overview.panel('handshake').getByTestId('panel-handshake-freshness').textContent()).toMatch(/^updated \d\d:\d\d:\d\d UTC$/);

    const { sha256 } = (await (await fetch(`${url}/pqc/handshake`)).json()) as { sha256: string };
    for (let i = 0; i < 5; i++) await handshake(url, { pin: sha256 });
    expect((await fetch(`${url}/pqc/handshake`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"v":1}' })).status).toBe(400);
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${url}/v2/models/tiny-mlp/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tinyRequest) });
      expect(response.status).toBe(200);
    }

    // Nothing else runs handshakes against this service: the total moves by exactly these six.
    await overview.handshakesTotal.getByText(String(before + 6), { exact: true }).waitFor();
    await expect(overview.waitForPeak('handshakes', 'succeeded')).resolves.toBeGreaterThan(0);
    await expect(overview.waitForPeak('handshakes', 'failed')).resolves.toBeGreaterThan(0);
    await expect(overview.waitForPeak('throughput', 'requests')).resolves.toBeGreaterThan(0);
    await expect(overview.waitForPeak('latency', 'p50')).resolves.toBeGreaterThan(0);
    // A rate over a minute's window: 5 successes and 1 failure are never drawn as 30/min steps.
    expect(Number(await overview.peak('handshakes', 'failed').textContent())).toBeLessThanOrEqual(30);
    await shell.screenshot(shot('overview'));
    const drawn = await overview.points('handshakes');

    // The history lives in the service: a reload draws the same minutes at once.
    await shell.page.reload();
    await shell.page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await overview.waitForFirstPoint('handshakes');
    expect(await overview.points('handshakes')).toBeGreaterThanOrEqual(drawn);
    expect(Number(await overview.peak('handshakes', 'succeeded').textContent())).toBeGreaterThan(0);
    await overview.chooseRange('1 h');
    await overview.waitForFirstPoint('throughput');
    expect(Number(await overview.peak('throughput', 'requests').textContent())).toBeGreaterThan(0);
  });

  it('shows who acted with their role at the time, pages both ways, and re-verifies the chain after a new entry', async () => {
    const shell = await d.signIn('bob');
    await shell.goTo('Audit');
    const audit = new AuditPage(shell.page);
    const verified = await audit.verifiedEntries();
    const checked = await audit.checkedAt.textContent();
    expect(checked).toMatch(/^Checked at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.$/);
    expect(await audit.range.textContent()).toBe(`Entries 1–${Math.min(verified, 50)} of ${verified}, newest first`);

    // A viewer's sign-in shows as the viewer it was, not as the account type "(admin)".
    await audit.filter({ action: 'login_succeeded', actor: 'vera' });
    await audit.entries.getByTestId('audit-actor').first().getByText('vera (viewer)').waitFor();
    expect(new Set(await audit.entries.getByTestId('audit-actor').allTextContents())).toEqual(new Set(['vera (viewer)']));
    // The full entry (hash and signature) only on demand.
    const row = audit.entries.locator('details').first();
    await row.locator('summary').click();
    expect(await row.locator('pre').textContent()).toMatch(/"signature": "[A-Za-z0-9_-]{100,}"/);
    await shell.screenshot(shot('audit'));

    // A new entry (vera signs in again): the list shows it and the chain check runs again, with a new time.
    await audit.filter({});
    await d.signIn('vera');
    await audit.chainResult.getByText(new RegExp(`^intact: (${verified + 1}|${verified + 2}) entries`)).waitFor({ timeout: 30_000 });
    expect(await audit.checkedAt.textContent()).not.toBe(checked);
  });

  it('unloads a model only after a confirmation naming the effect, shows progress and the outcome; shows policies; signs out', async () => {
    const shell = await d.signIn('bob');
    const page = shell.page;
    await shell.goTo('Models');
    const models = new ModelsPage(page);
    expect(await models.row('tiny-mlp').getByTestId('load-ms-tiny-mlp').textContent()).toMatch(/^[\d.]+ ms of 800 ms$/);
    await page.getByRole('button', { name: 'Unload tiny-mlp', exact: true }).click();
    await models.dialog.waitFor();
    expect(await models.dialog.getByRole('listitem').allTextContents()).toEqual([
      'tiny-mlp stops serving at once: every new request for it gets 503 until it is loaded again.',
      'Requests waiting in its queue at that moment are refused with 503 (none wait now).',
      expect.stringMatching(/^Version 1 leaves memory; Load brings back the latest version \(about \d+ ms\)\.$/),
    ]);
    // Cancel changes nothing.
    await models.dialog.getByRole('button', { name: 'Cancel' }).click();
    await models.dialog.waitFor({ state: 'detached' });
    expect(await models.row('tiny-mlp').getByText('READY', { exact: true }).count()).toBe(1);
    await page.getByRole('button', { name: 'Unload tiny-mlp', exact: true }).click();
    await models.dialog.getByRole('button', { name: 'Unload tiny-mlp', exact: true }).click();
    await models.outcome('tiny-mlp').getByText(/^tiny-mlp unloaded at .+ UTC\.$/).waitFor();
    await models.row('tiny-mlp').getByText('UNAVAILABLE', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Load tiny-mlp', exact: true }).click();
    await models.outcome('tiny-mlp').getByText(/^tiny-mlp loaded at .+ UTC\.$/).waitFor();
    await models.row('tiny-mlp').getByText('READY', { exact: true }).waitFor();
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
    const shell = await d.signIn('vera');
    // Ended behind the page's back (as expiry or a sign-out elsewhere would): its next poll gets 401.
    await expect(shell.callApi('POST', '/auth/logout')).resolves.toMatchObject({ status: 204 });
    const signInPage = new SignInPage(shell.page);
    await signInPage.notice.waitFor();
    expect(await signInPage.notice.textContent()).toBe('Your session expired or was ended. Sign in again.');
    // The sign-in page says what is simulated too, from the public run mode.
    expect(await shell.simulationBanner.textContent()).toBe('Simulation — run mode is simulation · SIMULATION_MODE=true · GPUs are simulated (GPU_DRIVER_MOCK=true)');
    await shell.screenshot(shot('sign-in-expired'));
  });

  it('gets its script compressed and cached as immutable, its page revalidated, and reads the banner from /auth/mode rather than polling the overview', async () => {
    const context = await d.browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    const responses = new Map<string, Record<string, string>>();
    const calls: string[] = [];
    page.on('response', async (response) => responses.set(new URL(response.url()).pathname, await response.allHeaders()));
    page.on('request', (request) => calls.push(new URL(request.url()).pathname));
    await new SignInPage(page).open(url);
    const script = [...responses.keys()].find((p) => /^\/assets\/index-[\w-]+\.js$/.test(p))!;
    expect(responses.get(script)).toMatchObject({ 'content-encoding': expect.stringMatching(/^(br|gzip)$/), 'cache-control': 'public, max-age=31536000, immutable' });
    expect(responses.get('/')).toMatchObject({ 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
    expect(responses.get('/')!['content-security-policy']).toMatch(/frame-ancestors 'none'/);

    // Signed in, on a page that shows no overview: the banner comes from /auth/mode, and nothing polls the overview.
    await new SignInPage(page).signIn('vera', chosen('vera'));
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await new Shell(page).goTo('Policies');
    calls.length = 0;
    await page.waitForTimeout(OVERVIEW_POLL_MS * 2);
    expect(calls.filter((p) => p.startsWith('/admin/overview'))).toEqual([]);
    expect(await new Shell(page).simulationBanner.textContent()).toContain('run mode is simulation');
    await context.close();
  });

  it('loads the dashboard over https with key exchange X25519MLKEM768 (as the DevTools protocol reports it) and signs in with a Secure cookie', async () => {
    const httpsUrl = (await d.service.httpsUrl()).replace('127.0.0.1', 'localhost');
    // The development certificate is not in Chromium's trust store: accepted for this profile only, and checked
    // below to be the service's own (Chromium offers no ML-DSA signatures, so it gets the ECDSA certificate).
    const context = await d.browser.newContext({ viewport: DESKTOP, ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const documents: Protocol.Network.Response[] = [];
    cdp.on('Network.responseReceived', (event) => {
      if (event.type === 'Document') documents.push(event.response);
    });
    const signInPage = new SignInPage(page);
    await signInPage.open(httpsUrl);
    const [document] = documents.filter((doc) => doc.url.startsWith(httpsUrl));
    const devCertificate = new X509Certificate(readFileSync(path.join(d.service.dir, 'data', 'tls', 'dev-cert.pem')));
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

  // Last: it stops the service.
  it('turns every overview panel to unknown within one poll interval of the service stopping, and says the service is unreachable', async () => {
    const shell = await d.signIn('bob');
    const overview = new OverviewPage(shell.page);
    await overview.waitForFirstPoint('handshakes');
    const panels = ['charts', 'handshake', 'runtime', 'probes', 'environment'];
    for (const id of panels) await overview.panel(id).and(shell.page.locator('[data-state="fresh"]')).waitFor();

    d.service.child.kill('SIGTERM');
    expect(await d.service.exited).toBe(0);
    // From here the next poll fails; allow one interval plus the time a refused connection takes to report.
    const deadline = { timeout: OVERVIEW_POLL_MS + 2000 };
    await shell.unreachable.waitFor(deadline);
    expect(await shell.unreachable.textContent()).toMatch(/^Service unreachable since \d\d:\d\d:\d\d/);
    for (const id of panels) await overview.panel(id).and(shell.page.locator('[data-state="unknown"]')).waitFor(deadline);
    expect(await overview.panel('handshake').getByTestId('panel-handshake-freshness').textContent()).toMatch(/^unknown since \d\d:\d\d:\d\d UTC — /);
    // The last good values are gone, not shown as if they still held.
    expect(await shell.page.getByText('serving', { exact: true }).count()).toBe(0);
    expect(await shell.page.getByTestId('probe-ready').count()).toBe(0);
    await shell.screenshot(shot('overview-unreachable'));
  });
});
