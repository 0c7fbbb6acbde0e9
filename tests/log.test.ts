import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, isRedactedKey, REDACTED, redactDeep } from '../src/log.js';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
  const log = createLogger({ level: 'debug', stream: sink });
  return { log, lines, last: () => JSON.parse(lines.at(-1)!) as Record<string, unknown> };
}

const SECRETS = {
  email: 'ada@alpha.example',
  name: 'Ada Lead',
  token: 'eyJhbGciOi.secret.token',
  password: 'hunter2-very-secret',
  authorization: 'Bearer abc.def.ghi',
  secret: 'top-secret-value',
};

describe('log redaction', () => {
  it('redacts personal data and secrets at any depth, in arrays, and under any casing', () => {
    const { log, lines, last } = capture();
    log.info(
      {
        personId: 'lead-a',
        count: 3,
        email: SECRETS.email,
        deep: { a: { b: { c: { d: { e: { name: SECRETS.name, token: SECRETS.token } } } } } },
        list: [{ password: SECRETS.password }, [{ Authorization: SECRETS.authorization }]],
        headers: { authorization: SECRETS.authorization, 'x-request-id': 'r-1' },
        graph: { clientSecret: SECRETS.secret, accessToken: SECRETS.token, userEmail: SECRETS.email },
        person: { display_name: SECRETS.name, 'Given-Name': 'Ada' },
      },
      'something happened',
    );
    const text = lines.join('');
    for (const v of Object.values(SECRETS)) expect(text).not.toContain(v);
    expect(text).not.toContain('"Ada"');
    const o = last();
    expect(o).toMatchObject({
      personId: 'lead-a',
      count: 3,
      email: REDACTED,
      msg: 'something happened',
      name: 'wexqs',
      headers: { authorization: REDACTED, 'x-request-id': 'r-1' },
      deep: { a: { b: { c: { d: { e: { name: REDACTED, token: REDACTED } } } } } },
      list: [{ password: REDACTED }, [{ Authorization: REDACTED }]],
      graph: { clientSecret: REDACTED, accessToken: REDACTED, userEmail: REDACTED },
      person: { display_name: REDACTED, 'Given-Name': REDACTED },
    });
  });

  it('redacts inside errors, child-logger bindings, and survives cycles and absurd depth', () => {
    const { log, lines, last } = capture();
    const err = Object.assign(new Error('send failed'), { response: { body: { email: SECRETS.email } } });
    log.error({ err }, 'failed');
    expect(last()).toMatchObject({
      err: { type: 'Error', message: 'send failed', response: { body: { email: REDACTED } } },
    });
    expect(String((last().err as { stack: string }).stack)).toContain('send failed');
    log.child({ user: { email: SECRETS.email }, run: 7 }).warn('from a child');
    expect(last()).toMatchObject({ user: { email: REDACTED }, run: 7, name: 'wexqs' });
    log.child({ run: 8 }).child({ token: SECRETS.token }).info('from a grandchild');
    expect(last()).toMatchObject({ run: 8, token: REDACTED });
    const cyclic: Record<string, unknown> = { id: 'x' };
    cyclic.self = cyclic;
    let deep: Record<string, unknown> = { password: SECRETS.password };
    for (let i = 0; i < 30; i++) deep = { inner: deep };
    log.info({ cyclic, deep }, 'odd shapes');
    expect(last()).toMatchObject({ cyclic: { id: 'x', self: '[circular]' } });
    expect(lines.join('')).not.toContain(SECRETS.password);
  });

  it('names the keys it redacts without looking at values', () => {
    for (const k of [
      'email',
      'Email',
      'name',
      'displayName',
      'token',
      'idToken',
      'password',
      'appPassword',
      'secret',
      'clientSecret',
      'authorization',
      'Authorization',
      'set-cookie',
      'DATABASE_URL',
    ])
      expect(isRedactedKey(k), k).toBe(true);
    for (const k of ['id', 'personId', 'count', 'kind', 'status', 'verb', 'ref', 'tokens', 'nameKey'])
      expect(isRedactedKey(k), k).toBe(false);
  });

  it('never lets a redacted key’s value through, whatever the shape around it', () => {
    const key = fc.constantFrom('email', 'name', 'token', 'password', 'authorization', 'secret', 'clientSecret');
    const marker = 'SENSITIVE-9f3a';
    const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 1 }),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 5 }), tie('node'), { maxKeys: 3 }),
        fc.tuple(key, tie('node')).map(([k, v]) => ({ [k]: { hidden: marker, v } })),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (t) => {
        expect(JSON.stringify(redactDeep({ t }))).not.toContain(marker);
      }),
    );
  });
});
