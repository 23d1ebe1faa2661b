/**
 * JSON streams without a table schema change no record silently: what JSON.stringify would drop
 * or alter is refused with an InvalidRecordError naming the field, before anything is sent, and
 * the stream carries on with the next records.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidRecordError, TableProperties } from '@zerobus/sdk';
import { schemaFromUcColumns } from '@zerobus/sdk/schema';
import { CLIENT_ID, CLIENT_SECRET, jsonPayloads, TABLE, withHarness } from '../support/harness.js';

function refusedAt(field: string, ...fragments: string[]) {
  return (error: unknown) => {
    assert.ok(error instanceof InvalidRecordError, String(error));
    assert.equal(error.field, field);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), error.message);
    return true;
  };
}

describe('JSON records without a schema: no silent change', () => {
  it('refuses what JSON would drop or change, naming the field, and keeps the stream going', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      await assert.rejects(
        stream.ingestRecordOffset({ device: 'a', onRead: () => 1 }),
        refusedAt('onRead', 'function'),
      );
      await assert.rejects(stream.ingestRecordOffset({ tags: ['x', undefined] }), refusedAt('tags[1]', 'undefined'));
      await assert.rejects(stream.ingestRecordOffset({ kind: Symbol('sensor') }), refusedAt('kind', 'symbol'));
      await assert.rejects(
        stream.ingestRecordOffset({ meta: { note: 'broken \ud83d pair' } }),
        refusedAt('meta.note', 'lone surrogate', 'U+D83D', 'U+FFFD'),
      );
      await assert.rejects(
        stream.ingestRecordOffset({ 'bad\udc00key': 1 }),
        refusedAt('bad\\udc00key', 'key with a lone surrogate'),
      );
      await assert.rejects(
        stream.ingestRecordOffset({ id: 2 ** 60 }),
        refusedAt('id', '1152921504606847000 (as a double exactly 1152921504606846976)', 'MAX_SAFE_INTEGER', 'bigint'),
      );
      // One bad record refuses the whole batch; nothing of it is queued.
      await assert.rejects(stream.ingestRecordsOffset([{ id: 1 }, { id: Number.NaN }]), (error) => {
        assert.ok(error instanceof InvalidRecordError);
        assert.equal(error.recordIndex, 1);
        return true;
      });

      const at = new Date(Date.UTC(2024, 5, 1));
      const offset = await stream.ingestRecordOffset({
        id: 2n ** 60n,
        device: 'pump 😀',
        at,
        gone: undefined,
        safe: Number.MAX_SAFE_INTEGER,
        tags: ['x', null],
      });
      assert.equal(offset, 0, 'the refused records took no offset');
      await stream.flush();
      assert.deepEqual(
        emulator.records(TABLE).map((r) => r.payload),
        [
          `{"id":1152921504606846976,"device":"pump 😀","at":"2024-06-01T00:00:00.000Z","safe":9007199254740991,"tags":["x",null]}`,
        ],
      );
    });
  });

  it('with the table schema, a DOUBLE column takes a large number the schemaless check would refuse', async () => {
    await withHarness(async ({ emulator, sdk }) => {
      const schema = schemaFromUcColumns([
        { name: 'id', type_text: 'bigint' },
        { name: 'reading', type_text: 'double' },
      ]);
      const stream = await sdk.createStream(
        CLIENT_ID,
        CLIENT_SECRET,
        new TableProperties(TABLE, undefined, { schema }),
        {
          recordType: 'json',
        },
      );
      await stream.ingestRecordOffset({ id: 7n, reading: 1e18 });
      // The BIGINT column's own check still refuses a number it cannot hold exactly.
      await assert.rejects(
        stream.ingestRecordOffset({ id: 2 ** 60, reading: 1 }),
        refusedAt('id', 'not a safe integer'),
      );
      await stream.close();
      assert.deepEqual(jsonPayloads(emulator), [{ id: 7, reading: 1e18 }]);
    });
  });
});
