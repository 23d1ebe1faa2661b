/**
 * Tables resolve as in Unity Catalog (PROTOCOL.md §13), through the SDK against the real server:
 * names are case-insensitive and stored in lower case, a stream to a table that does not exist
 * fails at creation with NOT_FOUND naming the table (non-retriable), and schemaless in-memory
 * tables exist only when created up front or opted in with `autoCreateTables`.
 */
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { NonRetriableError, TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { Field, Float64, Schema, Utf8 } from 'apache-arrow';
import { readDeltaTable } from '../support/delta-reader.js';
import { capturingLogger, type Harness } from '../support/harness.js';
import { ucClient } from '../support/uc-client.js';

const CLIENT = { clientId: 'emulator-client', clientSecret: 'emulator-secret' };
const COLUMNS = [
  { name: 'device', type_text: 'string', nullable: false },
  { name: 'temp', type_text: 'double' },
];

function jsonStream(emulator: Emulator, table: string, principal = CLIENT) {
  const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
  return sdk.createStream(principal.clientId, principal.clientSecret, new TableProperties(table), {
    recordType: 'json',
    recoveryBackoffMs: 10,
    recoveryTimeoutMs: 1_000,
  });
}

/** Asserts that `promise` rejects with a non-retriable NOT_FOUND whose message names `table`. */
async function assertNotFound(promise: Promise<unknown>, table: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof NonRetriableError, `expected a NonRetriableError, got ${String(error)}`);
    assert.equal(error.code, 'NOT_FOUND');
    assert.match(error.message, new RegExp(`table ${table.replaceAll('.', '\\.')} does not exist`));
    return true;
  });
}

describe('table names are case-insensitive, stored in lower case', () => {
  it('a stream to MAIN.G.T writes the Delta table main.g.t, under main/g/t', async () => {
    await using emulator = await startEmulator({ commitIntervalMs: 5, storeRecords: true });
    const info = await emulator.createDeltaTable('Main.G.T', COLUMNS);
    assert.equal(info.full_name, 'main.g.t');
    await access(join(emulator.dataDir, 'main', 'g', 't', '_delta_log'));

    for (const name of ['MAIN.G.T', 'main.g.t', 'Main.g.T']) {
      const stream = await jsonStream(emulator, name);
      await stream.ingestRecordOffset({ device: name, temp: 1 });
      await stream.close();
    }
    const { rows } = await readDeltaTable(join(emulator.dataDir, 'main', 'g', 't'), { orderBy: 'device' });
    assert.deepEqual(
      rows.map((r) => r.device),
      ['MAIN.G.T', 'Main.g.T', 'main.g.t'],
    );
    assert.equal(emulator.records('MAIN.g.t').length, 3);
    assert.deepEqual(emulator.tables, ['main.g.t']);
    assert.deepEqual(
      emulator.calls.map((c) => c.tableName),
      ['main.g.t', 'main.g.t', 'main.g.t'],
    );
  });

  it('Unity Catalog REST finds, lists and deletes a table by any case, and stores new names in lower case', async () => {
    await using emulator = await startEmulator();
    const uc = await ucClient(emulator.unityCatalogEndpoint);
    assert.equal((await uc('POST', '/catalogs', { name: 'Sales' })).status, 200);
    assert.equal((await uc('POST', '/catalogs', { name: 'SALES' })).json.error_code, 'CATALOG_ALREADY_EXISTS');
    assert.equal((await uc('POST', '/schemas', { catalog_name: 'SALES', name: 'EU' })).status, 200);
    const created = await uc('POST', '/tables', {
      catalog_name: 'sales',
      schema_name: 'Eu',
      name: 'Orders',
      columns: COLUMNS,
    });
    assert.equal(created.json.full_name, 'sales.eu.orders');
    await access(join(emulator.dataDir, 'sales', 'eu', 'orders', '_delta_log'));
    assert.equal((await uc('GET', '/tables/SALES.EU.ORDERS')).json.full_name, 'sales.eu.orders');
    assert.equal((await uc('GET', '/schemas/Sales.Eu')).json.full_name, 'sales.eu');
    const listed = await uc('GET', '/tables?catalog_name=SALES&schema_name=EU');
    assert.deepEqual(
      (listed.json.tables as { full_name: string }[]).map((t) => t.full_name),
      ['sales.eu.orders'],
    );
    // The SDK reads the table's schema through the same REST API.
    const table = await TableProperties.fromTable('Sales.EU.Orders', {
      unityCatalogEndpoint: emulator.unityCatalogEndpoint,
      ...CLIENT,
      recordType: 'json',
    });
    assert.deepEqual(
      table.schema?.fields.map((f) => f.name),
      ['device', 'temp'],
    );
    assert.equal((await uc('DELETE', '/tables/Sales.Eu.ORDERS')).status, 200);
    assert.equal((await uc('GET', '/tables/sales.eu.orders')).json.error_code, 'TABLE_DOES_NOT_EXIST');
    assert.equal((await uc('DELETE', '/catalogs/SALES?force=true')).status, 200);
    assert.deepEqual(emulator.catalog.listCatalogs(), []);
  });

  it('a grant on main.g.t covers a stream to MAIN.G.T, and a grant on MAIN.G.T one to main.g.t', async () => {
    const lower = { clientId: 'lower', clientSecret: 's1', tables: ['main.g.t'] };
    const upper = { clientId: 'upper', clientSecret: 's2', tables: ['MAIN.G.T'] };
    await using emulator = await startEmulator({ principals: [lower, upper], commitIntervalMs: 5, storeRecords: true });
    await emulator.createDeltaTable('main.g.t', COLUMNS);
    await emulator.createDeltaTable('main.g.other', COLUMNS);
    for (const [principal, name] of [
      [lower, 'MAIN.G.T'],
      [upper, 'main.g.t'],
    ] as const) {
      const stream = await jsonStream(emulator, name, principal);
      await stream.ingestRecordOffset({ device: principal.clientId, temp: 1 });
      await stream.close();
    }
    await assert.rejects(jsonStream(emulator, 'MAIN.G.OTHER', lower), { code: 'PERMISSION_DENIED' });
    assert.equal(emulator.records('main.g.t').length, 2);
  });
});

describe('a stream to a table that does not exist', () => {
  it('fails at createStream with a non-retriable NOT_FOUND naming the table, and creates nothing', async () => {
    await using emulator = await startEmulator();
    await emulator.createDeltaTable('main.g.t', COLUMNS);
    await assertNotFound(jsonStream(emulator, 'main.g.x'), 'main.g.x');
    await assertNotFound(jsonStream(emulator, 'MAIN.G.X'), 'main.g.x');
    // One attempt each: NOT_FOUND is not retried.
    assert.deepEqual(
      emulator.calls.map((c) => c.status?.name),
      ['NOT_FOUND', 'NOT_FOUND'],
    );
    assert.deepEqual(emulator.tables, []);
    assert.equal(emulator.stats.streamsCreated, 0);
  });

  it('fails an Arrow Flight stream the same way', async () => {
    await using emulator = await startEmulator();
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    const schema = new Schema([new Field('device', new Utf8(), false), new Field('temp', new Float64(), true)]);
    await assertNotFound(sdk.createArrowStream({ table: 'Main.Iot.Readings', schema, ...CLIENT }), 'main.iot.readings');
    assert.deepEqual(
      emulator.calls.map((c) => c.status?.name),
      ['NOT_FOUND'],
    );
    assert.deepEqual(emulator.tables, []);
  });

  it('succeeds for a schemaless table created up front, by any case', async () => {
    await using emulator = await startEmulator({ tables: ['Main.Mem.T'] });
    assert.deepEqual(emulator.tables, ['main.mem.t']);
    const stream = await jsonStream(emulator, 'MAIN.MEM.T');
    await stream.ingestRecordOffset({ a: 1 });
    await stream.close();
    assert.equal(emulator.records('main.mem.t').length, 1);
    await assertNotFound(jsonStream(emulator, 'main.mem.x'), 'main.mem.x');
  });
});

describe('autoCreateTables: true', () => {
  it('creates a schemaless table per new name, in lower case, with one log line each', async () => {
    const logs: Harness['logs'] = [];
    await using emulator = await startEmulator({ autoCreateTables: true, logger: capturingLogger(logs) });
    for (const name of ['Dev.Scratch.Events', 'dev.scratch.events', 'dev.scratch.other']) {
      const stream = await jsonStream(emulator, name);
      await stream.ingestRecordOffset({ name });
      await stream.close();
    }
    assert.deepEqual(emulator.tables, ['dev.scratch.events', 'dev.scratch.other']);
    assert.equal(emulator.records('DEV.SCRATCH.EVENTS').length, 2);
    assert.deepEqual(
      logs.map((l) => [l.level, l.fields]),
      [
        ['info', { table: 'dev.scratch.events' }],
        ['info', { table: 'dev.scratch.other' }],
      ],
    );
    assert.match(logs[0]?.message ?? '', /auto-created schemaless in-memory table dev\.scratch\.events/);
  });

  it('refuses names the catalog would refuse, with INVALID_ARGUMENT naming the part', async () => {
    await using emulator = await startEmulator({ autoCreateTables: true, logger: capturingLogger([]) });
    for (const [name, part] of [
      ['main.my schema.t', /schema part 'my schema'/],
      ['main.s.t$', /table part 't\$'/],
      ['main.s.-t', /table part '-t'/],
      [`main.s.${'x'.repeat(256)}`, /table part 'x{256}'/],
    ] as const) {
      await assert.rejects(jsonStream(emulator, name), (error: unknown) => {
        assert.ok(error instanceof NonRetriableError);
        assert.equal(error.code, 'INVALID_ARGUMENT');
        assert.match(error.message, part);
        return true;
      });
    }
    assert.deepEqual(emulator.tables, []);
  });
});
