/**
 * The Teams personal tab ("Home", manifest `staticTabs[0]`, `${TAB_ENDPOINT}/tab`) and its API.
 *
 * - GET /tab             the page (src/tab/index.html; plain JS, no build step)
 * - GET /tab/tab.js, /tab/tab.css, /tab/teams-js.js (the UMD bundle of the installed @microsoft/teams-js)
 * - GET /tab/console.js, /tab/console.css: the award, history, conflicts and the admin console
 * - GET /tab/people      local identity picker only: the people one can act as
 * - /api/*               every request is authenticated (src/server/tab-auth.ts), then
 *   GET /api/me          the signed-in person's overview (src/server/me-route.ts)
 *   /api/admin/*, /api/applications/*, /api/conflicts   the admin console, history, awards and
 *                        conflicts of interest (src/server/console-api.ts)
 *
 * The bot's POST /api/messages is mounted before this (src/server/app-server.ts) and answered by
 * the CloudAdapter, which authenticates it itself.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Express } from 'express';
import type { JWTVerifyGetKey } from 'jose';
import type { AppConfig } from '../config.js';
import { ROLE_PRECEDENCE } from '../domain/people.js';
import type { Person } from '../domain/types.js';
import type { Services } from '../workflows/services.js';
import { mountMeRoute } from './me-route.js';
import { mountConsoleApi } from './console-api.js';
import { createTabAuth, localIdentityAllowed } from './tab-auth.js';

const asset = (name: string) => readFileSync(new URL(`../tab/${name}`, import.meta.url), 'utf8');
const teamsJsPath = createRequire(import.meta.url).resolve('@microsoft/teams-js');

/** Hosts allowed to frame the tab: Teams (web, desktop), Outlook and the Microsoft 365 app. */
const FRAME_ANCESTORS = [
  "'self'",
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://*.teams.microsoft.us',
  'https://*.skype.com',
  'https://*.office.com',
  'https://outlook.office.com',
  'https://outlook.office365.com',
  'https://*.microsoft365.com',
  'https://*.cloud.microsoft',
].join(' ');

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  // teams-js refreshes its list of valid host origins from this CDN (it falls back to a bundled list).
  "connect-src 'self' https://res.cdn.office.net",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
  `frame-ancestors ${FRAME_ANCESTORS}`,
].join('; ');

export interface TabDeps {
  config: AppConfig;
  svc: Services;
  /** Key set for SSO tokens (tests); default: the configured tenant's Entra JWKS. */
  jwks?: JWTVerifyGetKey;
  /** Local mode: people the picker also offers who are not registered (the tab then says so). */
  unregisteredVisitors?: readonly { entraObjectId: string; name: string }[];
}

export function mountTab(app: Express, deps: TabDeps): void {
  const { config, svc } = deps;
  const picker = localIdentityAllowed(config);
  const html = asset('index.html').replace('{{IDENTITY_PICKER}}', picker ? 'true' : 'false');
  const js = asset('tab.js');
  const css = asset('tab.css');
  const consoleJs = asset('console.js');
  const consoleCss = asset('console.css');
  const common = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };

  app.get('/tab', (_req, res) => {
    res
      .set({ ...common, 'Content-Security-Policy': CSP, 'Cache-Control': 'no-cache' })
      .type('html')
      .send(html);
  });
  app.get(
    '/tab/tab.js',
    (_req, res) =>
      void res
        .set({ ...common, 'Cache-Control': 'no-cache' })
        .type('text/javascript')
        .send(js),
  );
  app.get(
    '/tab/tab.css',
    (_req, res) =>
      void res
        .set({ ...common, 'Cache-Control': 'no-cache' })
        .type('text/css')
        .send(css),
  );
  app.get(
    '/tab/console.js',
    (_req, res) =>
      void res
        .set({ ...common, 'Cache-Control': 'no-cache' })
        .type('text/javascript')
        .send(consoleJs),
  );
  app.get(
    '/tab/console.css',
    (_req, res) =>
      void res
        .set({ ...common, 'Cache-Control': 'no-cache' })
        .type('text/css')
        .send(consoleCss),
  );
  app.get('/tab/teams-js.js', (_req, res) => {
    res
      .set({ ...common, 'Cache-Control': 'public, max-age=86400' })
      .type('text/javascript')
      .sendFile(teamsJsPath);
  });

  if (picker) {
    // Local mode only (the config refuses the picker in tenant mode): demo people to act as.
    app.get('/tab/people', async (_req, res) => {
      const [people, organisations] = await Promise.all([knownPeople(svc), svc.store.organisations.list()]);
      const orgName = new Map(organisations.map((o) => [o.id, o.name]));
      const known = new Set(people.map((p) => p.entraObjectId));
      res.set({ ...common, 'Cache-Control': 'no-store' }).json(
        [
          ...people.map((p) => ({
            entraObjectId: p.entraObjectId,
            name: p.displayName,
            roles: ROLE_PRECEDENCE.filter((r) => p.roles.includes(r)),
            organisation: p.organisationId ? (orgName.get(p.organisationId) ?? null) : null,
          })),
          ...(deps.unregisteredVisitors ?? [])
            .filter((v) => !known.has(v.entraObjectId))
            .map((v) => ({ entraObjectId: v.entraObjectId, name: v.name, roles: [], organisation: null })),
        ].sort((a, b) => a.name.localeCompare(b.name)),
      );
    });
  }

  app.use('/api', createTabAuth({ config, svc, ...(deps.jwks ? { jwks: deps.jwks } : {}) }));
  mountMeRoute(app, { svc });
  mountConsoleApi(app, { svc });
}

/** People with a role and an Entra object id (the ones the picker can stand in for). */
async function knownPeople(svc: Services): Promise<Person[]> {
  const byId = new Map<string, Person>();
  for (const role of ROLE_PRECEDENCE) {
    for (const p of await svc.store.people.listByRole(role)) if (p.entraObjectId) byId.set(p.id, p);
  }
  return [...byId.values()].sort((a, b) => a.displayName.localeCompare(b.displayName));
}
