/**
 * Access tokens are JWTs signed with the data directory's key: they survive a restart of the
 * server on the same directory, and anything not signed by that key, altered, or expired is
 * refused, on gRPC (UNAUTHENTICATED) and on Unity Catalog REST (401) alike.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { type Emulator, type EmulatorOptions, startEmulator } from '@zerobus/emulator';
import fc from 'fast-check';
import { TokenRegistry } from '../src/oauth/tokens.js';
import { fetchToken, RawClient } from './support/raw-client.js';

const TABLE = 'main.default.events';

async function tempDir(t: { after(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'zerobus-tokens-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function start(t: { after(fn: () => unknown): void }, options: EmulatorOptions): Promise<Emulator> {
  const emulator = await startEmulator({ autoCreateTables: true, ...options });
  t.after(() => emulator.close());
  return emulator;
}

async function accessToken(emulator: Emulator): Promise<string> {
  const response = await fetchToken(emulator, TABLE);
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** The outcome of a token on both surfaces: the gRPC call's status and the REST answer. */
async function tryToken(emulator: Emulator, token: string): Promise<{ grpc: string; rest: string }> {
  const client = new RawClient(emulator);
  try {
    const stream = client.open(TABLE, { token });
    stream.create(TABLE);
    const grpc = await Promise.race([
      stream.created().then(() => 'created'),
      stream.status.then((s) => `${status[s.code]}: ${s.details}`),
    ]);
    stream.call.end();
    const response = await fetch(`${emulator.unityCatalogEndpoint}/api/2.1/unity-catalog/catalogs`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { error_code?: string; message?: string };
    const rest = response.status === 200 ? '200' : `${response.status} ${body.error_code}: ${body.message}`;
    return { grpc, rest };
  } finally {
    client.close();
  }
}

async function assertRefused(emulator: Emulator, token: string, reason: RegExp): Promise<void> {
  const { grpc, rest } = await tryToken(emulator, token);
  assert.match(grpc, /^UNAUTHENTICATED: /);
  assert.match(grpc, reason);
  assert.match(rest, /^401 UNAUTHENTICATED: /);
  assert.match(rest, reason);
  assert.ok(!grpc.includes(token) && !rest.includes(token), 'the token is not echoed back');
}

/** A JWT's three parts, the first two decoded. */
function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; sig: string } {
  const [header = '', payload = '', sig = ''] = token.split('.');
  const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: json(header), payload: json(payload), sig };
}

function sign(key: Buffer, header: object, payload: object): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

async function signingKey(dataDir: string): Promise<{ key: Buffer; kid: string }> {
  const jwk = JSON.parse(await readFile(join(dataDir, '_oauth', 'signing-key.json'), 'utf8')) as {
    k: string;
    kid: string;
  };
  return { key: Buffer.from(jwk.k, 'base64url'), kid: jwk.kid };
}

describe('access tokens', () => {
  it('are JWTs carrying the principal, its grants and the times, under a 0600 key kept in the data directory', async (t) => {
    const dataDir = await tempDir(t);
    const emulator = await start(t, { dataDir, tokenTtlSeconds: 120 });
    const before = Date.now();
    const token = await accessToken(emulator);
    const { header, payload } = decode(token);
    const { kid } = await signingKey(dataDir);
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT', kid });
    assert.equal(payload.iss, 'zerobus-emulator');
    assert.equal(payload.sub, 'emulator-client');
    assert.equal(payload.scope, 'all-apis');
    assert.equal(payload.aud, 'api://databricks/workspaces/1234567890123456/zerobusDirectWriteApi');
    const iat = payload.iat as number;
    assert.ok(iat * 1000 >= before - 1 && iat * 1000 <= Date.now() + 1);
    assert.ok((payload.nbf as number) < iat - 30, 'nbf is backdated for clock skew');
    assert.equal(Math.round((payload.exp as number) * 1000), Math.round(iat * 1000) + 120_000);
    assert.deepEqual(
      (payload.authorization_details as { object_full_path: string }[]).map((d) => d.object_full_path),
      ['main', 'main.default', TABLE],
    );
    if (process.platform !== 'win32') {
      assert.equal((await stat(join(dataDir, '_oauth', 'signing-key.json'))).mode & 0o777, 0o600);
    }
    assert.deepEqual(emulator.catalog.listCatalogs(), [], 'the key directory is not a catalog');
  });

  it('stay valid across a restart on the same data directory', async (t) => {
    const dataDir = await tempDir(t);
    const first = await startEmulator({ autoCreateTables: true, dataDir });
    const token = await accessToken(first);
    await first.close();
    const second = await start(t, { dataDir });
    assert.deepEqual(await tryToken(second, token), { grpc: 'created', rest: '200' });
  });

  it('from another data directory (another key) are refused', async (t) => {
    const emulator = await start(t, { dataDir: await tempDir(t) });
    const other = await start(t, { dataDir: await tempDir(t) });
    await assertRefused(emulator, await accessToken(other), /signed with another key/);
    await assertRefused(emulator, other.issueToken(TABLE), /signed with another key/);
    const inMemory = await start(t, {}); // no data directory: a key of its own
    await assertRefused(emulator, inMemory.issueToken(TABLE), /signed with another key/);
  });

  it('with a tampered payload or signature, a foreign key, alg none or past expiry are refused', async (t) => {
    const dataDir = await tempDir(t);
    const emulator = await start(t, { dataDir });
    const token = await accessToken(emulator);
    assert.deepEqual(await tryToken(emulator, token), { grpc: 'created', rest: '200' });
    const { header, payload, sig } = decode(token);
    const [h, p] = token.split('.') as [string, string];
    const { key } = await signingKey(dataDir);
    const nowSeconds = Date.now() / 1000;
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

    // Longer-lived, another principal: the old signature no longer covers it.
    await assertRefused(emulator, `${h}.${encode({ ...payload, exp: nowSeconds + 86_400 })}.${sig}`, /signature/);
    await assertRefused(emulator, `${h}.${encode({ ...payload, sub: 'admin' })}.${sig}`, /signature/);
    const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    await assertRefused(emulator, `${h}.${p}.${flipped}`, /signature/);
    await assertRefused(emulator, `${h}.${p}.${sig.slice(0, -1)}`, /signature/);
    await assertRefused(emulator, sign(Buffer.alloc(32, 7), header, payload), /signature/); // same kid, wrong key
    await assertRefused(emulator, `${encode({ ...header, alg: 'none' })}.${p}.`, /unknown access token/);
    await assertRefused(emulator, `${encode({ ...header, alg: 'HS512' })}.${p}.${sig}`, /alg HS256/);
    await assertRefused(emulator, `${h}.${p}`, /unknown access token/);

    // Signed with the right key, but past its expiry, or not valid yet.
    const expired = { ...payload, iat: nowSeconds - 7_200, exp: nowSeconds - 1 };
    await assertRefused(emulator, sign(key, header, expired), /access token expired/);
    await assertRefused(emulator, sign(key, header, { ...payload, nbf: nowSeconds + 600 }), /not valid yet/);
    await assertRefused(emulator, sign(key, header, { ...payload, iss: 'someone-else' }), /another issuer/);
    await assertRefused(emulator, sign(key, header, { ...payload, exp: 'never' }), /numeric exp/);
  });

  it('expired by faults.expireTokens() stay expired after a restart; tokens issued after it work', async (t) => {
    const dataDir = await tempDir(t);
    const first = await startEmulator({ autoCreateTables: true, dataDir });
    const before = first.issueToken(TABLE);
    first.faults.expireTokens();
    const after = first.issueToken(TABLE); // possibly within the same millisecond
    await assertRefused(first, before, /expired/);
    assert.deepEqual(await tryToken(first, after), { grpc: 'created', rest: '200' });
    await first.close();

    const second = await start(t, { dataDir });
    await assertRefused(second, before, /expired/);
    assert.deepEqual(await tryToken(second, after), { grpc: 'created', rest: '200' });
  });

  it('are refused once any character is changed (property)', () => {
    const registry = new TokenRegistry(3600);
    const details = [
      { type: 'unity_catalog_privileges', privileges: ['SELECT'], object_type: 'TABLE', object_full_path: TABLE },
    ];
    const token = registry.issue('emulator-client', { scope: 'all-apis', details }).accessToken;
    assert.ok(registry.lookup(`Bearer ${token}`).ok);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=';
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...alphabet), (index, replacement) => {
        fc.pre(token[index] !== replacement);
        const changed = `${token.slice(0, index)}${replacement}${token.slice(index + 1)}`;
        const lookup = registry.lookup(`Bearer ${changed}`);
        assert.equal(lookup.ok, false, `position ${index} → ${replacement}`);
      }),
      { seed: 15, numRuns: 2_000 },
    );
  });
});
