/**
 * PROTOCOL.md §13: an access token is valid until it expires, whatever happens to the server in
 * between. A client holding a token (a static headers provider, as the official SDK calls it
 * once per stream) keeps writing after the server process is restarted on the same data
 * directory. (Refusals, other data directories included, are in packages/emulator/test/tokens.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ZerobusSdk } from '@zerobus/sdk';
import { readDeltaTable } from '../support/delta-reader.js';
import { type EmulatorProcess, startEmulatorProcess } from '../support/emulator-process.js';
import { ucClient } from '../support/uc-client.js';

const TABLE = 'main.s.events';
const COLUMNS = [
  { name: 'id', type_text: 'bigint', nullable: false },
  { name: 'note', type_text: 'string' },
];

/**
 * A token from the token endpoint: scoped to TABLE as the SDK asks for it (PROTOCOL.md §4), or
 * unscoped (`scope=all-apis` only) as `zerobus tables` asks for it.
 */
async function fetchToken(server: EmulatorProcess, scoped: boolean): Promise<string> {
  const grant = (privileges: string[], object_type: string, object_full_path: string) => ({
    type: 'unity_catalog_privileges',
    privileges,
    object_type,
    object_full_path,
  });
  const response = await fetch(`${server.unityCatalogEndpoint}/oidc/v1/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('emulator-client:emulator-secret').toString('base64')}` },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'all-apis',
      ...(scoped && {
        authorization_details: JSON.stringify([
          grant(['USE CATALOG'], 'CATALOG', 'main'),
          grant(['USE SCHEMA'], 'SCHEMA', 'main.s'),
          grant(['SELECT', 'MODIFY'], 'TABLE', TABLE),
        ]),
      }),
    }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Writes ids [from, to) through the SDK with `token` as a static bearer token. */
async function ingestWithToken(server: EmulatorProcess, token: string, from: number, to: number): Promise<void> {
  const sdk = new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint);
  const stream = await sdk.createStream({
    table: TABLE,
    headersProvider: {
      getHeaders: () => ({ authorization: `Bearer ${token}`, 'x-databricks-zerobus-table-name': TABLE }),
    },
    options: { recordType: 'json', recoveryRetries: 0 },
  });
  for (let id = from; id < to; id++) stream.ingestRecordNowait({ id, note: `n${id}` });
  await stream.flush();
  await stream.close();
}

describe('access tokens across a restart of the server process', () => {
  it('a token issued before the restart still writes (gRPC) and reads (UC REST)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'zerobus-token-restart-'));
    const servers: EmulatorProcess[] = [];
    try {
      const first = await startEmulatorProcess(['--data-dir', dataDir]);
      servers.push(first);
      // Two tokens of the first process: one scoped to the table (as the SDK asks), one unscoped
      // (as `zerobus tables` asks), which may create the catalog, schema and table.
      const token = await fetchToken(first, true);
      const unscopedToken = await fetchToken(first, false);
      const unscoped = await ucClient(first.unityCatalogEndpoint, { bearer: unscopedToken });
      assert.equal((await unscoped('POST', '/catalogs', { name: 'main' })).status, 200);
      assert.equal((await unscoped('POST', '/schemas', { catalog_name: 'main', name: 's' })).status, 200);
      const created = await unscoped('POST', '/tables', {
        catalog_name: 'main',
        schema_name: 's',
        name: 'events',
        columns: COLUMNS,
      });
      assert.equal(created.status, 200, JSON.stringify(created.json));
      await ingestWithToken(first, token, 0, 10);
      await first.kill('SIGKILL');

      const second = await startEmulatorProcess(['--data-dir', dataDir]);
      servers.push(second);
      for (const bearer of [token, unscopedToken]) {
        const table = await (await ucClient(second.unityCatalogEndpoint, { bearer }))('GET', `/tables/${TABLE}`);
        assert.equal(table.status, 200, JSON.stringify(table.json));
      }
      await ingestWithToken(second, token, 10, 20);
      const rows = (await readDeltaTable(join(dataDir, 'main', 's', 'events'), { orderBy: 'id' })).rows;
      assert.deepEqual(
        rows.map((r) => Number(r.id)),
        Array.from({ length: 20 }, (_, i) => i),
      );
    } finally {
      for (const server of servers) await server.kill();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
