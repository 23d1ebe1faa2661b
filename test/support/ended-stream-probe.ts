/**
 * Child process for the recovery tests: a stream ends while something of it is still timed,
 * then everything is closed and the script returns. The process must exit at once: a timer or a
 * connection attempt left behind would keep it alive for minutes.
 *
 *   paused         paused by a 10-minute close signal, the stream fails for good (PERMISSION_DENIED)
 *   backoff        recovering with a 10-minute backoff between attempts, close({ signal }) aborts
 *   arrow-backoff  the same with an Arrow stream
 */
import { once } from 'node:events';
import { startEmulator } from '@zerobus/emulator';
import { type ArrowStream, TableProperties, ZerobusSdk, ZerobusStream } from '@zerobus/sdk';

const TABLE = 'main.probe.ended';
const mode = process.argv[2];
const emulator = await startEmulator({ autoCreateTables: true, storeRecords: true }); // a schemaless table for the JSON modes; waitForRecords reads the Delta table's copy
// The log says when the stream begins recovering: the second time (the first reconnect failed
// too), it goes straight into its backoff.
let recoveries = 0;
let secondOutage: () => void = () => {};
const inBackoff = new Promise<void>((resolve) => {
  secondOutage = resolve;
});
const quiet = () => {};
const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, {
  logger: {
    debug: quiet,
    warn: quiet,
    error: quiet,
    // Once per outage, for both kinds of stream (one engine).
    info: (_fields, message) => {
      if (message === 'stream connection failed; recovering' && ++recoveries === 2) secondOutage();
    },
  },
});
const options = { recoveryBackoffMs: 600_000 };
let stream: ZerobusStream | ArrowStream;
if (mode === 'arrow-backoff') {
  await emulator.createDeltaTable(TABLE, [{ name: 'i', type_text: 'bigint' }]);
  const table = await TableProperties.fromTable(TABLE, {
    unityCatalogEndpoint: emulator.unityCatalogEndpoint,
    clientId: 'emulator-client',
    clientSecret: 'emulator-secret',
  });
  stream = await sdk.createArrowStream({
    table,
    clientId: 'emulator-client',
    clientSecret: 'emulator-secret',
    options,
  });
  emulator.faults.stopAcking();
  stream.ingestBatchNowait([{ i: 0n }]);
} else {
  stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties(TABLE), {
    recordType: 'json',
    ...options,
  });
  emulator.faults.stopAcking();
  stream.ingestRecordNowait({ i: 0 });
}
await emulator.waitForRecords(TABLE, 1);
if (mode === 'paused' && stream instanceof ZerobusStream) {
  const paused = once(stream, 'closeSignal');
  emulator.faults.sendCloseSignal(600_000); // acks outstanding: the stream waits for them, paused
  await paused;
  const failed = once(stream, 'error');
  emulator.faults.failActiveStreams('PERMISSION_DENIED', 'grant revoked');
  await failed;
} else {
  // The first reconnect fails too, so the stream sits in its 10-minute backoff.
  emulator.faults.failAfterRequests(0, 'UNAVAILABLE', 'still down', { times: 5 });
  emulator.faults.failActiveStreams('UNAVAILABLE');
  await inBackoff;
  await stream.close({ signal: AbortSignal.abort() }).catch(() => {});
}
await emulator.close();
process.stdout.write(`${stream.state}\n`);
