/**
 * JSON records, one at a time: each ingest call takes the next offset, and `waitForOffset`
 * resolves once that record is durable in the table.
 *
 *   npx tsx examples/json-single.ts
 */
import { TableProperties } from '@zerobus/sdk';
import { connect } from './_connect.js';

await using zerobus = await connect('main.examples.readings', [
  { name: 'device', type_text: 'string', nullable: false },
  { name: 'temp', type_text: 'double' },
  { name: 'ts', type_text: 'timestamp' }, // JSON streams send TIMESTAMP as microseconds since the epoch
]);
const { sdk, clientId, clientSecret, table } = zerobus;

const stream = await sdk.createStream(clientId, clientSecret, new TableProperties(table), { recordType: 'json' });

const readings = [
  { device: 'sensor-1', temp: 21.5, ts: Date.now() * 1000 },
  { device: 'sensor-2', temp: 19.25, ts: Date.now() * 1000 },
  { device: 'sensor-1', temp: 21.75, ts: Date.now() * 1000 },
];
let offset = -1;
for (const reading of readings) {
  offset = await stream.ingestRecordOffset(reading); // resolves once queued, with the record's offset
  await stream.waitForOffset(offset); // resolves once it is committed to the table
}
await stream.close();

console.log(`${readings.length} records durable, last offset ${offset}`);
