/**
 * The stream every chaos test drives: JSON records `{ id }`, a small window so that faults hit
 * requests in flight, recovery that keeps trying, and the highest acknowledged offset tracked.
 */
import { TableProperties, type ZerobusSdk, type ZerobusStream } from '@zerobus/sdk';

export interface TrackedStream {
  readonly stream: ZerobusStream;
  /** The highest offset acknowledged so far (ids equal offsets: one record per call). */
  acked(): number;
  /** Ingests ids `0 .. count-1`, waiting for room when the window is full. */
  ingestIds(count: number): Promise<void>;
}

export async function openChaosStream(sdk: ZerobusSdk, table: string): Promise<TrackedStream> {
  let acked = -1;
  const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties(table), {
    recordType: 'json',
    maxInflightRecords: 200,
    recoveryBackoffMs: 10,
    recoveryRetries: 1_000,
    recoveryTimeoutMs: 2_000,
    serverLackOfAckTimeoutMs: 1_000,
    ackCallback: {
      onAck(offset) {
        acked = offset;
      },
    },
  });
  return {
    stream,
    acked: () => acked,
    async ingestIds(count) {
      for (let id = 0; id < count; id++) {
        if (!stream.ingestRecordNowait({ id })) await stream.ready();
      }
    },
  };
}
