/**
 * What a user sees of the official SDKs' semantics (PROTOCOL.md §12): `onAck` once per logical
 * offset, ascending, even when one cumulative ack covers several (a batch is one offset), on gRPC
 * and Arrow streams; a JSON stream given a descriptor says once that it does not use it; a proto
 * stream (the default) without a descriptor points at `recordType: 'json'`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TableProperties } from '@zerobus/sdk';
import protobuf from 'protobufjs';
import { TABLE as ARROW_TABLE, arrowEnv, batchOf } from '../arrow/arrow-env.js';
import { CLIENT_ID, CLIENT_SECRET, TABLE, withHarness } from '../support/harness.js';

const LIMIT = { timeout: 30_000 };

describe('onAck per offset', () => {
  it(
    'one cumulative ack for offsets 0..4 calls onAck 0, 1, 2, 3, 4 in order; the ack event keeps the range',
    LIMIT,
    async () => {
      await withHarness(async ({ emulator, jsonStream }) => {
        const acked: number[] = [];
        const events: number[] = [];
        const stream = await jsonStream({ ackCallback: { onAck: (offset) => void acked.push(offset) } });
        stream.on('ack', (offset) => events.push(offset));
        emulator.faults.stopAcking();
        stream.ingestRecordNowait({ i: 0 });
        stream.ingestRecordsNowait([{ i: 1 }, { i: 2 }]); // one offset: 1
        for (let i = 3; i < 6; i++) stream.ingestRecordNowait({ i }); // offsets 2, 3, 4
        await emulator.waitForRecords(TABLE, 6);
        emulator.faults.resumeAcking(); // one cumulative ack up to offset 4
        await stream.waitForOffset(4);
        assert.deepEqual(events, [4], 'one ack covered every offset');
        assert.deepEqual(acked, [0, 1, 2, 3, 4]);
        await stream.close();
      });
    },
  );

  it('Arrow streams: one call per batch acknowledged', LIMIT, async () => {
    await using env = await arrowEnv();
    const acked: number[] = [];
    const stream = await env.openArrow({ ackCallback: { onAck: (offset) => void acked.push(offset) } });
    env.emulator.faults.stopAcking();
    for (let b = 0; b < 3; b++) await stream.ingestBatchOffset(batchOf(b * 2, b * 2 + 2));
    await env.emulator.waitForRecords(ARROW_TABLE, 6);
    env.emulator.faults.resumeAcking();
    await stream.waitForOffset(2);
    await stream.close();
    assert.deepEqual(acked, [0, 1, 2]);
  });
});

describe('record type hints', () => {
  it('a JSON stream given a descriptor warns once that it is not used', LIMIT, async () => {
    await withHarness(async ({ emulator, sdk, logs }) => {
      const type = new protobuf.Type('Event').add(new protobuf.Field('i', 1, 'int64'));
      const table = new TableProperties(TABLE, type);
      const stream = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, table, { recordType: 'json' });
      await stream.ingestRecordOffset({ i: 0 });
      await stream.close();
      const warnings = logs.filter((l) => l.level === 'warn' && /descriptor is not used/.test(l.message ?? ''));
      assert.equal(warnings.length, 1);
      assert.equal(emulator.calls[0]?.recordType, 'json');
      assert.equal(emulator.records(TABLE).length, 1);
    });
  });

  it('a proto stream (record type left out) without a descriptor points at recordType json', LIMIT, async () => {
    await withHarness(async ({ emulator, sdk }) => {
      await assert.rejects(sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE)), {
        code: 'INVALID_DESCRIPTOR',
        message: /needs a descriptor.*or pass \{ recordType: 'json' \}/,
      });
      assert.equal(emulator.calls.length, 0);
    });
  });
});
