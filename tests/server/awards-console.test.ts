/**
 * The HTTP faces of awards and the admin console, against the real app:
 * - /verify and /verify/{code}: public fields only, no cookies, not cached, revoked says so,
 *   unknown codes 404, its own rate limit;
 * - signed downloads of the certificate, badge and feedback report (403 without a valid signature,
 *   410 once revoked);
 * - the tab API: admins only for the console and exports; the applicant's own history and award;
 * - the console in Debian Chromium, light and dark: the chart's numbers against the database,
 *   labels, keyboard and contrast; screenshots in tests/e2e/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { formatVerificationCode } from '../../src/domain/award.js';
import { fixedClock } from '../../src/domain/time.js';
import { silentLogger } from '../../src/log.js';
import { VERIFY_RATE_LIMIT } from '../../src/server/verify-route.js';
import { openDatabase } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { IN_DECISION_WINDOW, seedPipeline, type SeededApplication } from '../support/award-fixtures.js';
import { freePort } from '../support/local-stack.js';

const SHOTS = 'tests/e2e/screenshots';
const as = (oid: string) => ({ 'X-Local-Identity': oid });

/** WCAG contrast ratio of two "rgb(r, g, b)" colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const x = Number(v) / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (l1! + 0.05) / (l2! + 0.05);
}

describe('awards and the admin console over HTTP', () => {
  let app: RunningApp;
  let apps: SeededApplication[];
  let store: Store;
  let code = '';

  beforeAll(async () => {
    const database = await openDatabase({ pgliteDir: 'memory://' });
    store = new Store(database.db);
    ({ apps } = await seedPipeline(store, [
      { state: 'communicated', level: 'gold', name: 'Northshire Hospitals NHS Foundation Trust' },
      { state: 'communicated', level: 'silver', name: 'Riverside Community Health NHS Trust' },
      { state: 'decided', level: 'bronze', name: 'Eastbrook Mental Health NHS Trust' },
      { state: 'decided', level: null, name: 'Westmoor Ambulance Service' },
      { state: 'recommended', name: 'Harbourside University Hospitals' },
      { state: 'in_review', name: 'Fenland Community Trust' },
      { state: 'in_review', name: 'Kingsmead Children’s Hospital' },
      { state: 'submitted', unassigned: true, name: 'Lowfield Partnership Trust' },
      { state: 'submitted', name: 'Millbrook Hospitals' },
      { state: 'open', name: 'Northgate Care Trust' },
      { state: 'open', name: 'Oakridge Health' },
      { state: 'open', name: 'Pinewood Hospice' },
      { state: 'requested', name: 'Queensway Hospitals' },
      { state: 'withdrawn', name: 'Rosebank Trust' },
    ]));
    code = (await store.awards.forApplication(apps[0]!.id))!.verificationCode;
    const config = loadConfig({
      APP_MODE: 'local',
      PORT: String(await freePort()),
      GRAPH_EMULATOR: 'false',
      PLAYGROUND: 'false',
    });
    app = await startApp(config, {
      database,
      graph: false,
      log: silentLogger,
      clock: fixedClock(IN_DECISION_WINDOW),
      jobs: { workers: false },
    });
  }, 90_000);
  afterAll(async () => {
    await app?.close();
    await app?.database.close();
  });

  it('/verify/{code}: the public fields only, no cookies, not cached, not framed', async () => {
    const res = await fetch(`${app.url}/verify/${formatVerificationCode(code).toLowerCase()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain('Valid today');
    expect(html).toContain('Northshire Hospitals NHS Foundation Trust');
    expect(html).toContain('Gold');
    expect(html).toContain(formatVerificationCode(code));
    // Nothing else: no reviewer, no feedback, no people, no other organisation.
    expect(html).not.toMatch(/Rita|Ravi|Lead of|strengths|Evaluate|Riverside|feedback/i);
    const json = await (await fetch(`${app.url}/verify/${code}`, { headers: { Accept: 'application/json' } })).json();
    expect(Object.keys(json).sort()).toEqual(
      [
        'illustrative',
        'level',
        'organisation',
        'status',
        'validFrom',
        'validToday',
        'validUntil',
        'verificationCode',
      ].sort(),
    );
    expect(json).toMatchObject({ status: 'valid', validToday: true, level: 'gold' });
  });

  it('/verify: a form; a typed code redirects to its page; unknown or malformed codes are 404', async () => {
    const form = await fetch(`${app.url}/verify`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('<label for="code">Verification code</label>');
    const typed = await fetch(`${app.url}/verify?code=${encodeURIComponent(formatVerificationCode(code))}`, {
      redirect: 'manual',
    });
    expect(typed.status).toBe(303);
    expect(typed.headers.get('location')).toBe(`/verify/${code}`);
    const unknown = await fetch(`${app.url}/verify/ABCD-EFGH-JKMN-PQRS`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('No award has this code');
    const hostile = await fetch(`${app.url}/verify/${encodeURIComponent('<script>alert(1)</script>')}`);
    expect(hostile.status).toBe(404);
    expect(await hostile.text()).not.toContain('<script>alert');
    expect((await fetch(`${app.url}/verify?code=nonsense`)).status).toBe(404);
  });

  it('signed downloads: the files with a valid signature; 403 without; after revocation 410 and "revoked"', async () => {
    const links = app.svc.links!;
    const award = (await store.awards.forApplication(apps[1]!.id))!;
    for (const [file, type] of [
      ['certificate.pdf', 'application/pdf'],
      ['badge.png', 'image/png'],
      ['badge.svg', 'image/svg+xml'],
    ] as const) {
      const res = await fetch(links.awardFile!(award.id, file));
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="wexqs-silver-riverside/);
    }
    const report = await fetch(links.feedbackReport!(apps[1]!.id));
    expect(report.status).toBe(200);
    expect(
      Buffer.from(await report.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    const unsigned = `${app.url}/files/awards/${award.id}/certificate.pdf`;
    expect((await fetch(unsigned)).status).toBe(403);
    const tampered = links.awardFile!(award.id, 'badge.png').replace('badge.png', 'badge.svg');
    expect((await fetch(tampered)).status).toBe(403);
    expect((await fetch(`${app.url}/files/awards/${award.id}/passwords.txt`)).status).toBe(404);

    // Revoke through the tab API as the admin.
    const refused = await fetch(`${app.url}/api/admin/awards/${award.id}/revoke`, {
      method: 'POST',
      headers: { ...as('oid-lead-org-02'), 'Content-Type': 'application/json' },
      body: JSON.stringify({ reason: 'no' }),
    });
    expect(refused.status).toBe(403);
    const revoked = await fetch(`${app.url}/api/admin/awards/${award.id}/revoke`, {
      method: 'POST',
      headers: { ...as('oid-admin-1'), 'Content-Type': 'application/json' },
      body: JSON.stringify({ reason: 'The evidence was not the organisation’s own.' }),
    });
    expect(revoked.status).toBe(200);
    expect((await fetch(links.awardFile!(award.id, 'certificate.pdf'))).status).toBe(410);
    const page = await (await fetch(`${app.url}/verify/${award.verificationCode}`)).text();
    expect(page).toContain('Revoked');
    expect(page).toContain('NHS England has revoked this award');
  });

  it('the tab API: the console and exports for admins only; the team sees its own history and award', async () => {
    expect((await fetch(`${app.url}/api/admin/console`)).status).toBe(401);
    expect((await fetch(`${app.url}/api/admin/console`, { headers: as('oid-lead-org-01') })).status).toBe(403);
    expect((await fetch(`${app.url}/api/admin/console`, { headers: as('oid-rev-1') })).status).toBe(403);
    const ok = await fetch(`${app.url}/api/admin/console`, { headers: as('oid-admin-1') });
    expect(ok.status).toBe(200);
    expect((await ok.json()).total).toBe(apps.length);
    const bad = await fetch(`${app.url}/api/admin/export?cycleId=cycle-1&what=people&format=csv`, {
      headers: as('oid-admin-1'),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toContain('what');
    expect(
      (
        await fetch(`${app.url}/api/admin/export?cycleId=cycle-1&what=audit&format=csv`, {
          headers: as('oid-lead-org-01'),
        })
      ).status,
    ).toBe(403);
    const xlsx = await fetch(`${app.url}/api/admin/export?cycleId=cycle-1&what=pipeline&format=xlsx`, {
      headers: as('oid-admin-1'),
    });
    expect(xlsx.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await xlsx.arrayBuffer());
    expect(wb.worksheets[0]!.rowCount).toBe(apps.length + 1);

    const history = await fetch(`${app.url}/api/applications/${apps[0]!.id}/history`, {
      headers: as('oid-lead-org-01'),
    });
    expect(history.status).toBe(200);
    const entries = (await history.json()) as { who: string; what: string }[];
    expect(entries.map((e) => e.what)).toContain('communicated the decision');
    expect(entries.map((e) => e.who)).not.toContain('Adam Admin');
    expect(
      (await fetch(`${app.url}/api/applications/${apps[0]!.id}/history`, { headers: as('oid-lead-org-02') })).status,
    ).toBe(403);
    const award = await (
      await fetch(`${app.url}/api/applications/${apps[0]!.id}/award`, { headers: as('oid-lead-org-01') })
    ).json();
    expect(award.status).toBe('valid');
    expect(award.downloads.certificate).toContain('/certificate.pdf?exp=');
  });

  it('verification has its own rate limit: past it, 429 (and still no cookie)', async () => {
    let status = 200;
    let n = 0;
    while (status !== 429 && n < VERIFY_RATE_LIMIT.limit + 5) {
      const res = await fetch(`${app.url}/verify/0000-0000-0000-000${n % 10}`);
      status = res.status;
      expect(res.headers.get('set-cookie')).toBeNull();
      n++;
    }
    expect(status).toBe(429);
    expect(n).toBeLessThanOrEqual(VERIFY_RATE_LIMIT.limit + 1);
    // The rest of the app is not limited by it.
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  describe('the console in Debian Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => browser?.close());

    async function openConsole(theme: 'default' | 'dark'): Promise<Page> {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await page.route('https://res.cdn.office.net/**', (r) =>
        r.fulfill({ status: 200, contentType: 'application/json', body: '{"validOrigins":[]}' }),
      );
      await page.goto(`${app.url}/tab${theme === 'dark' ? '?theme=dark' : ''}`);
      const adam = page.getByRole('radio', { name: /Adam Admin/ });
      await adam.waitFor({ timeout: 15_000 });
      await adam.check();
      await page.getByRole('button', { name: 'Show overview' }).click();
      await page.locator('body[data-console-ready="true"]').waitFor({ timeout: 20_000 });
      expect(problems).toEqual([]);
      return page;
    }

    it('the chart’s numbers are the database’s; light and dark screenshots', async () => {
      mkdirSync(SHOTS, { recursive: true });
      const rows = await store.db
        .selectFrom('applications')
        .select(['state', store.db.fn.countAll<number>().as('n')])
        .where('cycle_id', '=', 'cycle-1')
        .groupBy('state')
        .execute();
      const db = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
      for (const theme of ['default', 'dark'] as const) {
        const page = await openConsole(theme);
        const bars = await page
          .locator('#pipeline-chart g.bar')
          .evaluateAll((gs) => gs.map((g) => [g.getAttribute('data-state'), Number(g.getAttribute('data-count'))]));
        expect(bars.length).toBe(10);
        for (const [state, count] of bars) expect(count, String(state)).toBe(db[state!] ?? 0);
        // The visible numbers beside the bars and in the table say the same.
        const shown = await page.locator('#pipeline-chart .bar-value').allTextContents();
        expect(shown.map(Number)).toEqual(bars.map((b) => b[1]));
        const label = await page.locator('#pipeline-chart').getAttribute('aria-label');
        expect(label).toContain(`(${apps.length} in all)`);
        expect(label).toContain(`In review: ${db.in_review}`);
        expect(await page.locator('#ready').textContent()).toContain('Decisions ready to communicate (2)');
        expect(await page.locator('#unassigned').textContent()).toContain('Lowfield Partnership Trust');
        expect(await page.locator('body').evaluate((b) => b.classList.contains('theme-dark'))).toBe(theme === 'dark');

        // Contrast of body text, headings and the bar labels against their backgrounds.
        const colours = await page.evaluate(() => {
          const css = (sel: string) => getComputedStyle(document.querySelector(sel)!);
          return {
            text: css('#pipeline').color,
            card: css('#pipeline').backgroundColor,
            heading: css('#pipeline h2').color,
            barLabel: css('#pipeline-chart .bar-label').fill,
            button: css('#communicate-preview').color,
            buttonBg: css('#communicate-preview').backgroundColor,
          };
        });
        expect(contrast(colours.text, colours.card)).toBeGreaterThanOrEqual(4.5);
        expect(contrast(colours.heading, colours.card)).toBeGreaterThanOrEqual(4.5);
        expect(contrast(colours.barLabel, colours.card)).toBeGreaterThanOrEqual(4.5);
        expect(contrast(colours.button, colours.buttonBg)).toBeGreaterThanOrEqual(4.5);
        const banner = await page.evaluate(() => {
          const b = getComputedStyle(document.querySelector('.banner')!);
          return { color: b.color, background: b.backgroundColor };
        });
        expect(contrast(banner.color, banner.background)).toBeGreaterThanOrEqual(4.5);

        // Every form control has a label.
        const unlabelled = await page.evaluate(() =>
          [...document.querySelectorAll('#admin-console input, #admin-console select, #admin-console textarea')]
            .filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label'))
            .map((e) => e.id),
        );
        expect(unlabelled).toEqual([]);
        const name = theme === 'dark' ? 'dark' : 'light';
        await page.locator('#pipeline').screenshot({ path: `${SHOTS}/admin-console-chart-${name}.png` });
        await page.screenshot({ path: `${SHOTS}/admin-console-${name}.png`, fullPage: true });
        await page.close();
      }
    }, 90_000);

    it('by keyboard: preview who gets what, then open an application’s history', async () => {
      const page = await openConsole('default');
      const preview = page.getByRole('button', { name: 'Preview who gets what' });
      await preview.focus();
      await page.keyboard.press('Enter');
      const who = page.locator('#communicate table');
      await who.waitFor({ timeout: 10_000 });
      const text = (await who.textContent()) ?? '';
      expect(text).toContain('Eastbrook Mental Health NHS Trust');
      expect(text).toContain('Bronze award');
      expect(text).toContain('Westmoor Ambulance Service');
      expect(text).toContain('No award');
      await expect.poll(() => page.getByRole('button', { name: /^Send 6 message/ }).isEnabled()).toBe(true);
      await page.getByRole('button', { name: 'History: Harbourside University Hospitals' }).focus();
      await page.keyboard.press('Enter');
      await page.locator('#console-history table').waitFor({ timeout: 10_000 });
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(
        'History: Harbourside University Hospitals',
      );
      expect(await page.locator('#console-history').textContent()).toContain('recommended a level');
      await page.screenshot({ path: `${SHOTS}/admin-console-preview.png`, fullPage: true });
      await page.close();
    }, 60_000);
  });
});
