/**
 * Unity Catalog REST privileges (PROTOCOL.md §13), over HTTP on loopback with tokens from the
 * real token endpoint: a token scoped by `authorization_details` (as the SDK asks for one for a
 * stream) acts only within its scope, a principal limited to tables holds only what writing to
 * them needs, and every refusal is a 403 PERMISSION_DENIED naming the privilege and the object.
 */
import assert from 'node:assert/strict';
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_PRINCIPAL, type Emulator, startEmulator } from '@zerobus/emulator';
import { fetchTableSchema } from '@zerobus/sdk';
import { grant, ucClient } from '../support/uc-client.js';

const WRITER = { clientId: 'writer', clientSecret: 'writer-secret', tables: ['main.a.mine'] };
const COLUMNS = [{ name: 'id', type_text: 'bigint' }];

/** main.a.mine and main.a.theirs, main.b, and other.x, made by the admin (the default principal). */
async function setup(options: Parameters<typeof startEmulator>[0] = {}) {
  const emulator = await startEmulator({ principals: [DEFAULT_PRINCIPAL, WRITER], ...options });
  const admin = await ucClient(emulator.unityCatalogEndpoint);
  for (const [path, body] of [
    ['/catalogs', { name: 'main' }],
    ['/catalogs', { name: 'other' }],
    ['/schemas', { catalog_name: 'main', name: 'a' }],
    ['/schemas', { catalog_name: 'main', name: 'b' }],
    ['/schemas', { catalog_name: 'other', name: 'x' }],
    ['/tables', { catalog_name: 'main', schema_name: 'a', name: 'mine', columns: COLUMNS }],
    ['/tables', { catalog_name: 'main', schema_name: 'a', name: 'theirs', columns: COLUMNS }],
  ] as const) {
    const created = await admin('POST', path, body);
    assert.equal(created.status, 200, JSON.stringify(created.json));
  }
  return { emulator, admin };
}

async function exists(emulator: Emulator, ...parts: string[]): Promise<boolean> {
  return access(join(emulator.catalog.dataDir, ...parts)).then(
    () => true,
    () => false,
  );
}

/** Asserts a 403 PERMISSION_DENIED whose message matches `message`. */
async function denied(call: Promise<{ status: number; json: Record<string, unknown> }>, message: RegExp) {
  const { status, json } = await call;
  assert.equal(status, 403, JSON.stringify(json));
  assert.equal(json.error_code, 'PERMISSION_DENIED');
  assert.match(String(json.message), message);
}

const names = (json: Record<string, unknown>, key: string) => (json[key] as { name: string }[]).map((x) => x.name);

describe('Unity Catalog REST privileges', () => {
  it('a token scoped to main.a.mine reads that table and cannot touch anything else', async () => {
    const { emulator } = await setup();
    await using _ = emulator;
    // the token request the SDK makes for a stream to main.a.mine (by the all-tables principal)
    const scoped = await ucClient(emulator.unityCatalogEndpoint, { table: 'main.a.mine' });
    assert.deepEqual(
      emulator.tokenRequests.at(-1)?.authorizationDetails,
      [
        grant('CATALOG', 'main', 'USE CATALOG'),
        grant('SCHEMA', 'main.a', 'USE SCHEMA'),
        grant('TABLE', 'main.a.mine', 'SELECT', 'MODIFY'),
      ],
      'the token was asked for as the SDK asks for one',
    );

    const mine = await scoped('GET', '/tables/main.a.mine');
    assert.equal(mine.status, 200);
    assert.equal(mine.json.full_name, 'main.a.mine');
    await denied(
      scoped('GET', '/tables/main.a.theirs'),
      /^reading table 'main\.a\.theirs' needs SELECT, MODIFY, MANAGE or BROWSE on table 'main\.a\.theirs', which the access token does not carry: its authorization_details scope it to CATALOG main \(USE CATALOG\); SCHEMA main\.a \(USE SCHEMA\); TABLE main\.a\.mine \(SELECT, MODIFY\)$/,
    );
    await denied(scoped('DELETE', '/tables/main.a.theirs'), /deleting table 'main\.a\.theirs' needs MANAGE on table/);
    await denied(scoped('DELETE', '/tables/main.a.mine'), /deleting table 'main\.a\.mine' needs MANAGE on table/);
    await denied(
      scoped('DELETE', '/catalogs/main?force=true'),
      /deleting catalog 'main' needs MANAGE on catalog 'main'/,
    );
    await denied(scoped('DELETE', '/schemas/main.a?force=true'), /deleting schema 'main\.a' needs MANAGE on schema/);
    await denied(
      scoped('POST', '/tables', { catalog_name: 'main', schema_name: 'a', name: 'new', columns: COLUMNS }),
      /creating table 'main\.a\.new' needs CREATE TABLE on schema 'main\.a'/,
    );
    await denied(scoped('POST', '/schemas', { catalog_name: 'main', name: 'c' }), /CREATE SCHEMA on catalog 'main'/);
    await denied(scoped('POST', '/catalogs', { name: 'third' }), /CREATE CATALOG on the metastore/);
    await denied(scoped('GET', '/tables/main.b.t'), /needs USE SCHEMA on schema 'main\.b'/);
    await denied(scoped('GET', '/tables?catalog_name=other&schema_name=x'), /needs USE CATALOG on catalog 'other'/);
    await denied(scoped('GET', '/catalogs/other'), /reading catalog 'other' needs USE CATALOG or BROWSE/);
    await denied(scoped('GET', '/schemas/main.b'), /reading schema 'main\.b' needs USE SCHEMA or BROWSE/);

    // lists show only what the token covers
    assert.deepEqual(names((await scoped('GET', '/catalogs')).json, 'catalogs'), ['main']);
    assert.deepEqual(names((await scoped('GET', '/schemas?catalog_name=main')).json, 'schemas'), ['a']);
    assert.deepEqual(names((await scoped('GET', '/tables?catalog_name=main&schema_name=a')).json, 'tables'), ['mine']);

    // nothing was deleted or created
    for (const parts of [
      ['main', 'a', 'mine'],
      ['main', 'a', 'theirs'],
      ['main', 'b'],
    ]) {
      assert.ok(await exists(emulator, ...parts), parts.join('/'));
    }
    assert.equal(await exists(emulator, 'main', 'a', 'new'), false);
    assert.deepEqual(
      emulator.catalog
        .listCatalogs()
        .map((c) => c.name)
        .sort(),
      ['main', 'other'],
    );
    assert.equal(emulator.catalog.getTable('main.a.theirs').full_name, 'main.a.theirs');
  });

  it('a principal limited to tables reads their metadata and creates or deletes nothing', async () => {
    const { emulator } = await setup();
    await using _ = emulator;
    const writer = await ucClient(emulator.unityCatalogEndpoint, { clientId: 'writer', secret: 'writer-secret' });
    assert.equal((await writer('GET', '/tables/main.a.mine')).status, 200);
    assert.equal((await writer('GET', '/schemas/main.a')).status, 200);
    assert.equal((await writer('GET', '/catalogs/main')).status, 200);
    await denied(
      writer('GET', '/tables/main.a.theirs'),
      /^reading table 'main\.a\.theirs' needs SELECT, MODIFY, MANAGE or BROWSE on table 'main\.a\.theirs', which principal writer does not hold$/,
    );
    await denied(
      writer('DELETE', '/tables/main.a.mine'),
      /needs MANAGE on table 'main\.a\.mine', which principal writer/,
    );
    await denied(writer('DELETE', '/catalogs/main?force=true'), /MANAGE on catalog 'main', which principal writer/);
    await denied(
      writer('POST', '/tables', { catalog_name: 'main', schema_name: 'a', name: 'new', columns: COLUMNS }),
      /CREATE TABLE on schema 'main\.a', which principal writer does not hold/,
    );
    await denied(writer('POST', '/catalogs', { name: 'mine' }), /CREATE CATALOG on the metastore/);
    assert.deepEqual(names((await writer('GET', '/catalogs')).json, 'catalogs'), ['main']);
    assert.deepEqual(names((await writer('GET', '/tables?catalog_name=main&schema_name=a')).json, 'tables'), ['mine']);

    // what the SDK does with these credentials: read the table's columns
    const access = {
      unityCatalogEndpoint: emulator.unityCatalogEndpoint,
      clientId: 'writer',
      clientSecret: 'writer-secret',
    };
    assert.deepEqual(
      (await fetchTableSchema('main.a.mine', access)).fields.map((f) => f.name),
      ['id'],
    );
    await assert.rejects(fetchTableSchema('main.a.theirs', access), { code: 'PERMISSION_DENIED' });

    // a token cannot add to what its principal holds
    const managing = await ucClient(emulator.unityCatalogEndpoint, {
      clientId: 'writer',
      secret: 'writer-secret',
      authorizationDetails: [
        grant('CATALOG', 'main', 'USE CATALOG', 'MANAGE'),
        grant('SCHEMA', 'main.a', 'USE SCHEMA'),
      ],
    });
    await denied(managing('DELETE', '/tables/main.a.mine'), /which principal writer does not hold/);
    assert.ok(await exists(emulator, 'main', 'a', 'mine'));
  });

  it('the privileges a token lists apply to what is inside the object; MANAGE is not among ALL PRIVILEGES', async () => {
    const { emulator } = await setup();
    await using _ = emulator;
    const endpoint = emulator.unityCatalogEndpoint;
    const creator = await ucClient(endpoint, {
      authorizationDetails: [
        grant('CATALOG', 'main', 'USE_CATALOG'), // the REST enum spelling
        grant('SCHEMA', 'main.a', 'use schema', 'create table'),
        grant('TABLE', 'main.a.mine', 'MANAGE'),
      ],
    });
    const created = await creator('POST', '/tables', {
      catalog_name: 'main',
      schema_name: 'a',
      name: 'new',
      columns: COLUMNS,
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    assert.equal((await creator('DELETE', '/tables/main.a.mine')).status, 200);
    assert.equal(await exists(emulator, 'main', 'a', 'mine'), false);
    await denied(creator('DELETE', '/tables/main.a.theirs'), /MANAGE on table 'main\.a\.theirs'/);

    const all = await ucClient(endpoint, {
      authorizationDetails: [grant('CATALOG', 'main', 'USE CATALOG', 'ALL PRIVILEGES')],
    });
    assert.equal((await all('GET', '/tables/main.a.theirs')).status, 200);
    assert.equal(
      (await all('POST', '/tables', { catalog_name: 'main', schema_name: 'b', name: 't', columns: COLUMNS })).status,
      200,
    );
    await denied(all('DELETE', '/tables/main.a.theirs'), /MANAGE on table 'main\.a\.theirs'/);
    await denied(all('DELETE', '/catalogs/main?force=true'), /MANAGE on catalog 'main'/);
    await denied(all('GET', '/catalogs/other'), /USE CATALOG or BROWSE on catalog 'other'/);

    const owner = await ucClient(endpoint, {
      authorizationDetails: [grant('CATALOG', 'main', 'USE CATALOG', 'MANAGE')],
    });
    assert.equal((await owner('DELETE', '/catalogs/main?force=true')).status, 200);
    assert.equal(await exists(emulator, 'main'), false);
    assert.deepEqual(await readdir(emulator.catalog.dataDir), ['other']);
  });

  it('a principal whose grants were revoked holds nothing', async () => {
    const { emulator, admin } = await setup();
    await using _ = emulator;
    emulator.faults.revokeGrants('emulator-client');
    await denied(admin('GET', '/tables/main.a.mine'), /the grants of principal emulator-client were revoked/);
    await denied(admin('DELETE', '/catalogs/other?force=true'), /revoked/);
    assert.deepEqual(names((await admin('GET', '/catalogs')).json, 'catalogs'), []);
    emulator.faults.reset();
    assert.equal((await admin('GET', '/tables/main.a.mine')).status, 200);
  });

  it('a missing, unknown or expired token is 401 UNAUTHENTICATED, before any other check', async () => {
    const { emulator } = await setup({ tokenTtlSeconds: 3600 });
    await using _ = emulator;
    const base = `${emulator.unityCatalogEndpoint}/api/2.1/unity-catalog`;
    const none = await fetch(`${base}/catalogs/main?force=true`, { method: 'DELETE' });
    assert.equal(none.status, 401);
    assert.deepEqual(await none.json(), { error_code: 'UNAUTHENTICATED', message: 'missing authorization header' });
    const unknown = await ucClient(emulator.unityCatalogEndpoint, { bearer: 'not-a-token' });
    assert.equal((await unknown('POST', '/tables', '{ not json')).status, 401);
    const expiring = await ucClient(emulator.unityCatalogEndpoint);
    emulator.faults.expireTokens();
    const expired = await expiring('GET', '/catalogs');
    assert.equal(expired.status, 401);
    assert.equal(expired.json.message, 'access token expired');
    assert.ok(await exists(emulator, 'main'));
  });

  it('without auth every request is allowed, whatever token it carries', async () => {
    const { emulator } = await setup({ auth: false });
    await using _ = emulator;
    const anyone = await ucClient(emulator.unityCatalogEndpoint, { bearer: 'anything' });
    assert.equal((await anyone('GET', '/tables/main.a.theirs')).status, 200);
    assert.equal((await anyone('DELETE', '/catalogs/main?force=true')).status, 200);
    assert.equal(await exists(emulator, 'main'), false);
  });
});
