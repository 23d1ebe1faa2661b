/** `zerobus query` and `zerobus tail` as processes, on a data directory and against a running local server. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { startZerobus, zerobus } from '../support/cli-process.js';

const TABLE = 'main.iot.readings';
const CREDENTIALS = ['--client-id', 'emulator-client', '--client-secret', 'emulator-secret'];

async function ingest(emulator: Emulator, first: number, count: number): Promise<void> {
  const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
  const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties(TABLE), {
    recordType: 'json',
  });
  for (let i = first; i < first + count; i++) stream.ingestRecordNowait({ device: `d${i % 2}`, temp: i / 2, n: i });
  await stream.close();
}

/** Starts `zerobus tail …`, resolves with the first `lines` lines of its output, then interrupts it. */
function tail(args: string[], lines: number, whenStarted: () => Promise<void>) {
  const { child, done } = startZerobus(['tail', ...args]);
  const rows: unknown[] = [];
  const seen = new Promise<void>((resolve) => {
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer | string) => {
      buffer += String(chunk);
      const complete = buffer.split('\n');
      buffer = complete.pop() ?? '';
      for (const line of complete) rows.push(JSON.parse(line));
      if (rows.length >= lines) resolve();
    });
  });
  // the command says on stderr which version it starts after: rows committed later must show
  const started = new Promise<void>((resolve) => {
    let text = '';
    child.stderr.on('data', (chunk: Buffer | string) => {
      text += String(chunk);
      if (text.includes('Ctrl+C to stop')) resolve();
    });
  });
  return (async () => {
    await started;
    await whenStarted();
    await seen;
    child.kill('SIGINT');
    const run = await done;
    return { rows, status: run.status, stderr: run.stderr };
  })();
}

describe('zerobus query and tail', () => {
  let emulator: Emulator;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'zerobus-query-'));
    emulator = await startEmulator({ dataDir });
    await emulator.createDeltaTable(TABLE, [
      { name: 'device', type_text: 'string' },
      { name: 'temp', type_text: 'double' },
      { name: 'n', type_text: 'bigint' },
    ]);
    await ingest(emulator, 0, 10);
  });
  after(async () => {
    await emulator.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('queries a data directory: a table, NDJSON or CSV', async () => {
    const sql = `SELECT device, count(*) AS rows, max(temp) AS hottest FROM ${TABLE} GROUP BY 1 ORDER BY 1`;
    const table = await zerobus(['query', '--data-dir', dataDir, sql]);
    assert.equal(table.status, 0, table.stderr);
    assert.equal(
      table.stdout,
      'device  rows  hottest\n------  ----  -------\nd0         5        4\nd1         5      4.5\n',
    );
    const json = await zerobus(['query', '--data-dir', dataDir, '--json', sql]);
    assert.deepEqual(
      json.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
      [
        { device: 'd0', rows: '5', hottest: 4 },
        { device: 'd1', rows: '5', hottest: 4.5 },
      ],
    );
    const csv = await zerobus([
      'query',
      '--data-dir',
      dataDir,
      '--csv',
      `SELECT 'a,"b"' AS s, n FROM ${TABLE} LIMIT 1`,
    ]);
    assert.equal(csv.stdout, 's,n\n"a,""b""",0\n');
  });

  it('queries a running server with a principal, and says what is wrong without one', async () => {
    const sql = `SELECT sum(n) AS total FROM ${TABLE}`;
    const run = await zerobus(['query', '--uc-endpoint', emulator.unityCatalogEndpoint, ...CREDENTIALS, '--json', sql]);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { total: '45' });
    const anonymous = await zerobus(['query', '--uc-endpoint', emulator.unityCatalogEndpoint, sql], {
      env: { DATABRICKS_CLIENT_ID: '' },
    });
    assert.equal(anonymous.status, 1);
    assert.match(anonymous.stderr, /bearer token.*--client-id and --client-secret/);
  });

  it('refuses writes and bad usage', async () => {
    const write = await zerobus(['query', '--data-dir', dataDir, `DROP TABLE ${TABLE}`]);
    assert.equal(write.status, 1);
    assert.match(write.stderr, /only read-only queries run here/);
    const noSource = await zerobus(['query', 'SELECT 1'], { env: { DATABRICKS_HOST: '' } });
    assert.equal(noSource.status, 1);
    assert.match(noSource.stderr, /give --data-dir DIR, or --uc-endpoint URL/);
    const twoFormats = await zerobus(['query', '--data-dir', dataDir, '--json', '--csv', 'SELECT 1']);
    assert.equal(twoFormats.status, 1);
    const unknownTable = await zerobus(['tail', 'main.iot.nope', '--data-dir', dataDir]);
    assert.equal(unknownTable.status, 1);
    assert.match(unknownTable.stderr, /table main\.iot\.nope does not exist/);
  });

  it('tails a data directory: the rows committed after it started, until interrupted', async () => {
    const run = await tail(['--data-dir', dataDir, TABLE, '--interval-ms', '100'], 5, () => ingest(emulator, 100, 5));
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(
      run.rows.map((r) => (r as { n: number }).n),
      [100, 101, 102, 103, 104],
    );
  });

  it('tails a running server from the start', async () => {
    const args = ['--uc-endpoint', emulator.unityCatalogEndpoint, ...CREDENTIALS, TABLE, '--from-start'];
    const run = await tail([...args, '--interval-ms', '100'], 18, () => ingest(emulator, 200, 3));
    assert.equal(run.status, 0, run.stderr);
    const numbers = run.rows.map((r) => (r as { n: number }).n);
    assert.deepEqual(numbers.slice(0, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(numbers.slice(-3), [200, 201, 202]);
  });
});
