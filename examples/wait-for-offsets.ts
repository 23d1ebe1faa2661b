/**
 * Fire and forget, then wait only where it matters: ingest without waiting for acks, note the
 * offsets you care about (here the end of each page of input), then wait for those. Acks are
 * cumulative, so an offset being durable means everything before it is too.
 *
 *   npx tsx examples/wait-for-offsets.ts
 */
import { TableProperties } from '@zerobus/sdk';
import { connect } from './_connect.js';

await using zerobus = await connect('main.examples.readings', [
  { name: 'device', type_text: 'string', nullable: false },
  { name: 'temp', type_text: 'double' },
]);
const { sdk, clientId, clientSecret, table } = zerobus;

const stream = await sdk.createStream(clientId, clientSecret, new TableProperties(table), { recordType: 'json' });

const checkpoints: number[] = [];
for (let page = 0; page < 4; page++) {
  for (let i = 0; i < 250; i++) {
    // Nowait returns whether there is room for more, not the offset: `lastOffset` is the offset just taken.
    if (!stream.ingestRecordNowait({ device: `sensor-${i % 10}`, temp: page + i / 1000 })) await stream.ready();
  }
  checkpoints.push(stream.lastOffset); // the page's last record
}

// Wait for the checkpoints, e.g. to commit each page's position in the source.
for (const offset of checkpoints) {
  await stream.waitForOffset(offset, { timeoutMs: 30_000 }); // rejects with TIMEOUT rather than hang
}
await stream.close();

console.log(
  `${checkpoints.length} checkpoints durable (offsets ${checkpoints.join(', ')}): ${stream.lastOffset + 1} records`,
);
