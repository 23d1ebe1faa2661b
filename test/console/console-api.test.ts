/**
 * The web console's API on the local server's HTTP port, without a browser: auth, read-only SQL
 * over three-part names, table details and rows, faults, the live event stream, loopback only.
 */
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';

const TABLE = 'main.iot.readings';

async function ingest(emulator: Emulator, rows: number): Promise<void> {
  const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
  const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties(TABLE), {
    recordType: 'json',
  });
  for (let i = 0; i < rows; i++) stream.ingestRecordNowait({ device: `d${i % 3}`, temp: 20 + i, n: i });
  await stream.close();
}

async function createTable(emulator: Emulator): Promise<void> {
  await emulator.createDeltaTable(TABLE, [
    { name: 'device', type_text: 'string' },
    { name: 'temp', type_text: 'double' },
    { name: 'n', type_text: 'bigint' },
  ]);
}

function call(emulator: Emulator, path: string, init: { token?: string; body?: unknown } = {}) {
  return fetch(`${emulator.consoleUrl}console/api${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: {
      ...(init.token && { authorization: `Bearer ${init.token}` }),
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe('web console API, auth on', () => {
  let emulator: Emulator;
  let token: string;
  before(async () => {
    emulator = await startEmulator({
      principals: [
        { clientId: 'emulator-client', clientSecret: 'emulator-secret' },
        { clientId: 'writer', clientSecret: 'writer-secret', tables: ['main.other.events'] },
      ],
    });
    await createTable(emulator);
    await ingest(emulator, 30);
    token = emulator.issueToken(TABLE);
  });
  after(() => emulator.close());

  it('serves the page at / and tells it that auth is on', async () => {
    const page = await fetch(emulator.consoleUrl as string);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /<script type="module" src="\/console\/console.js">/);
    const script = await fetch(`${emulator.consoleUrl}console/console.js`);
    assert.equal(script.status, 200);
    assert.deepEqual(await json(await call(emulator, '/config')), { auth: true, tokenPath: '/oidc/v1/token' });
  });

  it('refuses the API without a valid token', async () => {
    for (const path of ['/tables', `/tables/${TABLE}`, '/events']) {
      const response = await call(emulator, path);
      assert.equal(response.status, 401, path);
      assert.equal((await json(response)).error_code, 'UNAUTHENTICATED');
    }
    const query = await call(emulator, '/query', { body: { sql: 'SELECT 1' } });
    assert.equal(query.status, 401);
    const forged = await call(emulator, '/tables', { token: 'not-a-token' });
    assert.equal(forged.status, 401);
  });

  it('lists tables, shows one with its history, and its recent rows', async () => {
    assert.deepEqual(await json(await call(emulator, '/tables', { token })), { tables: [TABLE], unavailable: [] });
    const table = await json(await call(emulator, `/tables/${TABLE}`, { token }));
    assert.equal(table.rowCount, 30);
    assert.deepEqual(
      (table.columns as { name: string; type: string }[]).map((c) => `${c.name} ${c.type}`),
      ['device string', 'temp double', 'n bigint'],
    );
    const history = table.history as { version: number; operation: string; rowsAdded: number }[];
    assert.equal(history[0]?.version, table.version);
    assert.equal(
      history.reduce((sum, h) => sum + h.rowsAdded, 0),
      30,
    );
    assert.equal(history.at(-1)?.operation, 'CREATE TABLE');
    const { rows } = (await json(await call(emulator, `/tables/${TABLE}/rows?limit=3`, { token }))) as {
      rows: { n: number }[];
    };
    assert.deepEqual(
      rows.map((r) => r.n),
      [29, 28, 27],
    );
  });

  it('shows a principal only the tables it holds a privilege on, and no faults', async () => {
    const writer = emulator.issueToken('main.other.events', 'writer');
    assert.deepEqual((await json(await call(emulator, '/tables', { token: writer }))).tables, []);
    assert.equal((await call(emulator, `/tables/${TABLE}`, { token: writer })).status, 404);
    const query = await call(emulator, '/query', { token: writer, body: { sql: `SELECT count(*) FROM ${TABLE}` } });
    assert.equal(query.status, 400);
    assert.match(String((await json(query)).message), /main/);
    const fault = await call(emulator, '/faults/fail-streams', { token: writer, body: {} });
    assert.equal(fault.status, 403);
  });

  it('runs read-only SQL over three-part names', async () => {
    const response = await call(emulator, '/query', {
      token,
      body: { sql: `SELECT device, count(*) AS n, max(temp) FROM ${TABLE.toUpperCase()} GROUP BY 1 ORDER BY 1` },
    });
    assert.equal(response.status, 200);
    const result = (await response.json()) as { columns: { name: string }[]; rows: unknown[][] };
    assert.deepEqual(
      result.columns.map((c) => c.name),
      ['device', 'n', 'max("temp")'],
    );
    assert.deepEqual(result.rows, [
      ['d0', '10', 47],
      ['d1', '10', 48],
      ['d2', '10', 49],
    ]);
    const quoted = await json(
      await call(emulator, '/query', { token, body: { sql: 'SELECT count(*) AS c FROM "main"."iot"."readings"' } }),
    );
    assert.deepEqual(quoted.rows, [['30']]);
  });

  it('refuses statements that write, and files outside the data directory', async () => {
    for (const sql of [
      `INSERT INTO ${TABLE} VALUES ('x', 1, 1)`,
      'CREATE TABLE t AS SELECT 1',
      `COPY (SELECT 1) TO '${emulator.dataDir}/x.csv'`,
      "ATTACH ':memory:' AS other",
      'SET threads = 1',
    ]) {
      const response = await call(emulator, '/query', { token, body: { sql } });
      const body = await json(response);
      assert.ok(response.status === 403 || response.status === 400, `${sql}: ${response.status}`);
      assert.match(String(body.error_code), /READ_ONLY|SQL/, sql);
    }
    const insert = await call(emulator, '/query', { token, body: { sql: `DELETE FROM ${TABLE}` } });
    assert.equal(insert.status, 403);
    assert.equal((await json(insert)).error_code, 'READ_ONLY');
    const outside = await call(emulator, '/query', {
      token,
      body: { sql: "SELECT * FROM read_text('/etc/hostname')" },
    });
    assert.equal(outside.status, 400);
    assert.match(String((await json(outside)).message), /disabled by configuration/);
    const count = await json(await call(emulator, '/query', { token, body: { sql: `SELECT count(*) FROM ${TABLE}` } }));
    assert.deepEqual(count.rows, [['30']]);
  });

  it('streams the live state once a second, with the open stream and its counters', async () => {
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties(TABLE), {
      recordType: 'json',
    });
    await stream.ingestRecordOffset({ device: 'live', temp: 1, n: 1 });
    const controller = new AbortController();
    const response = await call(emulator, '/events', { token });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!/event: tick\ndata: .*\n\n/.test(text)) text += (await reader.read()).value ?? '';
    controller.abort();
    await reader.cancel();
    const tick = JSON.parse(/event: tick\ndata: (.*)\n\n/.exec(text)?.[1] ?? '{}') as {
      streams: { principal: string; tableName: string; records: number; recoveries: number; protocol: string }[];
    };
    assert.equal(tick.streams.length, 1);
    assert.deepEqual(
      {
        principal: tick.streams[0]?.principal,
        table: tick.streams[0]?.tableName,
        records: tick.streams[0]?.records,
        protocol: tick.streams[0]?.protocol,
      },
      { principal: 'emulator-client', table: TABLE, records: 1, protocol: 'gRPC' },
    );
    // the earlier streams of this principal to this table count as its recoveries
    assert.equal(tick.streams[0]?.recoveries, 1);
    await stream.close();
  });

  it('injects the faults its buttons name', async () => {
    const stopped = await call(emulator, '/faults/stop-acking', { token, body: {} });
    assert.equal(stopped.status, 200);
    assert.equal(emulator.faults.ackingStopped, true);
    await call(emulator, '/faults/resume-acking', { token, body: {} });
    assert.equal(emulator.faults.ackingStopped, false);
    assert.equal((await call(emulator, '/faults/explode', { token, body: {} })).status, 404);
  });
});

describe('web console API, auth off and access', () => {
  it('opens the API without a token when the server runs without auth', async () => {
    await using emulator = await startEmulator({ auth: false });
    await createTable(emulator);
    await ingest(emulator, 4);
    const response = await call(emulator, '/query', { body: { sql: `SELECT sum(n) AS total FROM ${TABLE}` } });
    assert.equal(response.status, 200);
    assert.deepEqual((await json(response)).rows, [['6']]);
  });

  it('is not served with console: off', async () => {
    await using off = await startEmulator({ console: 'off' });
    assert.equal(off.consoleUrl, undefined);
    const page = await fetch(`${off.unityCatalogEndpoint}/console/api/config`);
    assert.equal(page.status, 404);
    await assert.rejects(startEmulator({ console: 'everyone' as 'all' }), /console must be/);
  });

  it('is served to loopback clients only, unless console: all', async (t) => {
    const address = Object.values(networkInterfaces())
      .flat()
      .find((i) => i?.family === 'IPv4' && !i.internal)?.address;
    if (!address) {
      t.skip('this machine has no non-loopback IPv4 address to connect from');
      return;
    }
    await using loopbackOnly = await startEmulator({ host: '0.0.0.0' });
    const remote = await fetch(`http://${address}:${loopbackOnly.httpPort}/`);
    assert.equal(remote.status, 403);
    assert.match(String((await json(remote)).message), /loopback clients only/);
    const local = await fetch(`http://127.0.0.1:${loopbackOnly.httpPort}/`);
    assert.equal(local.status, 200);
    await using open = await startEmulator({ host: '0.0.0.0', console: 'all' });
    assert.equal((await fetch(`http://${address}:${open.httpPort}/`)).status, 200);
    // the API still wants a token
    assert.equal((await fetch(`http://${address}:${open.httpPort}/console/api/tables`)).status, 401);
  });
});
