/**
 * The measured client of bench/inflight-memory.ts, run by plain `node` from a bundle (see there):
 * fills the window with records the server never acknowledges and prints peak RSS as JSON.
 */
import { parseArgs } from 'node:util';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { jsonRecords, protoRecords } from './records.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '50000' },
    size: { type: 'string', default: '750' },
    type: { type: 'string', default: 'json' },
    'settle-ms': { type: 'string', default: '2000' },
    endpoint: { type: 'string' },
    'uc-endpoint': { type: 'string' },
  },
});
const RECORDS = Number(values.records);
const SIZE = Number(values.size);
const TYPE = values.type === 'proto' ? 'proto' : 'json';

const server = { endpoint: values.endpoint!, unityCatalogEndpoint: values['uc-endpoint']! };
let peakRss = 0;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
};
const sampler = setInterval(sample, 20);
try {
  const sdk = new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint);
  const source = TYPE === 'json' ? jsonRecords(SIZE, RECORDS) : protoRecords(SIZE);
  const stream = await sdk.createStream(
    'emulator-client',
    'emulator-secret',
    new TableProperties('bench.memory.t', source.descriptor),
    {
      recordType: TYPE,
      maxInflightRecords: RECORDS,
      // Nothing is ever acknowledged; the watchdog must not recover the stream while we look.
      serverLackOfAckTimeoutMs: 600_000,
    },
  );
  const startRss = process.memoryUsage.rss();
  for (let i = 0; i < RECORDS; i++) {
    if (!stream.ingestRecordNowait(source.record(i))) break;
  }
  // Let the pump write everything out and the memory settle while nothing is acknowledged.
  await new Promise((resolve) => setTimeout(resolve, Number(values['settle-ms'])));
  sample();
  const inFlight = stream.pendingRequests;
  const mb = (bytes: number) => +(bytes / 1e6).toFixed(1);
  const payload = inFlight * SIZE;
  const bound = 2 * payload + 100e6;
  console.log(
    JSON.stringify({
      type: TYPE,
      sizeBytes: SIZE,
      inFlightRecords: inFlight,
      inFlightPayloadMb: mb(payload),
      startRssMb: mb(startRss),
      peakRssMb: mb(peakRss),
      boundMb: mb(bound),
      withinBound: peakRss <= bound,
    }),
  );
} finally {
  clearInterval(sampler);
  // The stream cannot close cleanly (its records are never acknowledged): exit instead.
  process.exit(0);
}
