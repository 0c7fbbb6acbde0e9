/**
 * Public verification of an award, for anyone (a school, a placement holder), with no sign-in:
 *   GET /verify              a form to type the code (submits to /verify?code=…, redirected)
 *   GET /verify/:code        the award: organisation, level, valid from/until, valid today or
 *                            not (expired, revoked). HTML, or JSON with `Accept: application/json`.
 * Read-only, nothing else reachable from it, no cookies, no personal data, not cached (a revoked
 * award must say so at once), not indexed. Its own rate limit per client address
 * (express-rate-limit) stops enumeration on top of the codes' 80 random bits.
 */
import { createHash } from 'node:crypto';
import type { Express, Request, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { formatVerificationCode, parseVerificationCode } from '../domain/award.js';
import { formatLondon } from '../domain/time.js';
import { verifyAward, type PublicAward } from '../workflows/awards.js';
import type { Services } from '../workflows/services.js';

/** Lookups per client address per window. */
export const VERIFY_RATE_LIMIT = { limit: 30, windowMs: 60_000 };

const LEVEL: Record<PublicAward['level'], string> = { bronze: 'Bronze', silver: 'Silver', gold: 'Gold' };

const STYLE = `body{margin:0;font-family:Arial,Helvetica,sans-serif;color:#212b32;background:#f0f4f5;line-height:1.5}
header{background:#005eb8;color:#fff;padding:.75rem 1rem}header p{margin:0;max-width:40rem;margin:0 auto}
main{max-width:40rem;margin:0 auto;padding:1rem}h1{font-size:1.6rem}
.card{background:#fff;border-top:4px solid #005eb8;padding:1rem 1.25rem;margin:1rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1.25rem}dt{font-weight:700}dd{margin:0}
.valid{color:#007f3b;font-weight:700}.invalid{color:#8a1538;font-weight:700}.hint{color:#4c6272}
label{display:block;font-weight:700;margin-bottom:.25rem}input{font:inherit;padding:.4rem;border:2px solid #212b32;width:16rem;max-width:100%}
button{font:inherit;font-weight:700;color:#fff;background:#005eb8;border:0;border-bottom:3px solid #003087;padding:.45rem 1rem;margin-top:.5rem;cursor:pointer}
a{color:#005eb8}:focus{outline:3px solid #ffeb3b;box-shadow:0 0 0 5px #212b32}`;
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body><header><p><strong>NHS England</strong> · Work Experience Quality Standard</p></header>
<main id="main">${body}</main></body></html>`;
}

function form(value = ''): string {
  return `<form method="get" action="/verify" class="card">
<label for="code">Verification code</label>
<p class="hint" id="code-hint">It is on the certificate and the badge, for example ABCD-EFGH-JKMN-PQRS.</p>
<input id="code" name="code" type="text" autocomplete="off" spellcheck="false" maxlength="40" aria-describedby="code-hint" value="${esc(value)}">
<div><button type="submit">Check the award</button></div></form>`;
}

function awardPage(code: string, a: PublicAward): string {
  const ok = a.status === 'valid';
  return page(
    `Award check: ${a.organisation}`,
    `<h1>Award check</h1>
<section class="card" aria-labelledby="result"><h2 id="result" class="${ok ? 'valid' : 'invalid'}">${esc(a.statusLabel)}</h2>
<dl><dt>Organisation</dt><dd>${esc(a.organisation)}</dd>
<dt>Level</dt><dd>${LEVEL[a.level]}</dd>
<dt>Valid from</dt><dd><time datetime="${a.validFrom.toISOString()}">${esc(formatLondon(a.validFrom, 'date'))}</time></dd>
<dt>Valid until</dt><dd><time datetime="${a.validUntil.toISOString()}">${esc(formatLondon(a.validUntil, 'date'))}</time></dd>
<dt>Verification code</dt><dd>${esc(formatVerificationCode(code))}</dd></dl>
${a.status === 'revoked' ? '<p class="invalid">NHS England has revoked this award: the organisation may not display it.</p>' : ''}
${a.status === 'expired' ? '<p class="invalid">This award has expired: the organisation may not display it any more.</p>' : ''}
${a.illustrative ? '<p class="hint">Illustrative: issued under the illustrative framework, not NHS England’s official criteria.</p>' : ''}
</section><p><a href="/verify">Check another code</a></p>`,
  );
}

function notFoundPage(typed: string): string {
  return page(
    'Award check: not found',
    `<h1>Award check</h1><div class="card" role="alert"><h2 class="invalid">No award has this code</h2>
<p>Check the code on the certificate or badge and try again. If it still is not found, the certificate is not genuine.</p></div>${form(typed)}`,
  );
}

function publicJson(code: string, a: PublicAward) {
  return {
    organisation: a.organisation,
    level: a.level,
    validFrom: a.validFrom.toISOString(),
    validUntil: a.validUntil.toISOString(),
    status: a.status,
    validToday: a.status === 'valid',
    verificationCode: formatVerificationCode(code),
    illustrative: a.illustrative,
  };
}

export function mountVerifyRoute(app: Express, deps: { svc: Services }): void {
  const { svc } = deps;
  const limiter = rateLimit({
    windowMs: VERIFY_RATE_LIMIT.windowMs,
    limit: VERIFY_RATE_LIMIT.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => {
      res
        .status(429)
        .set(headers())
        .type('html')
        .send(page('Too many checks', '<h1>Too many checks</h1><p>Please wait a minute, then try again.</p>'));
    },
  });
  const headers = () => ({
    'Cache-Control': 'no-store',
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Robots-Tag': 'noindex',
  });
  const wantsJson = (req: Request) => req.accepts(['html', 'json']) === 'json';

  app.get('/verify', limiter, async (req, res: Response) => {
    const typed = typeof req.query.code === 'string' ? req.query.code.slice(0, 64) : null;
    if (typed === null)
      return void res
        .status(200)
        .set(headers())
        .type('html')
        .send(
          page(
            'Check an award',
            `<h1>Check an award</h1>
<p>Type the verification code from a Work Experience Quality Standard certificate or badge to see whether the award is genuine and valid today.</p>${form()}`,
          ),
        );
    const code = parseVerificationCode(typed);
    if (code) return void res.redirect(303, `/verify/${code}`);
    res.status(404).set(headers()).type('html').send(notFoundPage(typed));
  });

  app.get('/verify/:code', limiter, async (req, res: Response) => {
    const typed = String(req.params.code).slice(0, 64);
    const award = await verifyAward(svc, typed);
    const code = parseVerificationCode(typed);
    res.set(headers());
    if (!award || !code) {
      if (wantsJson(req)) return void res.status(404).json({ error: 'not_found' });
      return void res.status(404).type('html').send(notFoundPage(typed));
    }
    if (wantsJson(req)) return void res.status(200).json(publicJson(code, award));
    res.status(200).type('html').send(awardPage(code, award));
  });
}
