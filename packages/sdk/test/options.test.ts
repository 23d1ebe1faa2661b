import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_STREAM_OPTIONS, NonRetriableError, parseTableName } from '@zerobus/sdk';
import { resolveStreamOptions } from '../src/options.js';

describe('stream options', () => {
  it('has the defaults of the official SDKs (PROTOCOL.md §9)', () => {
    assert.deepEqual(
      { ...DEFAULT_STREAM_OPTIONS },
      {
        recordType: 'proto',
        maxInflightRecords: 50_000,
        maxInflightBytes: 64 * 1024 * 1024, // ours: the official SDKs bound records only
        recovery: true,
        recoveryTimeoutMs: 15_000,
        recoveryBackoffMs: 2_000,
        recoveryBackoffMaxMs: null, // ours: fixed by default, as in the official SDKs
        recoveryBackoffJitter: 0.2, // ours: ±20% around the official fixed wait
        recoveryRetries: 3,
        flushTimeoutMs: 300_000,
        serverLackOfAckTimeoutMs: 60_000,
        streamPausedMaxWaitTimeMs: null,
        callbackMaxWaitTimeMs: 5_000,
        ackCallback: undefined,
        validate: undefined, // ours: auto, on when the TableProperties carry a schema
      },
    );
    assert.deepEqual(resolveStreamOptions(undefined), { ...DEFAULT_STREAM_OPTIONS });
  });

  it('keeps given values and fills the rest', () => {
    const resolved = resolveStreamOptions({ recordType: 'json', maxInflightRecords: 10, streamPausedMaxWaitTimeMs: 0 });
    assert.equal(resolved.recordType, 'json');
    assert.equal(resolved.maxInflightRecords, 10);
    assert.equal(resolved.streamPausedMaxWaitTimeMs, 0);
    assert.equal(resolved.recoveryRetries, 3);
  });

  const bad: [string, unknown, RegExp][] = [
    ['maxInflightRecords', -1, /maxInflightRecords must be at least 1, got -1/],
    ['maxInflightRecords', 0, /at least 1/],
    ['maxInflightBytes', 0, /maxInflightBytes must be at least 1, got 0/],
    ['recoveryBackoffMs', 1.5, /recoveryBackoffMs must be an integer, got number 1.5/],
    ['recoveryRetries', '3', /recoveryRetries must be an integer, got string "3"/],
    ['recovery', 'yes', /recovery must be a boolean/],
    ['validate', 'auto', /validate must be a boolean, got string "auto"/],
    ['recordType', 'avro', /recordType must be 'proto' or 'json'/],
    ['flushTimeoutMs', null, /flushTimeoutMs must be an integer, got null/],
    ['callbackMaxWaitTimeMs', -5, /at least 0/],
    ['ackCallback', { onAck: 1 }, /ackCallback must be an object with onAck\/onError functions/],
    ['maxInflightRecord', 5, /unknown stream option "maxInflightRecord"; known options: recordType, /],
    ['max_inflight_records', 5, /"max_inflight_records" \(did you mean maxInflightRecords\?\)/],
    ['server_lack_of_ack_timeout_ms', 5, /\(did you mean serverLackOfAckTimeoutMs\?\)/],
    ['RecoveryRetries', 5, /\(did you mean recoveryRetries\?\)/],
    ['maxInflightBatches', 5, /\(did you mean maxInflightRecords\?\)/],
    ['recoveryBackoffJitter', 1.5, /recoveryBackoffJitter must be a number from 0 to 1 .*got number 1.5/],
    ['recoveryBackoffJitter', Number.NaN, /recoveryBackoffJitter must be a number from 0 to 1/],
    ['recoveryBackoffMaxMs', 1_000, /recoveryBackoffMaxMs \(1000\) must be at least recoveryBackoffMs \(2000\)/],
    ['recoveryBackoffMaxMs', 1.5, /recoveryBackoffMaxMs must be an integer/],
  ];
  for (const [key, value, message] of bad) {
    it(`rejects ${key} = ${JSON.stringify(value)}`, () => {
      assert.throws(
        () => resolveStreamOptions({ [key]: value } as never),
        (error: unknown) =>
          error instanceof NonRetriableError && error.code === 'INVALID_OPTIONS' && message.test(error.message),
      );
    });
  }

  it('keeps validate as given, undefined meaning auto', () => {
    assert.equal(resolveStreamOptions({ validate: true }).validate, true);
    assert.equal(resolveStreamOptions({ validate: false }).validate, false);
    assert.equal(resolveStreamOptions({}).validate, undefined);
  });

  it('accepts null for the nullable waits', () => {
    const resolved = resolveStreamOptions({ callbackMaxWaitTimeMs: null, streamPausedMaxWaitTimeMs: null });
    assert.equal(resolved.callbackMaxWaitTimeMs, null);
  });
});

describe('table names', () => {
  it('splits catalog.schema.table', () => {
    assert.deepEqual(parseTableName('main.default.events'), { catalog: 'main', schema: 'default', table: 'events' });
  });

  for (const [name, message] of [
    ['events', /has 1 part, expected catalog.schema.table/],
    ['default.events', /has 2 parts/],
    ['a.b.c.d', /has an extra part "d"/],
    ['.b.c', /the catalog part is empty/],
    ['a..c', /the schema part is empty/],
    ['a.b.', /the table part is empty/],
  ] as const) {
    it(`rejects ${JSON.stringify(name)}`, () => {
      assert.throws(
        () => parseTableName(name),
        (e: unknown) => e instanceof NonRetriableError && e.code === 'INVALID_TABLE_NAME' && message.test(e.message),
      );
    });
  }
});
