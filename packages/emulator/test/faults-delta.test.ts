/**
 * `failAfterRequests(n, status, message, { ackFirst: true })` on Unity Catalog (Delta) tables,
 * driven by the real SDK: the n requests are acknowledged only once their group commit is durable,
 * and the call must end only after that ack, so the client replays nothing it already got acked.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { readDeltaTable } from '../../../test/support/delta-reader.js';

const TABLE = 'main.faults.t';
const CLIENT_ID = 'emulator-client';
const CLIENT_SECRET = 'emulator-secret';

async function setup() {
  const emulator = await startEmulator({ commitIntervalMs: 5, storeRecords: true });
  await emulator.createDeltaTable(TABLE, [{ name: 'id', type_text: 'bigint', nullable: false }]);
  const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
  return { emulator, sdk, [Symbol.asyncDispose]: () => emulator.close() };
}

async function deltaIds(emulator: Emulator): Promise<bigint[]> {
  const dir = emulator.catalog.table(TABLE)?.delta.dir as string;
  const { rows } = await readDeltaTable(dir, { orderBy: 'id' });
  return rows.map((r) => r.id as bigint);
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i));

/** How each call ended, in order: [status name, message]. */
function callEnds(emulator: Emulator): [string | undefined, string | undefined][] {
  return emulator.calls.map((c) => [c.status?.name, c.status?.details]);
}

describe('failAfterRequests with ackFirst on a Delta table', () => {
  it('EphemeralStream: acknowledges the committed requests before the status, so none is replayed', async () => {
    await using env = await setup();
    const { emulator, sdk } = env;
    const stream = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), {
      recordType: 'json',
      recoveryBackoffMs: 0,
    });
    emulator.faults.failAfterRequests(2, 'UNAVAILABLE', 'after two', { ackFirst: true });
    for (let id = 0; id < 10; id++) await stream.ingestRecordOffset({ id });
    await stream.flush();
    await stream.close();

    assert.deepEqual(await deltaIds(emulator), ids(10), 'every record committed exactly once');
    assert.deepEqual(
      emulator
        .records(TABLE)
        .map((r) => JSON.parse(r.payload as string).id)
        .sort((a, b) => a - b),
      ids(10).map(Number),
    );
    assert.deepEqual(callEnds(emulator), [
      ['UNAVAILABLE', 'after two'],
      ['OK', 'OK'],
    ]);
  });

  it('Arrow Flight: acknowledges the committed batches before the status, so none is re-sent', async () => {
    await using env = await setup();
    const { emulator, sdk } = env;
    const table = await TableProperties.fromTable(TABLE, {
      unityCatalogEndpoint: emulator.unityCatalogEndpoint,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      recordType: 'json',
    });
    const stream = await sdk.createArrowStream({
      table,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      options: { recoveryBackoffMs: 0 },
    });
    emulator.faults.failAfterRequests(2, 'UNAVAILABLE', 'after two', { ackFirst: true });
    for (let from = 0; from < 10; from += 2) {
      await stream.ingestBatchOffset([{ id: BigInt(from) }, { id: BigInt(from + 1) }]);
    }
    await stream.flush();
    await stream.close();

    assert.deepEqual(await deltaIds(emulator), ids(10), 'every row committed exactly once');
    assert.deepEqual(
      emulator
        .records(TABLE)
        .map((r) => r.row?.id)
        .sort((a, b) => Number(a) - Number(b)),
      ids(10),
    );
    assert.deepEqual(callEnds(emulator), [
      ['UNAVAILABLE', 'after two'],
      ['OK', 'OK'],
    ]);
  });
});
