/**
 * A complete tenant-mode environment with made-up values (nothing here reaches Microsoft: no
 * request is made until a person acts). Tests that need the app in tenant mode start from it; the
 * infrastructure test derives from it which settings tenant mode requires (each one whose removal
 * makes src/config.ts refuse to start). A new required setting makes loadConfig refuse this env:
 * add it here, to infra/ and to the README's configuration table.
 */
import { randomBytes } from 'node:crypto';

const SIGNING_KEY = randomBytes(32).toString('base64');
export const EXAMPLE_TENANT_ID = '11111111-2222-4333-8444-555555555555';
export const EXAMPLE_APP_ID = '66666666-7777-4888-9999-aaaaaaaaaaaa';
export const EXAMPLE_TEAMS_APP_ID = 'bbbbbbbb-cccc-4ddd-8eee-ffffffffffff';

export function exampleTenantEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    APP_MODE: 'tenant',
    HOST: '127.0.0.1',
    PORT: '8080',
    DATABASE_URL: 'postgres://wexqs:secret@127.0.0.1:5432/wexqs',
    MicrosoftAppId: EXAMPLE_APP_ID,
    MicrosoftAppPassword: 'example-bot-secret',
    MicrosoftAppType: 'SingleTenant',
    MicrosoftAppTenantId: EXAMPLE_TENANT_ID,
    GRAPH_BASE_URL: 'https://graph.microsoft.com/v1.0',
    GRAPH_TENANT_ID: EXAMPLE_TENANT_ID,
    GRAPH_CLIENT_ID: EXAMPLE_APP_ID,
    GRAPH_CLIENT_SECRET: 'example-graph-secret',
    GRAPH_DRIVE_ID: 'b!example-drive-id',
    GRAPH_ORGANISER_UPN: 'wexqs@example.nhs.uk',
    GRAPH_ASSESSMENT_GROUP_ID: '77777777-8888-4999-8aaa-bbbbbbbbbbbb',
    PUBLIC_BASE_URL: 'https://wexqs.example.nhs.uk',
    // A random key, as a deployment's Key Vault holds (placeholder words are refused).
    LINK_SIGNING_SECRET: SIGNING_KEY,
    TEAMS_APP_ID: EXAMPLE_TEAMS_APP_ID,
    AAD_APP_CLIENT_ID: EXAMPLE_APP_ID,
    ...overrides,
  };
}
