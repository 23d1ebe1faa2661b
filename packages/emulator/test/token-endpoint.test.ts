import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, describe, it } from 'node:test';
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
    // HTTP Basic, with the credentials left out: the record never holds the secret
    assert.equal(recorded.authorization, 'Basic <redacted>');
    assert.equal(recorded.headers.authorization, recorded.authorization);
    const basic = Buffer.from('emulator-client:emulator-secret').toString('base64');
    assert.doesNotMatch(JSON.stringify(recorded), new RegExp(`emulator-secret|${basic}`));
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

describe('OAuth token endpoint: bounded memory', () => {
  const basic = (secret: string) => `Basic ${Buffer.from(`emulator-client:${secret}`).toString('base64')}`;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  after(() => agent.destroy());
  /** node:http rather than fetch: a third of the client time, for the 2,000 requests below. */
  const post = (emulator: { unityCatalogEndpoint: string }, authorization: string, body: string) =>
    new Promise<number>((resolve, reject) => {
      const headers = { authorization, 'content-type': 'application/x-www-form-urlencoded' };
      const url = `${emulator.unityCatalogEndpoint}/oidc/v1/token`;
      const req = request(url, { method: 'POST', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });

  it('answers 413 with the OAuth error shape for a body over 16 KiB, and records its size only', async (t) => {
    const { emulator } = await setup(t);
    const body = new URLSearchParams({ grant_type: 'client_credentials', scope: 'x'.repeat(20_000) }).toString();
    const response = await fetch(`${emulator.unityCatalogEndpoint}/oidc/v1/token`, {
      method: 'POST',
      headers: { authorization: basic('emulator-secret'), 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    assert.equal(response.status, 413);
    const error = (await response.json()) as Record<string, unknown>;
    assert.equal(error.error, 'invalid_request');
    assert.match(String(error.error_description), /20\d{3} bytes; the token endpoint accepts at most 16384/);
    const [recorded] = emulator.tokenRequests;
    assert.equal(recorded?.status, 413);
    assert.equal(recorded?.bodyBytes, body.length);
    assert.deepEqual(recorded?.form, {});
    assert.equal(emulator.stats.tokensIssued, 0);
    assert.equal((await fetchToken(emulator, TABLE)).status, 200, 'the endpoint still issues tokens');
  });

  it('keeps the latest 1,000 requests, without bodies or secrets, after 2,000 large refused ones', async (t) => {
    const { emulator } = await setup(t);
    assert.equal((await fetchToken(emulator, TABLE)).status, 200);
    const huge = new URLSearchParams({
      grant_type: 'client_credentials',
      authorization_details: 'y'.repeat(64 * 1024),
    }).toString();
    // Under the size limit, refused for their content: malformed grants, or a wrong secret.
    const malformed = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 's'.repeat(5_000),
      authorization_details: `[${'z'.repeat(10_000)}`,
    }).toString();
    const requests = Array.from({ length: 2_000 }, (_, i) => () => {
      if (i % 2 === 0) return post(emulator, basic('emulator-secret'), huge);
      return post(emulator, basic(i % 4 === 1 ? 'emulator-secret' : 'wrong-secret'), malformed);
    });
    const statuses = new Map<number, number>();
    const worker = async () => {
      for (let next = requests.shift(); next; next = requests.shift()) {
        const status = await next();
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.deepEqual(Object.fromEntries(statuses), { 413: 1_000, 400: 500, 401: 500 });

    assert.equal(emulator.stats.tokenRequests, 2_001);
    const log = emulator.tokenRequests;
    assert.equal(log.length, 1_000, 'the latest 1,000 requests only');
    assert.ok(
      log.every((r) => r.status !== 200),
      'the first (accepted) request was evicted',
    );
    for (const [i, record] of log.entries()) {
      assert.ok(record.bodyBytes > 15_000, `record ${i} came from a large request`);
      const kept = JSON.stringify(record);
      assert.ok(kept.length < 4_096, `record ${i} keeps ${kept.length} characters`);
      assert.equal(record.form.authorization_details, undefined);
      assert.doesNotMatch(kept, /emulator-secret|wrong-secret|yyyyyyyy|zzzzzzzz/);
      if (i > 0) assert.ok(record.receivedAt >= (log[i - 1] as { receivedAt: number }).receivedAt, 'oldest first');
    }
  });
});
