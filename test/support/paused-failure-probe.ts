/**
 * Child process for the recovery tests: a stream paused by a long close signal (10 minutes) fails
 * for good while paused, then everything is closed and the script returns. The process must exit
 * at once: a pause timer left behind would keep it alive for the rest of the signal's duration.
 */
import { once } from 'node:events';
import { startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';

const TABLE = 'main.probe.paused';
const emulator = await startEmulator();
const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties(TABLE), {
  recordType: 'json',
});
emulator.faults.stopAcking();
stream.ingestRecordNowait({ i: 0 });
await emulator.waitForRecords(TABLE, 1);
const paused = once(stream, 'closeSignal');
emulator.faults.sendCloseSignal(600_000); // acks outstanding: the stream waits for them, paused
await paused;
const failed = once(stream, 'error');
emulator.faults.failActiveStreams('PERMISSION_DENIED', 'grant revoked');
await failed;
await emulator.close();
process.stdout.write(`${stream.state}\n`);
