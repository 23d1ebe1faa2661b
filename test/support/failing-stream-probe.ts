/**
 * Child process for the quiet-by-default test: an SDK given no logger meets the failures an
 * application hears of anyway — a stream creation rejected (a wrong secret), a connection lost
 * and recovered (the `recovering` and `recovered` events), a stream failed for good (its flush
 * rejects, its `error` event) — and prints `done`. The local server in it logs nowhere, so that
 * whatever reaches stderr is the SDK's.
 */
import { once } from 'node:events';
import { startEmulator } from '@zerobus/emulator';
import { ZerobusSdk } from '@zerobus/sdk';

const TABLE = 'main.probe.quiet';
const quiet = () => {};
const emulator = await startEmulator({
  autoCreateTables: true,
  logger: { error: quiet, warn: quiet, info: quiet, debug: quiet },
});
try {
  const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, { proxy: false });
  const options = { recordType: 'json' as const, recoveryBackoffMs: 20, recoveryTimeoutMs: 5_000 };
  const refused = await sdk.createStream('emulator-client', 'not-the-secret', TABLE, options).then(
    () => 'created',
    (error: { code: string }) => error.code,
  );
  if (refused !== 'AUTH_FAILED') throw new Error(`expected AUTH_FAILED, got ${refused}`);

  const stream = await sdk.createStream('emulator-client', 'emulator-secret', TABLE, options);
  const events: string[] = [];
  stream.on('recovering', () => events.push('recovering'));
  stream.on('error', () => events.push('error'));
  await stream.waitForOffset(await stream.ingestRecordOffset({ n: 1 }));
  const recovered = once(stream, 'recovered');
  emulator.faults.failActiveStreams('UNAVAILABLE'); // retriable: the stream reconnects
  await recovered;
  await stream.waitForOffset(await stream.ingestRecordOffset({ n: 2 }));
  const failure = once(stream, 'error');
  emulator.faults.failActiveStreams('INVALID_ARGUMENT', 'a record the table refuses'); // fails the stream
  await failure;
  const failed = await stream.flush().then(
    () => 'flushed',
    (error: { code: string }) => error.code,
  );
  await stream.close().catch(() => {});
  process.stdout.write(`${JSON.stringify({ failed, events })}\n`);
} finally {
  await emulator.close();
}
