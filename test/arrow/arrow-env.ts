/**
 * A local server with one Delta table (`id BIGINT NOT NULL, name STRING`) and an SDK whose log
 * entries are kept, for the Arrow tests that compare the Arrow stream with the gRPC stream or look
 * at what the SDK logged.
 */
import { startEmulator } from '@zerobus/emulator';
import { type ArrowStreamOptions, type StreamConfigurationOptions, TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { readDeltaTable } from '../support/delta-reader.js';
import { CLIENT_ID, CLIENT_SECRET, capturingLogger, type Harness } from '../support/harness.js';

export const TABLE = 'main.arrow.simple';

const COLUMNS = [
  { name: 'id', type_text: 'bigint', nullable: false },
  { name: 'name', type_text: 'string' },
];

export const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => BigInt(from + i));

/** One record batch of the rows `from` .. `to` - 1. */
export const batchOf = (from: number, to: number) =>
  new Table({
    id: makeVector(BigInt64Array.from(ids(from, to))),
    name: vectorFromArray(
      ids(from, to).map((i) => `n${i}`),
      new Utf8(),
    ),
  }).batches[0]!;

export async function arrowEnv() {
  const emulator = await startEmulator({ commitIntervalMs: 5 });
  await emulator.createDeltaTable(TABLE, COLUMNS);
  const logs: Harness['logs'] = [];
  const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, { logger: capturingLogger(logs) });
  const table = await TableProperties.fromTable(TABLE, {
    unityCatalogEndpoint: emulator.unityCatalogEndpoint,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    recordType: 'json',
  });
  const openArrow = (options: ArrowStreamOptions = {}) =>
    sdk.createArrowStream({ table, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, options });
  const openGrpc = (options: StreamConfigurationOptions = {}) =>
    sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), { recordType: 'json', ...options });
  const rows = async () =>
    (await readDeltaTable(emulator.catalog.table(TABLE)!.delta.dir, { orderBy: 'id' })).rows.map(
      (r) => (r as { id: bigint }).id,
    );
  return {
    emulator,
    sdk,
    logs,
    openArrow,
    openGrpc,
    rows,
    async [Symbol.asyncDispose]() {
      emulator.faults.reset(); // acks withheld by a test must not hold up the streams' close
      await emulator.close();
    },
  };
}
