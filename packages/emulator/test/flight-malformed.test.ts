/**
 * Record batches whose IPC layout contradicts itself (made by hand: test/support/ipc-surgery.ts)
 * end DoPut with INVALID_ARGUMENT naming the batch offset and the column, before anything of the
 * batch is stored or acknowledged; the batch before it is acknowledged and in the Delta table.
 * apache-arrow alone reads such batches as wrong values (an offset past the data is a shorter
 * string, a short column is padded with nulls, a null count of 0 drops the nulls).
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { encodeBatchMetadata, type IpcMessage } from '@zerobus/sdk/wire';
import { Field as ArrowField, Dictionary, Int32, Int64, List, type Table, Utf8, vectorFromArray } from 'apache-arrow';
import { readDeltaTable } from '../../../test/support/delta-reader.js';
import { arrowTable, fixedVector } from './support/arrow-data.js';
import { FlightClient, tableMessages } from './support/flight-client.js';
import { type BatchParts, batchMessage, batchParts, bufferBytes, int32s } from './support/ipc-surgery.js';

const TABLE = 'main.s.t';

/** id BIGINT NOT NULL, name STRING, tags ARRAY<INT>; buffers 0-1 id, 2-4 name, 5-6 tags, 7-8 tags.item. */
function rows(from: number, names: (string | null)[], tags: (number[] | null)[]): Table {
  return arrowTable(
    {
      id: fixedVector(
        new Int64(),
        names.map((_, k) => BigInt(from + k)),
      ),
      name: vectorFromArray(names, new Utf8()),
      tags: vectorFromArray(tags, new List(new ArrowField('item', new Int32(), true))),
    },
    ['id'],
  );
}

const GOOD = rows(0, ['a', 'b'], [[1], []]);
const NEXT = () => rows(2, ['cc', null, 'ddd'], [[1, 2], [3], null]);

async function setup(t: { after(fn: () => unknown): void }): Promise<{ emulator: Emulator; client: FlightClient }> {
  const emulator = await startEmulator({ commitIntervalMs: 5, storeRecords: true });
  await emulator.createDeltaTable(TABLE, [
    { name: 'id', type_text: 'bigint', nullable: false },
    { name: 'name', type_text: 'string' },
    { name: 'tags', type_text: 'array<int>' },
    { name: 'label', type_text: 'string' },
  ]);
  const client = new FlightClient(emulator);
  t.after(async () => {
    client.close();
    await emulator.close();
  });
  return { emulator, client };
}

/** Sends GOOD as offset 0, then `bad` as offset 1; returns the final status once batch 0 is acked. */
async function sendAfterGood(
  t: { after(fn: () => unknown): void },
  bad: IpcMessage,
  table: Table = GOOD,
  dictionaries: IpcMessage[] = [],
) {
  const { emulator, client } = await setup(t);
  const put = client.open(TABLE);
  put.schema(table);
  await put.ready();
  put.batches(table, 0);
  await put.ackedUpTo(0);
  for (const d of dictionaries) put.message(d);
  put.message(bad, { appMetadata: encodeBatchMetadata(1) });
  put.end(); // a server that accepted the batch ends the call with OK
  const ended = await put.status;
  return { emulator, put, ended };
}

function corrupt(edit: (parts: BatchParts) => void, source: Table = NEXT()): IpcMessage {
  const [batch] = tableMessages(source).batches;
  if (!batch) throw new Error('no batch');
  const parts = batchParts(batch);
  edit(parts);
  return batchMessage(parts);
}

const cases: { name: string; bad: () => IpcMessage; details: RegExp }[] = [
  {
    name: 'a string offset beyond the data buffer',
    bad: () => corrupt((p) => int32s(p, 3).set(3, 4096)),
    details: /column "name": offset 3 is 4096, beyond the \d+ bytes of its data buffer/,
  },
  {
    name: 'string offsets that decrease',
    bad: () => corrupt((p) => int32s(p, 3).set(1, 5)),
    details: /column "name": offsets decrease: offset 1 is 5, offset 2 is 2/,
  },
  {
    name: 'a negative first offset',
    bad: () => corrupt((p) => int32s(p, 3).set(0, -2)),
    details: /column "name": offset 0 is negative/,
  },
  {
    name: 'a list offset beyond its child',
    bad: () => corrupt((p) => int32s(p, 6).set(3, 9)),
    details: /column "tags": offset 3 is 9, beyond the 3 values of its child/,
  },
  {
    name: 'a truncated body (buffers beyond it)',
    bad: () =>
      corrupt((p) => {
        p.body = p.body.slice(0, 40);
      }),
    details: /column "[a-z.]+": the [a-z ]+ buffer \(bytes \d+ to \d+\) lies beyond the 40-byte body/,
  },
  {
    name: 'a column shorter than the batch',
    bad: () =>
      corrupt((p) => {
        (p.nodes[1] as { length: number }).length = 2;
      }),
    details: /column "name": has 2 values, the batch has 3 rows/,
  },
  {
    name: 'a null count of 0 for a column with a null',
    bad: () =>
      corrupt((p) => {
        (p.nodes[1] as { nullCount: number }).nullCount = 0;
      }),
    details: /column "name": the validity bitmap marks 1 nulls, the null count says 0/,
  },
  {
    name: 'a null bit flipped',
    bad: () =>
      corrupt((p) => {
        const bitmap = bufferBytes(p, 2);
        bitmap[0] = (bitmap[0] as number) ^ 0b010;
      }),
    details: /column "name": the validity bitmap marks 0 nulls, the null count says 1/,
  },
  {
    name: 'a values buffer shorter than its rows',
    bad: () =>
      corrupt((p) => {
        (p.buffers[1] as { length: number }).length = 8;
      }),
    details: /column "id": the values buffer has 8 bytes, 24 are needed/,
  },
  {
    name: 'a buffer region past the end of the body',
    bad: () =>
      corrupt((p) => {
        (p.buffers[4] as { offset: number }).offset = p.body.length;
      }),
    details: /column "name": the data buffer \(bytes \d+ to \d+\) lies beyond the \d+-byte body/,
  },
  {
    name: 'fewer field nodes than columns',
    bad: () =>
      corrupt((p) => {
        p.nodes.pop();
      }),
    details: /column "tags.item": the batch has fewer field nodes than its schema has fields/,
  },
];

describe('record batches with a broken IPC layout', () => {
  for (const c of cases) {
    it(`${c.name}: INVALID_ARGUMENT naming the batch and column, nothing of it kept`, async (t) => {
      const { emulator, put, ended } = await sendAfterGood(t, c.bad());
      assert.equal(ended.code, status.INVALID_ARGUMENT, ended.details);
      assert.match(ended.details, /^record batch at offset_id 1 is not valid Arrow IPC: /);
      assert.match(ended.details, c.details);
      assert.deepEqual(put.ackPairs(), [[0, 2]], 'only batch 0 acknowledged');
      assert.deepEqual(
        emulator.records(TABLE).map((r) => r.row?.id),
        [0n, 1n],
      );
      const read = await readDeltaTable(`${emulator.dataDir}/main/s/t`, { orderBy: 'id' });
      assert.deepEqual(
        read.rows.map((r) => r.id),
        [0n, 1n],
      );
    });
  }

  it('invalid UTF-8 in a string: INVALID_ARGUMENT naming the row and column', async (t) => {
    const bad = corrupt((p) => {
      const data = bufferBytes(p, 4);
      data[0] = 0xff;
    });
    const { emulator, ended } = await sendAfterGood(t, bad);
    assert.equal(ended.code, status.INVALID_ARGUMENT);
    assert.match(ended.details, /offset_id 1 \(row 0 of the batch\).*name.*not valid UTF-8/);
    assert.equal(emulator.records(TABLE).length, 2);
  });

  it('a dictionary index beyond its dictionary: INVALID_ARGUMENT naming the column', async (t) => {
    const dictionary = new Dictionary(new Utf8(), new Int32()); // one type: one dictionary id
    const labelled = (from: number, labels: string[]) =>
      arrowTable(
        {
          id: fixedVector(
            new Int64(),
            labels.map((_, k) => BigInt(from + k)),
          ),
          label: vectorFromArray(labels, dictionary),
        },
        ['id'],
      );
    const good = labelled(0, ['x', 'y']);
    const next = labelled(2, ['x', 'y', 'x']);
    const { dictionaries } = tableMessages(next);
    // buffers: 0-1 id, 2 label bitmap, 3 label indices
    const bad = corrupt((p) => int32s(p, 3).set(2, 7), next);
    const { emulator, ended } = await sendAfterGood(t, bad, good, dictionaries);
    assert.equal(ended.code, status.INVALID_ARGUMENT, ended.details);
    assert.match(
      ended.details,
      /offset_id 1 .*column "label": dictionary index 7 \(row 2\) is out of range: dictionary \d+ has 2 values/,
    );
    assert.equal(emulator.records(TABLE).length, 2);
  });
});
