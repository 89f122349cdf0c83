import { Locator, Page } from 'playwright-core';

/** Page objects for the dashboard: every selector is a role, a label or a test id. */

/** A positive number as the charts print it. */
const NON_ZERO = /^(0\.\d*[1-9]\d*|[1-9][\d.]*)$/;

export class SignInPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.heading.waitFor();
  }

  get heading(): Locator {
    return this.page.getByRole('heading', { name: 'Sign in' });
  }

  get notice(): Locator {
    return this.page.getByTestId('sign-in-notice');
  }

  async signIn(name: string, password: string): Promise<void> {
    await this.page.getByLabel('Name').fill(name);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }
}

export class ChangePasswordPage {
  constructor(readonly page: Page) {}

  async change(oneTime: string, chosen: string): Promise<void> {
    await this.page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await this.page.getByLabel('One-time password').fill(oneTime);
    await this.page.getByLabel('New password', { exact: true }).fill(chosen);
    await this.page.getByLabel('Repeat new password').fill(chosen);
    await this.page.getByRole('button', { name: 'Change password' }).click();
  }
}

/** The signed-in frame: navigation, who is signed in, the simulation banner. */
export class Shell {
  constructor(readonly page: Page) {}

  async goTo(title: 'Overview' | 'Keys & rotations' | 'Audit' | 'Policies' | 'Models'): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: title }).click();
    await this.page.getByRole('heading', { level: 1, name: title }).waitFor();
  }

  get signedInAs(): Locator {
    return this.page.getByTestId('signed-in-as');
  }

  get simulationBanner(): Locator {
    return this.page.getByTestId('simulation-banner');
  }

  async screenshot(file: string): Promise<void> {
    await this.page.screenshot({ path: file, fullPage: true });
  }

  /** A call from the page itself, with its session cookie and CSRF token, as a hand-made request would be. */
  async callApi(method: string, path: string, body?: unknown): Promise<{ status: number; message: string }> {
    return this.page.evaluate(
      async ({ method, path, body }) => {
        const me = (await fetch('/auth/me').then((r) => r.json())) as { csrfToken: string };
        const headers: Record<string, string> = { 'x-csrf-token': me.csrfToken };
        if (body !== undefined) headers['content-type'] = 'application/json';
        const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
        const answer = (await response.json().catch(() => ({}))) as { message?: string; error?: string };
        return { status: response.status, message: String(answer.message ?? answer.error ?? '') };
      },
      { method, path, body },
    );
  }
}

export class OverviewPage {
  constructor(readonly page: Page) {}

  get activeKeyVersion(): Locator {
    return this.page.getByTestId('active-key-version');
  }

  get handshakesTotal(): Locator {
    return this.page.getByTestId('handshakes-total');
  }

  /** The highest value a chart's series shows over its window, as text ("–" while it has none). */
  peak(chart: string, series: string): Locator {
    return this.page.getByTestId(`chart-${chart}-${series}-peak`);
  }

  /** Waits until a chart's series has risen above zero within its window (the chart moved), and returns the peak. */
  async waitForPeak(chart: string, series: string): Promise<number> {
    await this.peak(chart, series).filter({ hasText: NON_ZERO }).waitFor();
    return Number(await this.peak(chart, series).textContent());
  }

  /** Waits until the chart has at least one point (two snapshots). */
  async waitForFirstPoint(chart: string): Promise<void> {
    await this.page.locator(`[data-testid="chart-${chart}"]:not([data-points="0"])`).waitFor();
  }
}

export class KeysPage {
  constructor(readonly page: Page) {}

  get pending(): Locator {
    return this.page.getByTestId('pending-rotation');
  }

  get noOpenRequest(): Locator {
    return this.page.getByText('No open rotation request.');
  }

  get approveButtons(): Locator {
    return this.page.getByRole('button', { name: 'Approve' });
  }

  get rejectButtons(): Locator {
    return this.page.getByRole('button', { name: 'Reject' });
  }

  get dialog(): Locator {
    return this.page.getByRole('dialog');
  }

  get history(): Locator {
    return this.page.getByTestId('rotation-history');
  }

  keyVersion(version: number): Locator {
    return this.page.getByTestId(`key-version-${version}`);
  }

  async requestRotation(reason: string): Promise<void> {
    await this.page.getByLabel(/^Reason/).fill(reason);
    await this.page.getByRole('button', { name: 'Request rotation' }).click();
    await this.pending.waitFor();
  }

  /** Clicks Approve and returns what the confirmation dialog says will change. */
  async openApproval(): Promise<string[]> {
    await this.approveButtons.click();
    await this.dialog.waitFor();
    return this.dialog.getByRole('listitem').allTextContents();
  }

  async confirm(label: string): Promise<void> {
    await this.dialog.getByRole('button', { name: label }).click();
    await this.dialog.waitFor({ state: 'detached' });
  }

  /** Opens the rejection with the keyboard only (focus Reject, Enter) and returns what the dialog says will change. */
  async openRejectionByKeyboard(): Promise<string[]> {
    await this.rejectButtons.focus();
    await this.page.keyboard.press('Enter');
    await this.dialog.waitFor();
    return this.dialog.getByRole('listitem').allTextContents();
  }

  /** Focus starts on Cancel: Tab to the confirm button, Enter. */
  async confirmByKeyboard(): Promise<void> {
    await this.page.keyboard.press('Tab');
    await this.page.keyboard.press('Enter');
    await this.dialog.waitFor({ state: 'detached' });
  }
}
