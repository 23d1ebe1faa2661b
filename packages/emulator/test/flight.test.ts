/**
 * Arrow Flight `DoPut` on the emulator's gRPC port (PROTOCOL.md §11), driven by a raw grpc-js
 * client: the ready signal, cumulative acks, offsets and app_metadata, the call checks it shares
 * with EphemeralStream, rejections, the partial-ack fault and the generic fault hooks.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type StatusObject, status } from '@grpc/grpc-js';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { encodeBatchMetadata, FLIGHT_DO_PUT_PATH } from '@zerobus/sdk/wire';
import {
  CompressionType,
  compressionRegistry,
  Int64,
  RecordBatchStreamWriter,
  type Table,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { readDeltaTable } from '../../../test/support/delta-reader.js';
import { arrowTable, fixedVector } from './support/arrow-data.js';
import { FlightClient, type FlightPut, tableMessages } from './support/flight-client.js';
import { RawClient } from './support/raw-client.js';

const TABLE = 'main.default.events';
const DELTA = 'main.s.t';

/** Rows `from` .. `from + n - 1`: a NOT NULL bigint id and a nullable name. */
function rows(from: number, n: number, name: (i: number) => string | null = (i) => `n${i}`): Table {
  const ids = Array.from({ length: n }, (_, k) => BigInt(from + k));
  return arrowTable(
    {
      id: fixedVector(new Int64(), ids),
      name: vectorFromArray(
        ids.map((id) => name(Number(id))),
        new Utf8(),
      ),
    },
    ['id'],
  );
}

async function setup(
  t: { after(fn: () => unknown): void },
  options: Parameters<typeof startEmulator>[0] = {},
): Promise<{ emulator: Emulator; client: FlightClient }> {
  // TABLE (main.default.events) is a schemaless table, auto-created on first use.
  const emulator = await startEmulator({ commitIntervalMs: 5, autoCreateTables: true, ...options });
  await emulator.createDeltaTable(DELTA, [
    { name: 'id', type_text: 'bigint', nullable: false },
    { name: 'name', type_text: 'string' },
  ]);
  const client = new FlightClient(emulator);
  t.after(async () => {
    client.close();
    await emulator.close();
  });
  return { emulator, client };
}

async function ready(client: FlightClient, table = TABLE): Promise<FlightPut> {
  const put = client.open(table);
  put.schema(rows(0, 1));
  await put.ready();
  return put;
}

async function deltaIds(emulator: Emulator): Promise<bigint[]> {
  const { rows } = await readDeltaTable(emulator.catalog.table(DELTA)?.delta.dir as string, { orderBy: 'id' });
  return rows.map((r) => r.id as bigint);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => BigInt(from + i));

describe('Arrow Flight DoPut', () => {
  it('sends headers at once, then the ready PutResult once the schema is accepted', async (t) => {
    const { emulator, client } = await setup(t);
    const put = client.open(TABLE);
    await put.headers;
    assert.deepEqual(put.acks, []);
    put.schema(rows(0, 1));
    assert.deepEqual(await put.ready(), { ackUpToOffset: -1, ackUpToRecords: 0 });
    const [stream] = emulator.streams;
    assert.equal(stream?.recordType, 'arrow');
    assert.equal(stream?.tableName, TABLE);
    assert.equal(stream?.nextOffsetId, 0);
    const call = emulator.calls[0];
    assert.equal(call?.path, FLIGHT_DO_PUT_PATH);
    assert.equal(call?.recordType, 'arrow');
    assert.equal(call?.headers['x-databricks-zerobus-table-name'], TABLE);
    put.end();
    assert.equal((await put.status).code, status.OK);
    assert.equal(emulator.streams.length, 0);
  });

  it('stores a schemaless table’s rows in records(), acknowledges cumulatively, ends OK after half-close', async (t) => {
    const { emulator, client } = await setup(t);
    const put = client.open(TABLE);
    put.schema(rows(0, 1));
    await put.ready();
    put.batches(rows(0, 3), 0);
    await put.ackedUpTo(0);
    put.batches(
      rows(3, 2, (i) => (i === 4 ? null : `n${i}`)),
      1,
    );
    put.end();
    assert.equal((await put.status).code, status.OK);
    assert.deepEqual(put.ackPairs(), [
      [0, 3],
      [1, 5],
    ]);
    const records = emulator.records(TABLE);
    assert.deepEqual(
      records.map((r) => [r.offsetId, r.batchIndex, r.recordType, r.payload]),
      [
        [0, 0, 'arrow', '{"id":0,"name":"n0"}'],
        [0, 1, 'arrow', '{"id":1,"name":"n1"}'],
        [0, 2, 'arrow', '{"id":2,"name":"n2"}'],
        [1, 0, 'arrow', '{"id":3,"name":"n3"}'],
        [1, 1, 'arrow', '{"id":4,"name":null}'],
      ],
    );
    assert.deepEqual(records[4]?.row, { id: 4n, name: null });
    const stats = emulator.stats;
    assert.deepEqual(
      [stats.flightCalls, stats.flightBatches, stats.flightRows, stats.flightAcksSent, stats.streamsCreated],
      [1, 2, 5, 2, 1],
    );
  });

  it('writes to a Delta table and acknowledges the rows once durable', async (t) => {
    const { emulator, client } = await setup(t);
    const put = client.open(DELTA);
    const status_ = await put.putAll(rows(0, 2), rows(2, 3));
    assert.equal(status_.code, status.OK, status_.details);
    assert.deepEqual(put.ackPairs().at(-1), [1, 5]);
    assert.deepEqual(await deltaIds(emulator), range(0, 5));
  });

  it('decodes dictionary batches, which take no offset', async (t) => {
    const { emulator, client } = await setup(t);
    // tableFromArrays-style strings are dictionary-encoded: the dictionary is its own message.
    const table = arrowTable({
      id: fixedVector(new Int64(), [1n, 2n, 3n]),
      name: vectorFromArray(['a', 'b', 'a']),
    });
    const messages = tableMessages(table);
    assert.equal(messages.dictionaries.length, 1);
    const put = client.open(DELTA);
    assert.equal((await put.putAll(table)).code, status.OK);
    const { rows: read } = await readDeltaTable(emulator.catalog.table(DELTA)?.delta.dir as string, {
      orderBy: 'id',
    });
    assert.deepEqual(
      read.map((r) => r.name),
      ['a', 'b', 'a'],
    );
  });

  it('takes a FlightDescriptor PATH naming the table, as one element or three parts', async (t) => {
    const { client } = await setup(t);
    for (const path of [[TABLE], TABLE.split('.')]) {
      const put = client.open(TABLE);
      put.schema(rows(0, 1), path);
      await put.ready();
      put.end();
      assert.equal((await put.status).code, status.OK);
    }
    const put = client.open(TABLE);
    put.schema(rows(0, 1), ['main.default.other']);
    const result = await put.status;
    assert.equal(result.code, status.INVALID_ARGUMENT);
    assert.match(result.details, /FlightDescriptor path \["main.default.other"\] does not match/);
  });

  describe('refuses calls as EphemeralStream does, with the same statuses and messages', () => {
    async function both(
      emulator: Emulator,
      table: string,
      options: { token?: string | null; tableHeader?: string | null },
    ): Promise<[StatusObject, StatusObject]> {
      const raw = new RawClient(emulator);
      const flight = new FlightClient(emulator);
      try {
        const stream = raw.open(table, options);
        stream.create(table);
        const put = flight.open(table, options);
        put.schema(rows(0, 1));
        return [await stream.status, await put.status];
      } finally {
        raw.close();
        flight.close();
      }
    }

    const cases: [string, string, { token?: string | null; tableHeader?: string | null }, number][] = [
      ['no token', TABLE, { token: null }, status.UNAUTHENTICATED],
      ['an unknown token', TABLE, { token: 'nope' }, status.UNAUTHENTICATED],
      ['no table header', TABLE, { tableHeader: null }, status.INVALID_ARGUMENT],
      ['a malformed table name', 'main.default', {}, status.INVALID_ARGUMENT],
    ];
    for (const [what, table, options, code] of cases) {
      it(`${what}`, async (t) => {
        const { emulator } = await setup(t);
        const [ephemeral, flight] = await both(emulator, table, options);
        assert.equal(flight.code, code, flight.details);
        assert.deepEqual([flight.code, flight.details], [ephemeral.code, ephemeral.details]);
      });
    }

    it('a principal without a grant on the table', async (t) => {
      const { emulator } = await setup(t, {
        principals: [{ clientId: 'limited', clientSecret: 's', tables: ['main.default.other'] }],
      });
      const token = emulator.issueToken(TABLE, 'limited');
      const [ephemeral, flight] = await both(emulator, TABLE, { token });
      assert.equal(flight.code, status.PERMISSION_DENIED);
      assert.deepEqual([flight.code, flight.details], [ephemeral.code, ephemeral.details]);
    });

    it('an unknown table when auto-creation is off', async (t) => {
      const { emulator } = await setup(t, { autoCreateTables: false });
      const [ephemeral, flight] = await both(emulator, 'main.default.nope', {});
      assert.equal(flight.code, status.NOT_FOUND);
      assert.deepEqual([flight.code, flight.details], [ephemeral.code, ephemeral.details]);
    });
  });

  describe('rejections', () => {
    it('an offset_id out of order names both offsets; the batches before it are acknowledged first', async (t) => {
      const { emulator, client } = await setup(t);
      const put = client.open(DELTA);
      put.schema(rows(0, 1));
      put.batches(rows(0, 2), 0);
      put.batches(rows(2, 2), 1);
      put.batches(rows(4, 2), 3);
      put.batches(rows(6, 2), 4); // ignored: the call is ending
      const result = await put.status;
      assert.equal(result.code, status.INVALID_ARGUMENT);
      assert.equal(result.details, 'offset_id out of order: expected 2, got 3');
      assert.deepEqual(put.ackPairs().at(-1), [1, 4]);
      assert.deepEqual(await deltaIds(emulator), range(0, 4));
    });

    it('a record batch without app_metadata, or with one that is not {"offset_id": N}', async (t) => {
      const { client } = await setup(t);
      for (const [meta, pattern] of [
        [undefined, /record batch without app_metadata \{"offset_id": N\} \(expected offset_id 0/],
        [new TextEncoder().encode('{"offset":0}'), /needs an integer "offset_id"/],
        [new TextEncoder().encode('zero'), /app_metadata is not JSON/],
      ] as const) {
        const put = await ready(client);
        const [batch] = tableMessages(rows(0, 1)).batches;
        put.message(batch as NonNullable<typeof batch>, meta ? { appMetadata: meta } : {});
        const result = await put.status;
        assert.equal(result.code, status.INVALID_ARGUMENT);
        assert.match(result.details, pattern);
      }
    });

    it('a first message that is not the schema, a second schema, and bytes that are not FlightData', async (t) => {
      const { client } = await setup(t);
      const messages = tableMessages(rows(0, 1));
      const first = client.open(TABLE);
      first.message(messages.batches[0] as NonNullable<(typeof messages.batches)[0]>, {
        appMetadata: encodeBatchMetadata(0),
      });
      let result = await first.status;
      assert.equal(result.code, status.INVALID_ARGUMENT);
      assert.match(result.details, /first FlightData of a DoPut call must be the Arrow schema, got a record batch/);

      const twice = await ready(client);
      twice.schema(rows(0, 1));
      result = await twice.status;
      assert.equal(result.code, status.INVALID_ARGUMENT);
      assert.match(result.details, /schema may only be sent once/);

      const garbage = client.open(TABLE);
      garbage.send(new Uint8Array([0xff, 0xff, 0xff]));
      result = await garbage.status;
      assert.equal(result.code, status.INVALID_ARGUMENT);
      assert.match(result.details, /^malformed FlightData/);

      const noHeader = client.open(TABLE);
      noHeader.send({ dataHeader: new Uint8Array(0), dataBody: new Uint8Array(0) });
      result = await noHeader.status;
      assert.equal(result.code, status.INVALID_ARGUMENT);
      assert.match(result.details, /no data_header/);

      for (const header of [Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), new Uint8Array(64).fill(0xff)]) {
        const notIpc = client.open(TABLE);
        notIpc.send({ dataHeader: header, dataBody: new Uint8Array(0) });
        result = await notIpc.status;
        assert.equal(result.code, status.INVALID_ARGUMENT, result.details);
        assert.match(result.details, /^malformed FlightData: /);
      }
    });

    it('a record batch whose body is not valid Arrow IPC', async (t) => {
      const { client } = await setup(t);
      const put = await ready(client);
      const [batch] = tableMessages(rows(0, 4)).batches;
      const ipc = batch as NonNullable<typeof batch>;
      put.message({ header: ipc.header, body: ipc.body.subarray(0, 8) }, { appMetadata: encodeBatchMetadata(0) });
      const result = await put.status;
      assert.equal(result.code, status.INVALID_ARGUMENT);
      assert.match(result.details, /announces a \d+-byte body but data_body has 8 bytes/);
    });

    it('a null in a NOT NULL column names the offset, the row and the column; earlier batches stay', async (t) => {
      const { emulator, client } = await setup(t);
      await emulator.createDeltaTable('main.s.nn', [
        { name: 'id', type_text: 'bigint', nullable: false },
        { name: 'name', type_text: 'string', nullable: false },
      ]);
      const put = client.open('main.s.nn');
      put.schema(rows(0, 1));
      put.batches(rows(0, 2), 0);
      put.batches(
        rows(2, 3, (i) => (i === 3 ? null : 'x')),
        1,
      );
      const result = await put.status;
      assert.equal(result.code, status.INVALID_ARGUMENT);
      assert.equal(
        result.details,
        'invalid record at offset_id 1 (row 1 of the batch): field "name": expected string (NOT NULL), got null',
      );
      assert.deepEqual(put.ackPairs().at(-1), [0, 2]);
    });

    it('a compressed batch without a codec is UNIMPLEMENTED; with a registered codec it is decoded', async (t) => {
      const { emulator, client } = await setup(t);
      // A stand-in ZSTD codec (frame magic + raw bytes), registered only while it is needed.
      const magic = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd);
      const codec = {
        encode: (data: Uint8Array) => Uint8Array.from([...magic, ...data]),
        decode: (data: Uint8Array) => data.subarray(4),
      };
      compressionRegistry.set(CompressionType.ZSTD, codec);
      let bytes: Uint8Array;
      try {
        const writer = new RecordBatchStreamWriter({ compressionType: CompressionType.ZSTD });
        writer.write(rows(0, 3));
        writer.finish();
        bytes = writer.toUint8Array(true);
      } finally {
        compressionRegistry.set(CompressionType.ZSTD, null as never);
      }
      const { splitIpcStream } = await import('@zerobus/sdk/wire');
      const [schema, batch] = splitIpcStream(bytes) as [NonNullable<ReturnType<typeof splitIpcStream>[0]>, never];

      const refused = client.open(DELTA);
      refused.schema(schema);
      refused.message(batch, { appMetadata: encodeBatchMetadata(0) });
      const result = await refused.status;
      assert.equal(result.code, status.UNIMPLEMENTED);
      assert.match(result.details, /compressed with ZSTD/);

      compressionRegistry.set(CompressionType.ZSTD, codec);
      t.after(() => compressionRegistry.set(CompressionType.ZSTD, null as never));
      const accepted = client.open(DELTA);
      accepted.schema(schema);
      accepted.message(batch, { appMetadata: encodeBatchMetadata(0) });
      accepted.end();
      assert.equal((await accepted.status).code, status.OK);
      assert.deepEqual(await deltaIds(emulator), range(0, 3));
    });
  });

  describe('failFlightAfterRows (partial acknowledgement)', () => {
    it('commits and acknowledges only the first rows, ending inside a batch, then UNAVAILABLE', async (t) => {
      const { emulator, client } = await setup(t, { storeRecords: true });
      emulator.faults.failFlightAfterRows(5);
      const put = client.open(DELTA);
      put.schema(rows(0, 1));
      put.batches(rows(0, 3), 0);
      put.batches(rows(3, 3), 1);
      put.batches(rows(6, 3), 2);
      const result = await put.status;
      assert.equal(result.code, status.UNAVAILABLE);
      assert.equal(result.details, 'injected failure after 5 rows');
      assert.deepEqual(put.ackPairs().at(-1), [0, 5]);
      assert.deepEqual(await deltaIds(emulator), range(0, 5));
      assert.deepEqual(
        emulator.records(DELTA).map((r) => r.row?.id),
        range(0, 5),
      );

      // The client re-sends exactly the unacknowledged rows (a slice of batch 1, then batch 2).
      const again = client.open(DELTA);
      assert.equal((await again.putAll(rows(5, 1), rows(6, 3))).code, status.OK);
      assert.deepEqual(again.ackPairs().at(-1), [1, 4]);
      assert.deepEqual(await deltaIds(emulator), range(0, 9));
    });

    it('a cut on a batch boundary acknowledges that batch in full; status, message and times apply', async (t) => {
      const { client, emulator } = await setup(t);
      emulator.faults.failFlightAfterRows(3, { status: 'INTERNAL', message: 'cut', times: 2 });
      for (let call = 0; call < 2; call++) {
        const put = client.open(TABLE);
        put.schema(rows(0, 1));
        put.batches(rows(0, 3), 0);
        put.batches(rows(3, 3), 1);
        const result = await put.status;
        assert.deepEqual([result.code, result.details], [status.INTERNAL, 'cut']);
        assert.deepEqual(put.ackPairs().at(-1), [0, 3]);
      }
      const third = client.open(TABLE);
      assert.equal((await third.putAll(rows(0, 3), rows(3, 3))).code, status.OK);
    });

    it('rows = 0 commits nothing; the fault attaches to an open call, and passes on when a call ends first', async (t) => {
      const { client, emulator } = await setup(t, { storeRecords: true });
      const open = await ready(client, DELTA);
      emulator.faults.failFlightAfterRows(0);
      open.batches(rows(0, 2), 0);
      const result = await open.status;
      assert.equal(result.code, status.UNAVAILABLE);
      assert.deepEqual(open.ackPairs(), []);
      assert.equal(emulator.records(DELTA).length, 0);

      emulator.faults.failFlightAfterRows(10);
      const short = client.open(TABLE);
      assert.equal((await short.putAll(rows(0, 4))).code, status.OK);
      const next = client.open(TABLE);
      next.schema(rows(0, 1));
      next.batches(rows(0, 8), 0);
      next.batches(rows(8, 8), 1);
      assert.equal((await next.status).code, status.UNAVAILABLE);
      assert.deepEqual(next.ackPairs().at(-1), [0, 10]);
    });
  });

  describe('generic fault hooks', () => {
    it('failNextCall, failNextCreates and failActiveStreams end Flight calls too', async (t) => {
      const { emulator, client } = await setup(t);
      emulator.faults.failNextCall('UNAVAILABLE', 'later');
      const first = client.open(TABLE);
      assert.deepEqual([(await first.status).code, (await first.status).details], [status.UNAVAILABLE, 'later']);

      emulator.faults.failNextCreates(1, 'RESOURCE_EXHAUSTED');
      const second = client.open(TABLE);
      second.schema(rows(0, 1));
      assert.equal((await second.status).code, status.RESOURCE_EXHAUSTED);

      const open = await ready(client);
      assert.equal(emulator.faults.failActiveStreams('ABORTED', 'gone'), 1);
      assert.deepEqual([(await open.status).code, (await open.status).details], [status.ABORTED, 'gone']);
      assert.equal(emulator.faults.sendCloseSignal(0), 0, 'Flight has no close signal');
    });

    it('stopAcking withholds PutResults; resumeAcking sends the cumulative one', async (t) => {
      const { emulator, client } = await setup(t);
      const put = await ready(client, DELTA);
      emulator.faults.stopAcking();
      put.batches(rows(0, 2), 0);
      put.batches(rows(2, 2), 1);
      await emulator.waitFor(() => emulator.stats.flightRows === 4);
      assert.deepEqual(put.ackPairs(), []);
      emulator.faults.resumeAcking();
      assert.deepEqual(await put.ackedUpTo(1), { ackUpToOffset: 1, ackUpToRecords: 4 });
      put.end();
      assert.equal((await put.status).code, status.OK);
    });

    it('failAfterRequests counts record batches; revokeGrants ends the principal’s calls', async (t) => {
      const { emulator, client } = await setup(t);
      emulator.faults.failAfterRequests(2, 'INTERNAL', 'two', { ackFirst: true });
      const put = await ready(client);
      put.batches(rows(0, 1), 0);
      put.batches(rows(1, 1), 1);
      const result = await put.status;
      assert.deepEqual([result.code, result.details], [status.INTERNAL, 'two']);
      assert.deepEqual(put.ackPairs().at(-1), [1, 2]);

      const open = await ready(client);
      assert.equal(emulator.faults.revokeGrants('emulator-client'), 1);
      assert.equal((await open.status).code, status.PERMISSION_DENIED);
      const refused = client.open(TABLE);
      refused.schema(rows(0, 1));
      assert.equal((await refused.status).code, status.PERMISSION_DENIED);
    });

    it('dropConnections resets the connection under a Flight call', async (t) => {
      const { emulator, client } = await setup(t);
      const put = await ready(client);
      assert.equal(emulator.faults.dropConnections(), 1);
      assert.equal((await put.status).code, status.UNAVAILABLE);
      assert.equal(emulator.streams.length, 0);
      assert.equal(emulator.calls[0]?.status?.name, 'UNAVAILABLE');
    });
  });

  it('maxInflightRequests stops reading batches until acknowledgements catch up', async (t) => {
    const { emulator, client } = await setup(t, { maxInflightRequests: 2 });
    const put = await ready(client);
    emulator.faults.stopAcking();
    for (let i = 0; i < 6; i++) put.batches(rows(i, 1), i);
    await emulator.waitFor(() => emulator.stats.flightBatches >= 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(emulator.stats.flightBatches, 2);
    emulator.faults.resumeAcking();
    put.end();
    assert.equal((await put.status).code, status.OK);
    assert.deepEqual(put.ackPairs().at(-1), [5, 6]);
  });

  it('an ack-only emulator (storeRecords: false) counts and acknowledges schemaless rows without keeping them', async (t) => {
    const { emulator, client } = await setup(t, { storeRecords: false });
    const put = client.open(TABLE);
    assert.equal((await put.putAll(rows(0, 3), rows(3, 4))).code, status.OK);
    assert.deepEqual(put.ackPairs().at(-1), [1, 7]);
    assert.equal(emulator.records(TABLE).length, 0);
    assert.equal(emulator.stats.flightRows, 7);
  });
});
