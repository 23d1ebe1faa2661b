/**
 * Arrow Flight against the JSON and protobuf paths, end to end into Delta: 1,000,000 rows of a
 * 10-column table (bench/delta-data.ts, ~220 bytes of values per row), acknowledged only once
 * committed, by the local server in its own process (`--durable`). One stream per path:
 * - arrow: record batches of `--batch-rows` rows (built from the columns before the clock starts,
 *   as an application holding Arrow data would have them), `ingestBatchNowait` + `flush`;
 * - json / proto: one object per row (built before the clock), `ingestRecordNowait` + `flush`;
 *   proto with the descriptor generated from the table (`TableProperties.fromTable`).
 * MB/s counts the same logical bytes for every path: the rows' JSON text.
 *
 *   npm run bench:arrow [-- --rows 1000000 --runs 3 --batch-rows 10000]
 */
import { parseArgs } from 'node:util';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import {
  Bool,
  Decimal,
  makeData,
  makeVector,
  RecordBatch,
  type Schema,
  Struct,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { ucClient } from '../test/support/uc-client.js';
import { makeBatch, SCHEMA_COLUMNS } from './delta-data.js';
import { startServerProcess } from './server-process.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    'batch-rows': { type: 'string', default: '10000' },
  },
});
const ROWS = Number(values.rows);
const RUNS = Number(values.runs);
const BATCH_ROWS = Number(values['batch-rows']);
const CLIENT = { clientId: 'emulator-client', clientSecret: 'emulator-secret' };

const server = await startServerProcess(['--durable']);
const sdk = new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint);
const uc = await ucClient(server.unityCatalogEndpoint);
await uc('POST', '/catalogs', { name: 'bench' });
await uc('POST', '/schemas', { catalog_name: 'bench', name: 'arrow' });
// Every run's table is created before the data is generated: generating 1M rows blocks the event
// loop long enough for the server to drop an idle keep-alive connection of this UC client.
const tableNames: string[] = [];
for (let i = 0; i < RUNS * 3; i++) {
  const name = `t${i}`;
  const { status } = await uc('POST', '/tables', {
    catalog_name: 'bench',
    schema_name: 'arrow',
    name,
    columns: SCHEMA_COLUMNS,
  });
  if (status !== 200) throw new Error(`cannot create table ${name}: HTTP ${status}`);
  tableNames.push(`bench.arrow.${name}`);
}
async function newTable(): Promise<TableProperties> {
  return TableProperties.fromTable(tableNames.shift()!, {
    unityCatalogEndpoint: server.unityCatalogEndpoint,
    ...CLIENT,
  });
}

// The data, in column form (normalized values: bigint ids and µs timestamps, days, unscaled decimals).
const chunks = Array.from({ length: Math.ceil(ROWS / BATCH_ROWS) }, (_, i) =>
  makeBatch(Math.min(BATCH_ROWS, ROWS - i * BATCH_ROWS), i * BATCH_ROWS),
);
const names = SCHEMA_COLUMNS.map((c) => c.name);

function decimalText(unscaled: bigint): string {
  const text = unscaled.toString().padStart(3, '0');
  return `${text.slice(0, -2)}.${text.slice(-2)}`;
}

/** One object per row, in the forms JSON and protobuf streams take. */
function rowObjects(): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const { columns, rowCount } of chunks) {
    for (let r = 0; r < rowCount; r++) {
      const row: Record<string, unknown> = {};
      names.forEach((name, c) => {
        const v = (columns[c] as unknown[])[r];
        row[name] = name === 'amount' ? decimalText(v as bigint) : v;
      });
      rows.push(row);
    }
  }
  return rows;
}

/** Record batches of the stream schema, built column by column with exact values. */
function recordBatches(schema: Schema): RecordBatch[] {
  return chunks.map(({ columns, rowCount }) => {
    const children = schema.fields.map((field, c) => {
      const values = columns[c] as unknown[];
      const type = field.type;
      if (type instanceof Utf8 || type instanceof Bool) return vectorFromArray(values, type).data[0]!;
      if (type instanceof Decimal) {
        const words = new Uint32Array(rowCount * 4);
        values.forEach((v, i) => {
          let x = v as bigint; // non-negative here
          for (let w = 0; w < 4; w++) {
            words[i * 4 + w] = Number(x & 0xffffffffn);
            x >>= 32n;
          }
        });
        return makeData({ type, length: rowCount, data: words });
      }
      const ArrayType = type.ArrayType as new (n: number) => { [i: number]: unknown };
      const array = new ArrayType(rowCount);
      values.forEach((v, i) => {
        array[i] = v;
      });
      // biome-ignore lint/suspicious/noExplicitAny: makeData is overloaded per type; fixed-width types share this form
      return makeVector(makeData({ type, length: rowCount, data: array } as any)).data[0]!;
    });
    return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rowCount, children }));
  });
}

const objects = rowObjects();
const jsonBytes = objects.reduce(
  (sum, row) => sum + JSON.stringify(row, (_, v) => (typeof v === 'bigint' ? Number(v) : v)).length,
  0,
);

async function run(path: 'arrow' | 'json' | 'proto'): Promise<number> {
  const table = await newTable();
  if (path === 'arrow') {
    const stream = await sdk.createArrowStream({ table, ...CLIENT });
    const batches = recordBatches(stream.schema);
    const started = performance.now();
    for (const batch of batches) if (!stream.ingestBatchNowait(batch)) await stream.ready();
    await stream.flush();
    const seconds = (performance.now() - started) / 1000;
    await stream.close();
    return ROWS / seconds;
  }
  const stream = await sdk.createStream({ table, ...CLIENT, options: { recordType: path } });
  const started = performance.now();
  for (const row of objects) if (!stream.ingestRecordNowait(row)) await stream.ready();
  await stream.flush();
  const seconds = (performance.now() - started) / 1000;
  await stream.close();
  return ROWS / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const lines: string[] = [];
try {
  for (const path of ['arrow', 'json', 'proto'] as const) {
    const rates: number[] = [];
    for (let i = 0; i < RUNS; i++) rates.push(await run(path));
    const rate = median(rates);
    const mb = (rate * jsonBytes) / ROWS / 1e6;
    console.log(
      `BENCH ${JSON.stringify({ path, rows: ROWS, runs: RUNS, rowsPerSec: Math.round(rate), mbPerSec: +mb.toFixed(1) })}`,
    );
    lines.push(
      `| ${path.padEnd(5)} | ${Math.round(rate).toLocaleString('en-US').padStart(9)} | ${mb.toFixed(1).padStart(5)} |`,
    );
  }
} finally {
  server.stop();
}
console.log(`\n| path  |    rows/s |  MB/s |\n|-------|----------:|------:|\n${lines.join('\n')}`);
console.log(
  `\n${ROWS.toLocaleString('en-US')} rows × 10 columns (~${Math.round(jsonBytes / ROWS)} B of JSON per row) per run, durable into Delta, median of ${RUNS}; arrow in batches of ${BATCH_ROWS.toLocaleString('en-US')} rows.`,
);
