/**
 * Batches: a list of records goes as one request and takes one offset, all or nothing.
 * `ingestRecordsOffset` waits for room in the in-flight window; `ingestRecordsNowait` never
 * waits (false means "full: await ready()"), and `flush` waits until everything is durable.
 *
 *   npx tsx examples/batches.ts
 */
import { TableProperties } from '@zerobus/sdk';
import { connect } from './_connect.js';

await using zerobus = await connect('main.examples.readings', [
  { name: 'device', type_text: 'string', nullable: false },
  { name: 'temp', type_text: 'double' },
]);
const { sdk, clientId, clientSecret, table } = zerobus;

const stream = await sdk.createStream(clientId, clientSecret, new TableProperties(table), { recordType: 'json' });

/** 100 readings of one device. */
function batch(device: number) {
  return Array.from({ length: 100 }, (_, i) => ({ device: `sensor-${device}`, temp: 20 + i / 100 }));
}

// Awaited: resolves with the batch's offset once it is queued.
const first = await stream.ingestRecordsOffset(batch(0));

// Fire and forget, with back-pressure.
for (let device = 1; device < 5; device++) {
  if (!stream.ingestRecordsNowait(batch(device))) await stream.ready();
}
await stream.flush(); // every batch ingested so far is durable

const { recordsAcked, requestsAcked } = stream.stats();
await stream.close();
console.log(`${requestsAcked} batches (${recordsAcked} records) durable, offsets ${first}-${stream.lastOffset}`);
