/**
 * From a table to protobuf records without writing a .proto by hand: read the table's columns
 * from Unity Catalog, generate its proto2 file and TypeScript module (what `zerobus
 * generate-proto` writes), then ingest. With the table schema attached, the SDK checks each
 * record and converts it: `Date` → days (DATE) or microseconds (TIMESTAMP), bigint → BIGINT,
 * numbers → exact decimal text (DECIMAL).
 *
 *   npx tsx examples/generate-proto-then-ingest.ts [output-dir]   (default: a new temporary directory, kept)
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descriptorFromProtoFile, fetchTableSchema, TableProperties } from '@zerobus/sdk';
import { schemaToProtoFile, schemaToTypeScript } from '@zerobus/sdk/schema';
import { connect } from './_connect.js';

await using zerobus = await connect('main.examples.orders', [
  { name: 'id', type_text: 'bigint', nullable: false },
  { name: 'customer', type_text: 'string' },
  { name: 'day', type_text: 'date' },
  { name: 'placed_at', type_text: 'timestamp' },
  { name: 'amount', type_text: 'decimal(10,2)' },
]);
const { sdk, clientId, clientSecret, table, catalog } = zerobus;

// 1. Generate. An application runs `zerobus generate-proto --table … --lang ts --output order.ts`
//    once, commits the file, and imports `{ tableProperties, type Order }` from it.
const schema = await fetchTableSchema(table, catalog);
const dir = process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'zerobus-example-')));
await mkdir(dir, { recursive: true });
const protoFile = join(dir, 'order.proto');
await writeFile(protoFile, schemaToProtoFile(schema, { messageName: 'Order', tableName: table }));
await writeFile(join(dir, 'order.ts'), schemaToTypeScript(schema, { messageName: 'Order', tableName: table }));

// 2. Ingest, with the generated message and the table schema (for the checks and conversions).
//    `TableProperties.fromTable(table, catalog)` does steps 1 and 2 in one call, in memory.
const Order = await descriptorFromProtoFile(protoFile, 'Order');
const stream = await sdk.createStream(clientId, clientSecret, new TableProperties(table, Order, { schema }));
const last = await stream.ingestRecordsOffset([
  { id: 9_007_199_254_740_993n, customer: 'acme', day: new Date(), placed_at: new Date(), amount: 12.5 },
  { id: 2n, customer: 'globex', day: new Date('2025-11-24'), placed_at: new Date(), amount: '1234.56' },
  { id: 3, amount: 0.1 }, // a number for BIGINT, NULLs for the columns left out
]);
await stream.flush(); // everything ingested so far is durable
await stream.close();

console.log(`generated order.proto and order.ts in ${dir}; 3 protobuf records durable in one batch at offset ${last}`);
