/**
 * One damaged Delta table never takes the local server down: a separate server process started
 * on a data directory whose tables include one with a missing log version, one with garbage in
 * a commit and one with a commit cut mid-JSON starts, serves the good tables (SDK in, DuckDB
 * out), reports each damaged table by name, and refuses streams to them by name.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { Field, Int64, Schema } from 'apache-arrow';
import { readDeltaTable } from '../support/delta-reader.js';
import { type EmulatorProcess, startEmulatorProcess } from '../support/emulator-process.js';
import { ucClient } from '../support/uc-client.js';

const GOOD = ['main.s.events', 'main.s.metrics'];
/** Each damaged table and the log version its reason must name. */
const DAMAGED = { 'main.s.gap': 2, 'main.s.garbage': 2, 'main.s.torn': 3 } as const;
const COLUMNS = [{ name: 'id', type_text: 'bigint', nullable: false }];
const CLIENT = ['emulator-client', 'emulator-secret'] as const;

const tableDir = (dataDir: string, name: string) => join(dataDir, ...name.split('.'));
const commitFile = (dir: string, version: number) =>
  join(dir, '_delta_log', `${String(version).padStart(20, '0')}.json`);

/** Tables with commits 0 (create) to 3 (three acknowledged records, one commit each). */
async function writeTables(dataDir: string): Promise<void> {
  await using emulator = await startEmulator({ dataDir, commitIntervalMs: 1 });
  const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
  for (const name of [...GOOD, ...Object.keys(DAMAGED)]) {
    await emulator.createDeltaTable(name, COLUMNS);
    const stream = await sdk.createStream(...CLIENT, new TableProperties(name), { recordType: 'json' });
    for (let id = 1; id <= 3; id++) await stream.waitForOffset(await stream.ingestRecordOffset({ id }));
    await stream.close();
  }
}

async function damage(dataDir: string): Promise<void> {
  await unlink(commitFile(tableDir(dataDir, 'main.s.gap'), 2));
  await writeFile(commitFile(tableDir(dataDir, 'main.s.garbage'), 2), '\u0000\u0001 not a commit {{{\n');
  const torn = commitFile(tableDir(dataDir, 'main.s.torn'), 3);
  const text = await readFile(torn, 'utf8');
  await writeFile(torn, text.slice(0, Math.floor(text.length / 2)));
}

async function ids(dataDir: string, name: string): Promise<number[]> {
  const { rows } = await readDeltaTable(tableDir(dataDir, name), { orderBy: 'id' });
  return rows.map((r) => Number(r.id));
}

describe('a damaged Delta table at start', () => {
  let dataDir: string;
  let server: EmulatorProcess;
  let sdk: ZerobusSdk;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'zerobus-damaged-'));
    await writeTables(dataDir);
    await damage(dataDir);
    server = await startEmulatorProcess(['--data-dir', dataDir, '--commit-interval-ms', '5']);
    sdk = new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint);
  });
  after(async () => {
    await server?.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('does not stop the server: each damaged table is reported once, by name, with the version and no path', async () => {
    const reported = server.hello.unavailableTables as { table: string; reason: string }[];
    assert.deepEqual(reported.map((t) => t.table).sort(), Object.keys(DAMAGED).sort());
    for (const { table, reason } of reported) {
      const version = DAMAGED[table as keyof typeof DAMAGED];
      assert.match(reason, new RegExp(`\\b${version}\\b`), `${table}: ${reason} names version ${version}`);
      assert.ok(!reason.includes(dataDir) && !reason.includes(tmpdir()), `${table}: ${reason} has no server path`);
    }
    // The server's log: one line per table, with its directory for whoever repairs it.
    for (let waited = 0; server.stderr().split('\n').length <= 3 && waited < 5_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const lines = server
      .stderr()
      .split('\n')
      .filter((line) => line.includes('is unavailable'));
    assert.equal(lines.length, 3, server.stderr());
    for (const name of Object.keys(DAMAGED)) {
      const line = lines.find((l) => l.includes(`table ${name} is unavailable`));
      assert.ok(line?.includes(tableDir(dataDir, name)), `the log line of ${name} names its directory: ${line}`);
    }
  });

  it('serves the good tables: the SDK ingests, DuckDB reads the records back', async () => {
    for (const name of GOOD) {
      const stream = await sdk.createStream(...CLIENT, new TableProperties(name), { recordType: 'json' });
      await stream.ingestRecordsOffset([{ id: 4 }, { id: 5 }]);
      await stream.close();
      assert.deepEqual(await ids(dataDir, name), [1, 2, 3, 4, 5], name);
    }
  });

  it('refuses gRPC and Arrow Flight streams to a damaged table with FAILED_PRECONDITION naming it', async () => {
    for (const name of Object.keys(DAMAGED)) {
      await assert.rejects(
        sdk.createStream(...CLIENT, new TableProperties(name), { recordType: 'json', recovery: false }),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'FAILED_PRECONDITION');
          assert.match(error.message, new RegExp(`table ${name.replaceAll('.', '\\.')} is unavailable`));
          assert.match(error.message, /delete the table .* and create it again/);
          assert.ok(!error.message.includes(dataDir), error.message);
          return true;
        },
      );
    }
    await assert.rejects(
      sdk.createArrowStream({
        table: 'main.s.torn',
        schema: new Schema([new Field('id', new Int64(), false)]),
        clientId: CLIENT[0],
        clientSecret: CLIENT[1],
        options: { recovery: false },
      }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'FAILED_PRECONDITION');
        assert.match(error.message, /table main\.s\.torn is unavailable/);
        return true;
      },
    );
  });

  it('Unity Catalog GET names the damaged table; DELETE drops it, so it can be created again and served', async () => {
    const uc = await ucClient(server.unityCatalogEndpoint);
    const got = await uc('GET', '/tables/main.s.gap');
    assert.equal(got.status, 400);
    assert.equal(got.json.error_code, 'INVALID_STATE');
    assert.match(String(got.json.message), /table main\.s\.gap is unavailable: .*\b2\b/);
    assert.ok(!String(got.json.message).includes(dataDir));
    const recreate = await uc('POST', '/tables', {
      catalog_name: 'main',
      schema_name: 's',
      name: 'gap',
      columns: COLUMNS,
    });
    assert.equal(recreate.json.error_code, 'TABLE_ALREADY_EXISTS', 'a damaged table keeps its name');

    assert.equal((await uc('DELETE', '/tables/main.s.gap')).status, 200);
    const created = await uc('POST', '/tables', {
      catalog_name: 'main',
      schema_name: 's',
      name: 'gap',
      columns: COLUMNS,
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const stream = await sdk.createStream(...CLIENT, new TableProperties('main.s.gap'), { recordType: 'json' });
    await stream.ingestRecordsOffset([{ id: 7 }]);
    await stream.close();
    assert.deepEqual(await ids(dataDir, 'main.s.gap'), [7]);
  });
});

describe('a schema holding only a damaged table', () => {
  it('is not empty: deleting it without force is refused, with force the damaged table goes too', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'zerobus-damaged-schema-'));
    try {
      {
        await using emulator = await startEmulator({ dataDir });
        await emulator.createDeltaTable('main.lone.t', COLUMNS);
      }
      await writeFile(commitFile(tableDir(dataDir, 'main.lone.t'), 0), 'garbage');
      await using emulator = await startEmulator({ dataDir });
      assert.deepEqual(
        emulator.unavailableTables().map((t) => t.fullName),
        ['main.lone.t'],
      );
      await assert.rejects(emulator.catalog.deleteSchema('main.lone'), /schema 'main\.lone' has 1 table\(s\)/);
      await emulator.catalog.deleteSchema('main.lone', true);
      assert.deepEqual(emulator.unavailableTables(), []);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
