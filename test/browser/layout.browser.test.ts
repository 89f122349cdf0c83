import type { RotationView } from '@nf/contracts';
import { Dashboard, DESKTOP, PHONE, shot, startDashboard } from './harness';
import { fullyVisible, KeysPage, OverviewPage, Shell } from './pages';

jest.setTimeout(240_000);

const PAGES = [
  { title: 'Overview', file: 'overview' },
  { title: 'Keys & rotations', file: 'keys' },
  { title: 'Audit', file: 'audit' },
  { title: 'Policies', file: 'policies' },
  { title: 'Models', file: 'models' },
] as const;

/** Waits for what each page loads, so its screenshot shows it. */
async function settle(shell: Shell, file: (typeof PAGES)[number]['file']): Promise<void> {
  const page = shell.page;
  if (file === 'overview') await new OverviewPage(page).panel('handshake').and(page.locator('[data-state="fresh"]')).waitFor();
  if (file === 'keys') await page.getByTestId('key-versions').waitFor();
  if (file === 'audit') await page.getByTestId('chain-result').getByText(/^intact/).waitFor();
  if (file === 'policies') await page.getByTestId('policies').waitFor();
  if (file === 'models') await page.getByTestId('models').waitFor();
}

describe('the dashboard on a phone (390x844) and a desktop (1440x900)', () => {
  let d: Dashboard;

  beforeAll(async () => {
    d = await startDashboard();
    // Some history for every page: a decided request, an open one, audit entries.
    const alice = await d.signIn('admin');
    const keys = new KeysPage(alice.page);
    await alice.goTo('Keys & rotations');
    await keys.requestRotation('quarterly rotation, ticket OPS-7');
    await alice.page.getByRole('button', { name: 'Cancel request' }).click();
    await keys.noOpenRequest.waitFor();
    await keys.requestRotation('rotation after the audit, ticket OPS-9');
    await alice.page.context().close();
  });

  afterAll(async () => {
    await d?.close();
  });

  it.each([
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const)('every page fits a %s without sideways scrolling (screenshots under reports/dashboard/)', async (size, viewport) => {
    const shell = await d.signIn('bob', { viewport });
    for (const { title, file } of PAGES) {
      await shell.goTo(title);
      await settle(shell, file);
      const { scrollWidth, clientWidth } = await shell.widths();
      // Names what reaches past the edge when something does.
      expect({ page: title, overflowing: await shell.overflowing() }).toEqual({ page: title, overflowing: [] });
      expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
      await shell.screenshot(shot(`${file}-${size}`));
    }
    if (size === 'phone') {
      // Header and banner leave the screen to the content: well under a third of its height.
      const main = await shell.page.locator('main').boundingBox();
      expect(main!.y).toBeLessThan(PHONE.height / 3);
    }
    await shell.page.context().close();
  });

  it('shows the whole approval dialog on a phone, and rejects with a reason from it', async () => {
    const shell = await d.signIn('bob', { viewport: PHONE });
    await shell.goTo('Keys & rotations');
    const keys = new KeysPage(shell.page);
    await keys.pending.waitFor();
    await keys.openApproval();
    expect(await fullyVisible(keys.dialog)).toBe(true);
    const { scrollWidth, clientWidth } = await keys.dialog.evaluate((el) => ({ scrollWidth: (el as unknown as { scrollWidth: number }).scrollWidth, clientWidth: (el as unknown as { clientWidth: number }).clientWidth }));
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    await shell.screenshot(shot('keys-approve-dialog-phone'));
    await keys.dialog.getByRole('button', { name: 'Cancel' }).click();

    await keys.rejectButtons.click();
    await keys.dialog.waitFor();
    expect(await fullyVisible(keys.dialog)).toBe(true);
    await keys.dialog.getByLabel(/^Reason/).fill('needs the new HSM first');
    await shell.screenshot(shot('keys-reject-dialog-phone'));
    await keys.confirm('Reject request');
    await keys.history.getByText('REJECTED', { exact: true }).waitFor();
    const [rejected] = (await shell.page.evaluate(() => fetch('/pqc/rotations?status=REJECTED').then((r) => r.json()))) as RotationView[];
    expect(rejected.rejections[0].reason).toBe('needs the new HSM first');
    expect(await keys.history.getByTestId('rotation-deciders').first().textContent()).toContain('“needs the new HSM first”');
    const { scrollWidth: pageWidth, clientWidth: viewportWidth } = await shell.widths();
    expect(pageWidth).toBeLessThanOrEqual(viewportWidth);
    await shell.screenshot(shot('keys-history-phone'));
  });

  it('follows the dark colour scheme the system prefers', async () => {
    const context = await d.browser.newContext({ viewport: DESKTOP, colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(d.url);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const background = await page.evaluate<string>('getComputedStyle(document.documentElement).backgroundColor');
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    expect(r + g + b).toBeLessThan(150);
    await page.screenshot({ path: shot('sign-in-dark'), fullPage: true });
    await context.close();
    const dark = await (await d.browser.newContext({ viewport: PHONE, colorScheme: 'dark' })).newPage();
    const darkShell = new Shell(dark);
    await dark.goto(d.url);
    await dark.getByLabel('Name').fill('bob');
    await dark.getByLabel('Password').fill('bob-chosen-password-1');
    await dark.getByRole('button', { name: 'Sign in' }).click();
    await new OverviewPage(dark).panel('handshake').and(dark.locator('[data-state="fresh"]')).waitFor();
    await darkShell.screenshot(shot('overview-phone-dark'));
    await dark.context().close();
  });
});
