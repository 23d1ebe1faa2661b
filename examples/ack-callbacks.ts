/**
 * Hearing about acknowledgements as they come: the `ackCallback` option (`onAck` once per
 * durable offset, in order, `onError` for a request the stream gave up on) and the stream's
 * events (`recovering`, `recovered`, `error`; `ack` carries the highest offset of each ack). Locally, the server
 * ends the call halfway, to show a recovery: the stream reconnects and re-sends by itself.
 *
 *   npx tsx examples/ack-callbacks.ts
 */
import { TableProperties } from '@zerobus/sdk';
import { connect } from './_connect.js';

await using zerobus = await connect('main.examples.readings', [
  { name: 'device', type_text: 'string', nullable: false },
  { name: 'temp', type_text: 'double' },
]);
const { sdk, clientId, clientSecret, table, emulator } = zerobus;

let durable = -1;
const stream = await sdk.createStream(clientId, clientSecret, new TableProperties(table), {
  recordType: 'json',
  ackCallback: {
    onAck: (offset) => {
      durable = offset; // called for 0, 1, 2, ... in order: 0..offset are all in the table
    },
    onError: (offset, message) => console.error(`offset ${offset} not acknowledged: ${message}`),
  },
});
stream.on('recovering', ({ error, attempt }) => console.log(`  reconnecting (attempt ${attempt}): ${error.code}`));
stream.on('recovered', ({ replayed }) => console.log(`  reconnected, ${replayed} requests sent again`));
stream.on('error', (error) => console.error(`stream failed: ${error.message}`));

for (let i = 0; i < 10; i++) {
  stream.ingestRecordNowait({ device: `sensor-${i}`, temp: 20 + i });
  // Halfway, locally: end the call as a server restart would (UNAVAILABLE is retriable).
  if (i === 4 && emulator) {
    await stream.waitForOffset(4);
    emulator.faults.failActiveStreams('UNAVAILABLE', 'server restarting');
  }
}
await stream.flush();
await stream.close();

console.log(`all 10 records acknowledged (onAck up to offset ${durable}), ${stream.stats().reconnects} reconnect(s)`);
