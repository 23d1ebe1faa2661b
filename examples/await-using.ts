/**
 * `await using`: a stream declared with it is closed when the block ends, normally or by an
 * exception, and closing flushes: everything ingested is durable (or the close throws).
 * TypeScript compiles it for Node 20 (tsconfig: `"lib": [..., "ESNext.Disposable"]`).
 *
 *   npx tsx examples/await-using.ts
 */
import { TableProperties, type ZerobusStream } from '@zerobus/sdk';
import { connect } from './_connect.js';

// The connection (and, locally, the server) is itself released by `await using`.
await using zerobus = await connect('main.examples.readings', [
  { name: 'device', type_text: 'string', nullable: false },
  { name: 'temp', type_text: 'double' },
]);

const { sdk, clientId, clientSecret, table } = zerobus;

/** Writes `count` readings on a stream of its own, and returns that stream (closed by then). */
async function writeReadings(count: number): Promise<ZerobusStream> {
  await using stream = await sdk.createStream(clientId, clientSecret, new TableProperties(table), {
    recordType: 'json',
  });
  for (let i = 0; i < count; i++) {
    if (!stream.ingestRecordNowait({ device: `sensor-${i}`, temp: 20 + i })) await stream.ready();
  }
  return stream; // no flush, no close: leaving the function does both
}

const stream = await writeReadings(5);
console.log(
  `5 records durable (acked up to offset ${stream.ackedOffset}), stream ${stream.state} on leaving its block`,
);
