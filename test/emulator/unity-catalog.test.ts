import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { ucClient } from '../support/uc-client.js';

function client(emulator: Emulator, bearer?: string) {
  return ucClient(emulator.unityCatalogEndpoint, bearer === undefined ? {} : { bearer });
}

const COLUMNS = [
  { name: 'id', type_text: 'bigint', type_name: 'LONG', nullable: false, position: 0 },
  { name: 'price', type_text: 'decimal(10,2)', type_name: 'DECIMAL', nullable: true, position: 1 },
  { name: 'tags', type_text: 'array<string>', type_name: 'ARRAY', nullable: true, position: 2 },
  { name: 'attrs', type_text: 'map<string,int>', type_name: 'MAP', nullable: true, position: 3 },
  { name: 'loc', type_text: 'struct<lat:double,lon:double>', type_name: 'STRUCT', nullable: true, position: 4 },
  { name: 'ts', type_text: 'timestamp_ntz', type_name: 'TIMESTAMP_NTZ', nullable: true, position: 5, comment: 'when' },
];

describe('Unity Catalog REST', () => {
  it('creates, gets, lists and deletes catalogs, schemas and tables', async () => {
    await using emulator = await startEmulator();
    const uc = await client(emulator);
    assert.equal((await uc('POST', '/catalogs', { name: 'main', comment: 'c' })).status, 200);
    assert.equal((await uc('POST', '/catalogs', { name: 'main' })).json.error_code, 'CATALOG_ALREADY_EXISTS');
    assert.equal((await uc('POST', '/schemas', { catalog_name: 'main', name: 'sales' })).status, 200);
    const created = await uc('POST', '/tables', {
      catalog_name: 'main',
      schema_name: 'sales',
      name: 'orders',
      table_type: 'MANAGED',
      data_source_format: 'DELTA',
      columns: COLUMNS,
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const got = await uc('GET', '/tables/main.sales.orders');
    assert.equal(got.status, 200);
    assert.equal(got.json.full_name, 'main.sales.orders');
    assert.equal(got.json.data_source_format, 'DELTA');
    const columns = got.json.columns as Record<string, unknown>[];
    assert.deepEqual(
      columns.map((c) => [c.name, c.type_text, c.type_name, c.nullable, c.position]),
      COLUMNS.map((c) => [c.name, c.type_text, c.type_name, c.nullable, c.position]),
    );
    assert.equal(columns[1]?.type_precision, 10);
    assert.equal(columns[5]?.comment, 'when');
    assert.match(String(got.json.storage_location), /^file:\/\//);
    const listed = await uc('GET', '/tables?catalog_name=main&schema_name=sales');
    assert.deepEqual(
      (listed.json.tables as { name: string }[]).map((t) => t.name),
      ['orders'],
    );
    assert.equal((await uc('DELETE', '/schemas/main.sales')).json.error_code, 'SCHEMA_NOT_EMPTY');
    assert.equal((await uc('DELETE', '/tables/main.sales.orders')).status, 200);
    assert.equal((await uc('GET', '/tables/main.sales.orders')).status, 404);
    assert.equal((await uc('GET', '/tables/main.sales.orders')).json.error_code, 'TABLE_DOES_NOT_EXIST');
  });

  it('rejects bad requests with INVALID_PARAMETER_VALUE naming the problem', async () => {
    await using emulator = await startEmulator();
    const uc = await client(emulator);
    await uc('POST', '/catalogs', { name: 'main' });
    await uc('POST', '/schemas', { catalog_name: 'main', name: 's' });
    const bad = await uc('POST', '/tables', {
      catalog_name: 'main',
      schema_name: 's',
      name: 't',
      columns: [{ name: 'x', type_text: 'array<>' }],
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(String(bad.json.message), /column 'x'/);
    assert.equal(
      (await uc('POST', '/tables', { catalog_name: 'main', schema_name: 'nope', name: 't', columns: COLUMNS })).status,
      404,
    );
    assert.equal((await uc('POST', '/catalogs', { name: 'a/b' })).status, 400);
  });

  it('wants a valid bearer token', async () => {
    await using emulator = await startEmulator();
    const res = await (await client(emulator, 'not-a-token'))('GET', '/catalogs');
    assert.equal(res.status, 401);
    assert.equal(res.json.error_code, 'UNAUTHENTICATED');
  });

  it('serves the same tables after a restart on the same data directory', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'zerobus-uc-'));
    try {
      {
        await using emulator = await startEmulator({ dataDir });
        await emulator.createDeltaTable('main.sales.orders', COLUMNS, { comment: 'orders' });
      }
      await using emulator = await startEmulator({ dataDir });
      const info = emulator.catalog.getTable('main.sales.orders');
      assert.equal(info.comment, 'orders');
      assert.deepEqual(
        info.columns.map((c) => c.type_text),
        COLUMNS.map((c) => c.type_text),
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
