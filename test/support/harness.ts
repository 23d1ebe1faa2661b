/**
 * Test harness: a real local server on ephemeral loopback ports and an SDK pointed at it, over
 * real gRPC. Each test gets its own server and closes it, so tests never share state.
 */
import { type Emulator, type EmulatorOptions, startEmulator } from '@zerobus/emulator';
import {
  type Logger,
  type StreamConfigurationOptions,
  TableProperties,
  ZerobusSdk,
  type ZerobusStream,
} from '@zerobus/sdk';

export const CLIENT_ID = 'emulator-client';
export const CLIENT_SECRET = 'emulator-secret';
export const TABLE = 'main.default.events';

/** Options that make recovery fast enough for tests, on top of which a test sets its own. */
export const FAST_RECOVERY: StreamConfigurationOptions = {
  recoveryBackoffMs: 20,
  recoveryTimeoutMs: 2_000,
};

export interface Harness {
  emulator: Emulator;
  sdk: ZerobusSdk;
  logs: { level: string; fields: object; message: string | undefined }[];
  jsonStream(options?: StreamConfigurationOptions, table?: string): Promise<ZerobusStream>;
}

/** A logger that keeps every entry, so tests can check what was (and was not) logged. */
export function capturingLogger(logs: Harness['logs']): Logger {
  const at = (level: string) => (fields: object, message?: string) => logs.push({ level, fields, message });
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

export async function withHarness(
  body: (h: Harness) => Promise<void>,
  emulatorOptions: EmulatorOptions = {},
): Promise<void> {
  // Tests write to tables that are not in Unity Catalog (TABLE...): opt in to schemaless tables.
  const emulator = await startEmulator({ autoCreateTables: true, ...emulatorOptions });
  const logs: Harness['logs'] = [];
  const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, { logger: capturingLogger(logs) });
  const streams: ZerobusStream[] = [];
  const harness: Harness = {
    emulator,
    sdk,
    logs,
    async jsonStream(options = {}, table = TABLE) {
      const stream = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(table), {
        recordType: 'json',
        ...FAST_RECOVERY,
        ...options,
      });
      streams.push(stream);
      return stream;
    },
  };
  try {
    await body(harness);
  } finally {
    // A test may leave acks withheld: let the streams' close() flush instead of waiting it out.
    emulator.faults.reset();
    for (const stream of streams) await stream.close().catch(() => {});
    await emulator.close();
  }
}

/** Resolves after `ms` of real time: only for letting a bounded amount of I/O happen, never to time assertions. */
export function settle(ms = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function jsonPayloads(emulator: Emulator, table = TABLE): unknown[] {
  return emulator.records(table).map((r) => JSON.parse(r.payload as string));
}
