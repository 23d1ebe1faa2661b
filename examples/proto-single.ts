/**
 * Protocol Buffers records: the stream encodes plain objects with a message descriptor, here
 * parsed from .proto text (`descriptorFromProtoFile` reads a file; a protobufjs Type works too).
 *
 *   npx tsx examples/proto-single.ts
 */
import { descriptorFromProtoText, TableProperties } from '@zerobus/sdk';
import { connect } from './_connect.js';

await using zerobus = await connect('main.examples.readings', [
  { name: 'device', type_text: 'string', nullable: false },
  { name: 'temp', type_text: 'double' },
  { name: 'ts', type_text: 'timestamp' },
]);
const { sdk, clientId, clientSecret, table } = zerobus;

// One field per column (proto2); a TIMESTAMP column is int64 microseconds since the epoch.
const Reading = await descriptorFromProtoText(
  `syntax = "proto2";
   message Reading {
     required string device = 1;
     optional double temp = 2;
     optional int64 ts = 3;
   }`,
  'Reading',
);

// Protobuf is the default record type: TableProperties carries the descriptor.
const stream = await sdk.createStream(clientId, clientSecret, new TableProperties(table, Reading));

const now = BigInt(Date.now()) * 1000n;
let last = -1;
for (const reading of [
  { device: 'sensor-1', temp: 21.5, ts: now },
  { device: 'sensor-2', temp: 19.25, ts: now },
  { device: 'sensor-3' }, // optional fields can be left out: NULL in the table
]) {
  last = await stream.ingestRecordOffset(reading);
}
await stream.waitForOffset(last); // acks are cumulative: every offset up to `last` is durable
await stream.close();

console.log(`3 protobuf records durable, last offset ${last}`);
