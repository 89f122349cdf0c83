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

  /** The header's "Service unreachable since …" line. */
  get unreachable(): Locator {
    return this.page.getByTestId('service-unreachable');
  }

  /** The elements that reach past the viewport's right edge, innermost first (to name what overflows). */
  async overflowing(): Promise<string[]> {
    return this.page.evaluate(`(() => {
      const width = document.documentElement.clientWidth;
      const past = (el) => el.getBoundingClientRect().right > width + 0.5;
      // Inside an ancestor that clips it (overflow other than visible) and itself fits, nothing scrolls the page.
      const clipped = (el) => {
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
          if (getComputedStyle(a).overflowX !== 'visible' && !past(a)) return true;
        }
        return false;
      };
      return [...document.querySelectorAll('body *')]
        .filter((el) => past(el) && !clipped(el) && ![...el.children].some((c) => past(c) && !clipped(c)))
        .slice(0, 5)
        .map((el) => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') + ' ' + Math.round(el.getBoundingClientRect().right) + 'px');
    })()`);
  }

  /** The page's width against the viewport's: no sideways scrolling when scrollWidth <= clientWidth. */
  async widths(): Promise<{ scrollWidth: number; clientWidth: number }> {
    // A string: this project's type-check has no DOM library (the page has one).
    return this.page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth })');
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

/** Whether an element lies wholly inside the viewport. */
export async function fullyVisible(locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const viewport = locator.page().viewportSize()!;
  return !!box && box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height;
}

export class OverviewPage {
  constructor(readonly page: Page) {}

  /** A panel by id (handshake, runtime, probes, environment, charts): its data-state is fresh, unknown or loading. */
  panel(id: string): Locator {
    return this.page.getByTestId(`panel-${id}`);
  }

  /** Chooses the charts' range (15 min or 1 h). */
  async chooseRange(label: '15 min' | '1 h'): Promise<void> {
    await this.page.getByRole('group', { name: 'Chart range' }).getByRole('button', { name: label }).click();
  }

  /** How many points a chart draws. */
  async points(chart: string): Promise<number> {
    return Number(await this.page.getByTestId(`chart-${chart}`).getAttribute('data-points'));
  }

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

  /** Focus starts in the required reason: type it, Tab past Cancel to the confirm button, Enter. */
  async rejectByKeyboard(reason: string): Promise<void> {
    await this.page.keyboard.type(reason);
    await this.page.keyboard.press('Tab');
    await this.page.keyboard.press('Tab');
    await this.page.keyboard.press('Enter');
    await this.dialog.waitFor({ state: 'detached' });
  }
}

export class AuditPage {
  constructor(readonly page: Page) {}

  get entries(): Locator {
    return this.page.getByTestId('audit-entries');
  }

  get chainResult(): Locator {
    return this.page.getByTestId('chain-result');
  }

  get checkedAt(): Locator {
    return this.page.getByTestId('chain-checked-at');
  }

  get range(): Locator {
    return this.page.getByTestId('audit-range').first();
  }

  /** The number of entries the intact chain check covered, once it shows one. */
  async verifiedEntries(): Promise<number> {
    await this.chainResult.getByText(/^intact: \d+ entries/).waitFor();
    return Number(/intact: (\d+) entries/.exec((await this.chainResult.textContent()) ?? '')![1]);
  }

  async filter(choice: { action?: string; actor?: string }): Promise<void> {
    await this.page.getByLabel('Action').selectOption(choice.action ?? '');
    await this.page.getByLabel('Actor').selectOption(choice.actor ?? '');
    await this.page.getByRole('button', { name: 'Apply filters' }).click();
    // The rows read for these filters, not the previous ones still standing in.
    const shows = JSON.stringify({ action: choice.action ?? '', actor: choice.actor ?? '' });
    await this.page.locator(`[data-testid="audit-entries"][data-shows='${shows}']`).waitFor();
  }
}

export class ModelsPage {
  constructor(readonly page: Page) {}

  row(model: string): Locator {
    return this.page.getByTestId(`model-${model}`);
  }

  outcome(model: string): Locator {
    return this.page.getByTestId(`model-outcome-${model}`);
  }

  get dialog(): Locator {
    return this.page.getByRole('dialog');
  }
}
