/**
 * The recovery backoff's jitter on a real stream (PROTOCOL.md §12): each wait between attempts
 * is drawn from the stream's random source (injected here through the engine context, as
 * createStream builds it), so streams dropped together do not reconnect in lock-step.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TableProperties, type ZerobusStream } from '@zerobus/sdk';
import { ZerobusStream as StreamClass } from '../../packages/sdk/src/engine/stream.js';
import { resolveStreamOptions, type StreamConfigurationOptions } from '../../packages/sdk/src/options.js';
import { createRecordEncoder } from '../../packages/sdk/src/records/encoder.js';
import { Channel, parseEndpoint } from '../../packages/sdk/src/transport/channel.js';
import { capturingLogger, type Harness, TABLE, withHarness } from '../support/harness.js';

const LIMIT = { timeout: 30_000 };

/** ZerobusStream.open as createStream calls it, with `random` as the backoff's random source. */
function openWithRandom(h: Harness, options: StreamConfigurationOptions, random: () => number): Promise<ZerobusStream> {
  return StreamClass.open({
    channel: new Channel(parseEndpoint(h.emulator.endpoint)),
    headersProvider: { getHeaders: () => ({ authorization: `Bearer ${h.emulator.issueToken(TABLE)}` }) },
    table: new TableProperties(TABLE),
    options: resolveStreamOptions({ recordType: 'json', ...options }),
    encoder: createRecordEncoder('json', undefined),
    logger: capturingLogger(h.logs),
    random,
  }) as Promise<ZerobusStream>;
}

describe('recovery backoff with jitter', () => {
  it('draws every wait between attempts from the random source', LIMIT, async () => {
    await withHarness(async (h) => {
      const draws: number[] = [];
      // A nominal wait of 10 minutes: only the random source's 0 (with full jitter, a wait of 0)
      // lets the stream get through two failed attempts within the test's time limit.
      const stream = await openWithRandom(
        h,
        { recoveryBackoffMs: 600_000, recoveryBackoffJitter: 1, recoveryTimeoutMs: 5_000 },
        () => {
          draws.push(0);
          return 0;
        },
      );
      await stream.waitForOffset(await stream.ingestRecordOffset({ i: 0 }));
      h.emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 1 });
      await h.emulator.waitForRecords(TABLE, 2);
      h.emulator.faults.failNextCreates(2, 'UNAVAILABLE', 'still starting');
      h.emulator.faults.resumeAcking();
      h.emulator.faults.dropConnections();
      await stream.flush();
      // The first attempt of an outage goes at once; each of the two failures is followed by one wait.
      assert.equal(draws.length, 2);
      assert.equal(h.emulator.calls.length, 4);
      await stream.close();
    });
  });
});
