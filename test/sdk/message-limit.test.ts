/**
 * The server's message limit seen through the SDK: a request or Arrow batch over it fails the
 * stream non-retriably (INVALID_ARGUMENT) with the server's own message, on the first call: no
 * retry, since resending it can never succeed. The limit is set with `maxMessageBytes`, or
 * `--max-message-bytes` on `zerobus emulator`.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { NonRetriableError, TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { startEmulatorProcess } from '../support/emulator-process.js';
import { CLIENT_ID, CLIENT_SECRET } from '../support/harness.js';

const TABLE = 'main.limits.t';

function isOverLimit(offset: number, limit: number) {
  return (e: unknown) => {
    assert.ok(e instanceof NonRetriableError, String(e));
    assert.equal(e.code, 'INVALID_ARGUMENT');
    assert.match(
      e.message,
      new RegExp(`offset_id ${offset} is \\d+ bytes, over the server's message limit of ${limit} bytes`),
    );
    return true;
  };
}

describe('the server message limit through the SDK', () => {
  it('an Arrow batch over the limit fails the Arrow stream once, with the server message', async () => {
    await using emulator = await startEmulator({ commitIntervalMs: 5, maxMessageBytes: 4096, storeRecords: true });
    await emulator.createDeltaTable(TABLE, [
      { name: 'id', type_text: 'bigint', nullable: false },
      { name: 'name', type_text: 'string' },
    ]);
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    const table = await TableProperties.fromTable(TABLE, {
      unityCatalogEndpoint: emulator.unityCatalogEndpoint,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      recordType: 'json',
    });
    const stream = await sdk.createArrowStream({ table, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    const batch = (id: bigint, name: string) =>
      new Table({ id: makeVector(BigInt64Array.from([id])), name: vectorFromArray([name], new Utf8()) }).batches[0]!;
    await stream.waitForOffset((await stream.ingestBatchOffset(batch(1n, 'small')))!);
    const big = await stream.ingestBatchOffset(batch(2n, 'x'.repeat(5000)));
    await assert.rejects(stream.waitForOffset(big!), isOverLimit(1, 4096));
    assert.equal(stream.state, 'failed');
    assert.equal(emulator.calls.length, 1, 'not retried');
    assert.deepEqual(
      emulator.records(TABLE).map((r) => r.row?.id),
      [1n],
    );
  });

  it('zerobus emulator --max-message-bytes sets the limit of a gRPC stream', async () => {
    const server = await startEmulatorProcess(['--max-message-bytes', '2048', '--auto-create-tables']);
    try {
      const sdk = new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint);
      const stream = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties('main.cli.t'), {
        recordType: 'json',
      });
      await stream.waitForOffset(await stream.ingestRecordOffset({ small: 1 }));
      const big = await stream.ingestRecordOffset({ big: 'x'.repeat(3000) });
      await assert.rejects(stream.waitForOffset(big), isOverLimit(1, 2048));
      await stream.close().catch(() => {});
    } finally {
      await server.kill();
    }
  });
});
