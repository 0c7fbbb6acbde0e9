import { describe, expect, it } from 'vitest';
import { createAdapter } from '../../bot/adapter.js';
import { silentLogger } from '../../src/log.js';

const auth = { appId: '', appPassword: '', appType: 'MultiTenant' as const, tenantId: '' };

describe('the bot adapter', () => {
  it('refuses a token service without the bot app id (it would mean authentication is off)', () => {
    expect(() =>
      createAdapter(auth, silentLogger, { openIdMetadataUrl: 'http://127.0.0.1:1/x', botToken: async () => 't' }),
    ).toThrow('a bot token service needs the bot app id');
  });

  it('builds the public-cloud adapter from settings alone', () => {
    expect(createAdapter(auth, silentLogger).onTurnError).toBeTypeOf('function');
  });
});
