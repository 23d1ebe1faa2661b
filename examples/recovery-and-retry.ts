/**
 * When a stream fails for good, nothing unacknowledged is lost: `getUnackedRecords()` returns
 * it, and `sdk.recreateStream(stream)` opens a new stream and re-sends it. Locally the server
 * ends the stream and refuses every reconnection, an outage longer than the retry budget.
 *
 *   npx tsx examples/recovery-and-retry.ts
 */
import { TableProperties, ZerobusError, type ZerobusStream } from '@zerobus/sdk';
import { connect } from './_connect.js';

await using zerobus = await connect('main.examples.readings', [
  { name: 'device', type_text: 'string', nullable: false },
  { name: 'temp', type_text: 'double' },
]);
const { sdk, clientId, clientSecret, table, emulator } = zerobus;

let stream: ZerobusStream = await sdk.createStream(clientId, clientSecret, new TableProperties(table), {
  recordType: 'json',
  recoveryRetries: 2, // reconnection attempts per outage (default 3)
  recoveryBackoffMs: 200, // between attempts (default 2,000)
});
stream.on('recovering', ({ attempt, error }) => console.log(`  reconnecting (attempt ${attempt}): ${error.code}`));

if (emulator) {
  emulator.faults.failNextCreates(2, 'UNAVAILABLE', 'down for maintenance'); // both attempts are refused
  emulator.faults.failActiveStreams('UNAVAILABLE', 'down for maintenance'); // the current call ends
}
for (let i = 0; i < 3; i++) stream.ingestRecordNowait({ device: `sensor-${i}`, temp: 20 + i });

try {
  await stream.flush();
  console.log('no failure: every record durable');
} catch (error) {
  // Not retriable (a record the table refuses, lost permissions): a new stream would fail the
  // same way. Save `stream.getUnackedRecords()` somewhere to look at (a dead-letter file), then stop.
  if (!(error instanceof ZerobusError && error.retriable)) throw error;
  // Retriable (an outage, a timeout): try again on a new stream.
  const unacked = stream.getUnackedRecords().length;
  console.log(`stream failed (${error.code}) with ${unacked} records unacknowledged; recreating it`);
  stream = await sdk.recreateStream(stream); // same table and options; the records get new offsets
  await stream.flush();
  console.log(`recreated stream: ${unacked} records re-sent and durable, last offset ${stream.lastOffset}`);
}
await stream.close();
