import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fetchToken, setup } from './support/raw-client.js';

const TABLE = 'main.default.events';

describe('OAuth token endpoint', () => {
  it('issues a bearer token for client credentials and records the exact request', async (t) => {
    const { emulator } = await setup(t, { tokenTtlSeconds: 120 });
    const response = await fetchToken(emulator, TABLE);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(typeof body.access_token, 'string');
    assert.ok((body.access_token as string).length >= 20);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 120);

    const [recorded] = emulator.tokenRequests;
    assert.ok(recorded);
    assert.equal(recorded.method, 'POST');
    assert.equal(recorded.path, '/oidc/v1/token');
    assert.equal(recorded.status, 200);
    assert.equal(recorded.clientId, 'emulator-client');
    assert.equal(recorded.authorization, `Basic ${Buffer.from('emulator-client:emulator-secret').toString('base64')}`);
    assert.equal(recorded.headers.authorization, recorded.authorization);
    assert.match(recorded.headers['content-type'] ?? '', /^application\/x-www-form-urlencoded/);
    assert.equal(recorded.form.grant_type, 'client_credentials');
    assert.equal(recorded.form.scope, 'all-apis');
    assert.equal(recorded.form.resource, 'api://databricks/workspaces/1234567890123456/zerobusDirectWriteApi');
    assert.deepEqual(recorded.authorizationDetails, [
      {
        type: 'unity_catalog_privileges',
        privileges: ['USE CATALOG'],
        object_type: 'CATALOG',
        object_full_path: 'main',
      },
      {
        type: 'unity_catalog_privileges',
        privileges: ['USE SCHEMA'],
        object_type: 'SCHEMA',
        object_full_path: 'main.default',
      },
      {
        type: 'unity_catalog_privileges',
        privileges: ['SELECT', 'MODIFY'],
        object_type: 'TABLE',
        object_full_path: TABLE,
      },
    ]);
    assert.equal(emulator.stats.tokensIssued, 1);
  });

  it('answers 401 for a wrong secret, an unknown client or no Basic auth', async (t) => {
    const { emulator } = await setup(t);
    for (const response of [
      await fetchToken(emulator, TABLE, { clientSecret: 'wrong' }),
      await fetchToken(emulator, TABLE, { clientId: 'nobody' }),
      await fetch(`${emulator.unityCatalogEndpoint}/oidc/v1/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      }),
    ]) {
      assert.equal(response.status, 401);
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.error, 'invalid_client');
      assert.equal(typeof body.error_description, 'string');
    }
    assert.deepEqual(
      emulator.tokenRequests.map((r) => r.status),
      [401, 401, 401],
    );
    assert.equal(emulator.stats.tokensIssued, 0);
  });

  it('answers 400 for another grant type or malformed authorization_details', async (t) => {
    const { emulator } = await setup(t);
    const wrongGrant = await fetchToken(emulator, TABLE, { grantType: 'password' });
    assert.equal(wrongGrant.status, 400);
    assert.equal(((await wrongGrant.json()) as Record<string, unknown>).error, 'unsupported_grant_type');
    for (const authorizationDetails of ['not json', '{"type":"x"}', '[{"type":"unity_catalog_privileges"}]', '[1]']) {
      const response = await fetchToken(emulator, TABLE, { authorizationDetails });
      assert.equal(response.status, 400, authorizationDetails);
      assert.equal(((await response.json()) as Record<string, unknown>).error, 'invalid_request');
    }
  });

  it('answers 404 for unknown paths and 405 for another method', async (t) => {
    const { emulator } = await setup(t);
    const missing = await fetch(`${emulator.unityCatalogEndpoint}/nope`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const get = await fetch(`${emulator.unityCatalogEndpoint}/oidc/v1/token`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    await get.body?.cancel();
  });

  it('accepts configured principals only', async (t) => {
    const { emulator } = await setup(t, { principals: [{ clientId: 'svc', clientSecret: 's3cret' }] });
    assert.equal((await fetchToken(emulator, TABLE)).status, 401);
    const ok = await fetchToken(emulator, TABLE, { clientId: 'svc', clientSecret: 's3cret' });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  });
});
