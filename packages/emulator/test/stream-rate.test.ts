import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { StreamRateLimit } from '../src/grpc/stream-rate.js';

describe('per-stream record rate (maxStreamRecordsPerSecond)', () => {
  it('books records on a clock and asks for a pause once they run ahead of it', () => {
    let now = 0;
    const rate = new StreamRateLimit(1000, () => now); // 1 record per ms
    assert.equal(rate.take(5), 0, '5 ms ahead: within the burst allowance');
    assert.equal(rate.take(10), 15, '15 ms of records booked at t=0');
    now = 15;
    assert.equal(rate.take(3), 0);
    now = 1000; // idle time is not saved up
    assert.equal(rate.take(100), 100);
  });

  it('holds one stream to the rate: 5,000 records at 10,000/s take at least 400 ms', async () => {
    await using emulator = await startEmulator({ maxStreamRecordsPerSecond: 10_000, tables: ['a.b.c'] });
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties('a.b.c'), {
      recordType: 'json',
    });
    const started = performance.now();
    // User batches of 100 (never merged on the wire): 10 ms of booking per request.
    for (let b = 0; b < 50; b++) {
      await stream.ingestRecordsOffset(Array.from({ length: 100 }, (_, i) => ({ i: b * 100 + i })));
    }
    await stream.flush();
    // The last request is read when the ones before it are paid for: 490 ms, less timer slack.
    assert.ok(performance.now() - started >= 400, 'the server paused reading');
    assert.equal(emulator.records('a.b.c').length, 5_000);
    await stream.close();
  });
});
