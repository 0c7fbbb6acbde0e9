/**
 * Who is calling the tab's API (`/api/*`, except the bot's `/api/messages`).
 *
 * - Tenant SSO (both modes): `Authorization: Bearer <token>` from Teams' `getAuthToken()`. The token
 *   is an Entra v2.0 access token for this app; it is accepted only when its signature checks out
 *   against the tenant's published keys (JWKS), `iss` is `https://login.microsoftonline.com/<tid>/v2.0`
 *   for the configured tenant, `aud` is the app's client id or its App ID URI
 *   `api://<tab host>/<client id>`, it has not expired, `scp` contains `access_as_user` and `tid` is
 *   the configured tenant.
 * - Local identity picker: `X-Local-Identity: <entraObjectId>` is honoured ONLY when
 *   `config.mode === 'local' && config.local.identityPicker` (config refuses the picker in tenant
 *   mode as well). Anywhere else the header is ignored, so such a request without a valid token
 *   gets 401.
 *
 * A valid identity that matches nobody (or somebody without a role) gets 403 with a plain-English
 * message on how to get access. Nothing about the token or the person is logged: only the reason
 * code of a refusal.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import type { AppConfig } from '../config.js';
import type { Actor, Person } from '../domain/types.js';
import { identifySender } from '../workflows/identity.js';
import type { Services } from '../workflows/services.js';

/** The scope the tab's token must carry (exposed by the app registration's App ID URI). */
export const TAB_SCOPE = 'access_as_user';
export const LOCAL_IDENTITY_HEADER = 'x-local-identity';
/** Allowed clock difference between Entra and this server when checking exp/nbf, in seconds. */
const CLOCK_TOLERANCE_S = 60;

/** The tenant's signing keys, as published by Entra. */
export function entraJwks(tenantId: string): JWTVerifyGetKey {
  return createRemoteJWKSet(
    new URL(`https://login.microsoftonline.com/${encodeURIComponent(tenantId)}/discovery/v2.0/keys`),
  );
}

export function entraIssuer(tenantId: string): string {
  return `https://login.microsoftonline.com/${tenantId.toLowerCase()}/v2.0`;
}

/**
 * The audiences a tab token may carry: the client id, and the App ID URI of the manifest's
 * `webApplicationInfo.resource` (`api://<TAB_DOMAIN>/<clientId>`). The tab is served by this app, so
 * TAB_DOMAIN is the host of PUBLIC_BASE_URL unless `tabDomain` says otherwise.
 */
export function tabAudiences(config: AppConfig, tabDomain?: string): string[] {
  const clientId = config.graph.clientId;
  if (!clientId) return [];
  const host = tabDomain ?? new URL(config.links.publicBaseUrl).host;
  return [clientId, `api://${host}/${clientId}`];
}

/** Whether this configuration lets `X-Local-Identity` stand in for sign-in. */
export function localIdentityAllowed(config: AppConfig): boolean {
  return config.mode === 'local' && config.local.identityPicker;
}

export type TabAuthFailure =
  | { status: 401; reason: string }
  /** The keys could not be fetched: not the caller's fault. */
  | { status: 503; reason: string };

export class TabAuthError extends Error {
  constructor(readonly failure: TabAuthFailure) {
    super(`tab sign-in refused: ${failure.reason}`);
    this.name = 'TabAuthError';
  }
}

export interface VerifiedTabToken {
  entraObjectId: string;
  tenantId: string;
  /** The sign-in name (UPN), used only to find people loaded by email before their first visit. */
  username: string | null;
}

const tokenClaims = z.object({
  oid: z.string().min(1).max(100),
  tid: z.string().min(1).max(100),
  scp: z.string().max(2000),
  preferred_username: z.string().max(320).optional(),
});

/** Checks an Entra SSO token; throws TabAuthError with a reason code (never the token) when it is not acceptable. */
export async function verifyTabToken(
  token: string,
  opts: { jwks: JWTVerifyGetKey; tenantId: string; audiences: string[]; now: Date },
): Promise<VerifiedTabToken> {
  if (!opts.tenantId || opts.audiences.length === 0)
    throw new TabAuthError({ status: 401, reason: 'sso_not_configured' });
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, opts.jwks, {
      issuer: entraIssuer(opts.tenantId),
      audience: opts.audiences,
      algorithms: ['RS256'],
      currentDate: opts.now,
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['exp', 'oid', 'tid', 'scp'],
    }));
  } catch (e) {
    throw new TabAuthError(classifyJoseError(e));
  }
  const claims = tokenClaims.safeParse(payload);
  if (!claims.success) throw new TabAuthError({ status: 401, reason: 'claims_invalid' });
  const { oid, tid, scp, preferred_username } = claims.data;
  if (!scp.split(' ').includes(TAB_SCOPE)) throw new TabAuthError({ status: 401, reason: 'scope_missing' });
  if (tid.toLowerCase() !== opts.tenantId.toLowerCase())
    throw new TabAuthError({ status: 401, reason: 'tenant_mismatch' });
  return { entraObjectId: oid, tenantId: tid, username: preferred_username ?? null };
}

function classifyJoseError(e: unknown): TabAuthFailure {
  if (e instanceof joseErrors.JWTClaimValidationFailed) return { status: 401, reason: `claim_${e.claim}_${e.reason}` };
  if (e instanceof joseErrors.JWTExpired) return { status: 401, reason: 'expired' };
  if (e instanceof joseErrors.JWKSTimeout || e instanceof joseErrors.JWKSInvalid)
    return { status: 503, reason: 'jwks_unavailable' };
  if (e instanceof joseErrors.JOSEError) {
    // The base class is what a failed key-set download throws (non-200, not JSON).
    if (e.code === 'ERR_JOSE_GENERIC') return { status: 503, reason: 'jwks_unavailable' };
    return { status: 401, reason: e.code.toLowerCase() };
  }
  // fetch() failing (DNS, connection refused) while getting the keys.
  return { status: 503, reason: 'jwks_unavailable' };
}

// ---------------------------------------------------------------------------------------------
// Express middleware

export interface TabUser {
  person: Person;
  actor: Actor;
  /** How the person was identified. */
  via: 'sso' | 'local_picker';
}

export interface TabAuthOptions {
  config: AppConfig;
  svc: Services;
  /** Key set that signs SSO tokens; default: the configured tenant's Entra JWKS. Tests pass a local one. */
  jwks?: JWTVerifyGetKey;
  /** TAB_DOMAIN of the App ID URI, when it is not PUBLIC_BASE_URL's host. */
  tabDomain?: string;
}

const localIdentity = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9-]+$/);

const bearer = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i;

export const NO_ACCESS_MESSAGE =
  'You are signed in, but you have not been given access to the Work Experience Quality Standard app yet. ' +
  'If you work on your organisation’s application, ask your organisation’s applicant lead to add you; ' +
  'otherwise contact the NHS England WEx QS team and tell them your organisation and role.';

const UNAUTHENTICATED_MESSAGE =
  'We could not confirm who you are. Open the WEx QS tab from Microsoft Teams (close and reopen it to sign in again).';

/** The signed-in person of a request that passed `createTabAuth`. */
export function tabUserOf(res: Response): TabUser {
  const user = res.locals.tabUser as TabUser | undefined;
  if (!user) throw new Error('tabUserOf: the request did not pass tab authentication');
  return user;
}

/** Authenticates the request and resolves the person; answers 401/403/503 itself. */
export function createTabAuth(opts: TabAuthOptions): RequestHandler {
  const { config, svc } = opts;
  const tenantId = config.graph.tenantId;
  const audiences = tabAudiences(config, opts.tabDomain);
  let jwks = opts.jwks;
  const keys = (): JWTVerifyGetKey => (jwks ??= entraJwks(tenantId));
  const allowLocal = localIdentityAllowed(config);

  const refuse = (res: Response, failure: TabAuthFailure, hadToken: boolean) => {
    svc.log.info({ reason: failure.reason, status: failure.status }, 'tab request refused');
    if (failure.status === 503) {
      return void res.status(503).json({
        error: 'sign_in_unavailable',
        message: 'Sign-in is unavailable for a moment. Please try again shortly.',
      });
    }
    res.setHeader(
      'WWW-Authenticate',
      hadToken ? 'Bearer realm="wexqs", error="invalid_token"' : 'Bearer realm="wexqs"',
    );
    res.status(401).json({ error: 'unauthenticated', message: UNAUTHENTICATED_MESSAGE });
  };

  return async (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'private, no-store');
    try {
      const authorization = req.get('authorization');
      let identity: { entraObjectId: string; tenantId: string | null; username: string | null; via: TabUser['via'] };
      if (authorization !== undefined) {
        const m = bearer.exec(authorization.trim());
        if (!m?.[1]) return refuse(res, { status: 401, reason: 'malformed_authorization' }, true);
        const v = await verifyTabToken(m[1], { jwks: keys(), tenantId, audiences, now: svc.clock.now() });
        identity = { entraObjectId: v.entraObjectId, tenantId: v.tenantId, username: v.username, via: 'sso' };
      } else if (allowLocal && req.get(LOCAL_IDENTITY_HEADER) !== undefined) {
        const parsed = localIdentity.safeParse(req.get(LOCAL_IDENTITY_HEADER));
        if (!parsed.success) return refuse(res, { status: 401, reason: 'local_identity_invalid' }, false);
        identity = {
          entraObjectId: parsed.data,
          tenantId: svc.tenantId || tenantId || null,
          username: null,
          via: 'local_picker',
        };
      } else {
        // X-Local-Identity outside local picker mode lands here too: ignored.
        return refuse(res, { status: 401, reason: 'no_credentials' }, false);
      }

      // The same rule as the bot's (src/workflows/identity.ts): object id first, email only to
      // bind an unbound person, the configured tenant only.
      const sender = await identifySender(svc, {
        entraObjectId: identity.entraObjectId,
        tenantId: identity.tenantId,
        // People loaded from a CSV are known by email until their first visit (SSO only).
        ...(identity.username ? { lookupEmail: async () => identity.username } : {}),
      });
      if (sender.kind !== 'person') {
        svc.log.info(
          { reason: sender.kind === 'unknown' ? sender.reason : sender.kind, via: identity.via },
          'tab request refused',
        );
        return void res.status(403).json({ error: 'no_access', message: NO_ACCESS_MESSAGE });
      }
      const resolved = { person: sender.person, actor: sender.actor };
      res.locals.tabUser = { ...resolved, via: identity.via } satisfies TabUser;
      next();
    } catch (e) {
      if (e instanceof TabAuthError) return refuse(res, e.failure, true);
      svc.log.error({ err: { type: e instanceof Error ? e.name : typeof e } }, 'tab authentication failed');
      res
        .status(500)
        .json({ error: 'internal', message: 'Something went wrong on our side. Please try again in a moment.' });
    }
  };
}
