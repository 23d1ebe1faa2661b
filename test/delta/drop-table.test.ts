/**
 * A Unity Catalog table dropped while streams write to it (PROTOCOL.md §13): the streams end with
 * NOT_FOUND naming the table, nothing is acknowledged that is not in the table's Delta log, and
 * nothing at all after the drop. Through the SDK against the real server; the table is copied at
 * the moment of the drop (the catalog's onTableDropped hook, which runs after the server ended the
 * streams and settled the table's commits, before the files go) and read back with DuckDB.
 */
import assert from 'node:assert/strict';
import { access, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { NonRetriableError, TableProperties, ZerobusSdk, type ZerobusStream } from '@zerobus/sdk';
import { Field, Int64, makeVector, Schema, Table } from 'apache-arrow';
import { readDeltaTable } from '../support/delta-reader.js';
import { ucClient } from '../support/uc-client.js';

const CLIENT = { clientId: 'emulator-client', clientSecret: 'emulator-secret' };
const COLUMNS = [{ name: 'id', type_text: 'bigint', nullable: false }];

interface Tracked {
  readonly stream: ZerobusStream;
  /** Highest logical offset acknowledged (= the id of the record: one record per request). */
  acked: number;
}
async function openTracked(emulator: Emulator, table: string, options: object = {}): Promise<Tracked> {
  const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
  const tracked = { acked: -1 } as Tracked & { stream: ZerobusStream };
  tracked.stream = await sdk.createStream(CLIENT.clientId, CLIENT.clientSecret, new TableProperties(table), {
    recordType: 'json',
    recoveryBackoffMs: 10,
    recoveryTimeoutMs: 2_000,
    ackCallback: {
      onAck: (offset) => {
        tracked.acked = Math.max(tracked.acked, offset);
      },
    },
    ...options,
  });
  return tracked;
}

/** Ingests ids 0, 1, 2... one request each until the stream fails; resolves with the count sent and the error. */
async function ingestUntilFailure(stream: ZerobusStream): Promise<{ sent: number; error: unknown }> {
  let sent = 0;
  try {
    for (;;) {
      const offset = await stream.ingestRecordOffset({ id: sent });
      assert.equal(offset, sent);
      sent++;
      if (sent % 200 === 0) await yieldToIo(); // let acks and the server's commits in
    }
  } catch (error) {
    return { sent, error };
  }
}

/** The ids in a copy of a Delta table, in order. */
async function idsIn(dir: string): Promise<number[]> {
  const { rows } = await readDeltaTable(dir, { orderBy: 'id' });
  return rows.map((r) => Number(r.id));
}

/** A non-retriable NOT_FOUND naming `table`: the stream's failure, or (STREAM_FAILED) the cause of a call made after it. */
function assertNotFound(error: unknown, table: string): void {
  if (error instanceof NonRetriableError && error.code === 'STREAM_FAILED') error = error.cause;
  assert.ok(error instanceof NonRetriableError, `expected a NonRetriableError, got ${String(error)}`);
  assert.equal(error.code, 'NOT_FOUND');
  assert.match(error.message, new RegExp(`table ${table.replaceAll('.', '\\.')} does not exist`));
}

/** Acknowledgements the server sent, on EphemeralStream and Arrow Flight calls. */
const acksSent = (emulator: Emulator) => emulator.stats.acksSent + emulator.stats.flightAcksSent;

/**
 * Copies every dropped table to `<into>/<full_name>` as it is when the server lets it go; returns
 * the server's count of acks sent then (per table name).
 */
function keepDroppedTables(emulator: Emulator, into: string): Map<string, number> {
  const acksSentAtDrop = new Map<string, number>();
  emulator.catalog.onTableDropped(async (info) => {
    acksSentAtDrop.set(info.full_name, acksSent(emulator));
    await cp(fileURLToPath(info.storage_location), join(into, info.full_name), { recursive: true });
  });
  return acksSentAtDrop;
}

/** Every record the client saw acknowledged is in the dropped table's copy, which holds only records sent. */
async function assertAckedAreDurable(copy: string, acked: number, sent: number): Promise<void> {
  const ids = (await idsIn(copy)).filter((id) => id >= 0);
  assert.ok(ids.length > acked, `${ids.length} records in the table, ${acked + 1} acknowledged`);
  // Commits land in order, so the table holds 0..n; records of a commit that landed during the
  // drop may be there unacknowledged (at least once), never a record that was not sent.
  assert.ok(ids.length <= sent && ids.every((id, i) => id === i), `ids ${ids.slice(0, 5)}... of ${sent} sent`);
}

describe('a table dropped while streams write to it', () => {
  it('ends the stream with NOT_FOUND; every acked record is in the Delta table, none is acked after the drop', async (t) => {
    const copies = await mkdtemp(join(tmpdir(), 'dropped-'));
    t.after(() => rm(copies, { recursive: true, force: true }));
    await using emulator = await startEmulator({ commitIntervalMs: 5 });
    const info = await emulator.createDeltaTable('main.g.t', COLUMNS);
    const tracked = await openTracked(emulator, 'main.g.t');
    const acksSentAtDrop = keepDroppedTables(emulator, copies);

    const ingesting = ingestUntilFailure(tracked.stream);
    // Drop it mid-stream, once commits are flowing (by its name in another case: the same table).
    await emulator.waitFor(() => tracked.acked >= 2_000, { timeoutMs: 30_000 });
    const uc = await ucClient(emulator.unityCatalogEndpoint);
    assert.equal((await uc('DELETE', '/tables/MAIN.G.T')).status, 200);
    const { sent, error } = await ingesting;

    assertNotFound(error, 'main.g.t');
    // The server sent no ack once the drop began.
    assert.equal(acksSent(emulator), acksSentAtDrop.get('main.g.t'));
    const acked = tracked.acked;
    assert.ok(acked >= 2_000 && acked < sent, `acked ${acked} of ${sent}`);
    await assertAckedAreDurable(join(copies, 'main.g.t'), acked, sent);
    // The rest stays with the client, in order.
    const unacked = tracked.stream.getUnackedRecords().map((r) => (JSON.parse(r as string) as { id: number }).id);
    assert.deepEqual(
      unacked,
      Array.from({ length: sent - acked - 1 }, (_, i) => acked + 1 + i),
    );
    // The table is gone: its files, its records, and a new stream to it.
    await assert.rejects(access(fileURLToPath(info.storage_location)), { code: 'ENOENT' });
    assert.deepEqual(emulator.tables, []);
    await assert.rejects(openTracked(emulator, 'main.g.t'), (e: unknown) => {
      assertNotFound(e, 'main.g.t');
      return true;
    });
  });

  it('ends the streams of every table of a catalog deleted with force, Arrow Flight ones too', async (t) => {
    const copies = await mkdtemp(join(tmpdir(), 'dropped-'));
    t.after(() => rm(copies, { recursive: true, force: true }));
    await using emulator = await startEmulator({ commitIntervalMs: 5 });
    await emulator.createDeltaTable('dev.a.one', COLUMNS);
    await emulator.createDeltaTable('dev.b.two', COLUMNS);
    const one = await openTracked(emulator, 'dev.a.one');
    const two = await openTracked(emulator, 'dev.b.two');
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    const arrow = await sdk.createArrowStream({
      table: 'dev.b.two',
      schema: new Schema([new Field('id', new Int64(), false)]),
      ...CLIENT,
      options: { recoveryBackoffMs: 10 },
    });
    const acksSentAtDrop = keepDroppedTables(emulator, copies);
    const ingesting = [ingestUntilFailure(one.stream), ingestUntilFailure(two.stream)] as const;
    await arrow.ingestBatchOffset(new Table({ id: makeVector(BigInt64Array.from([-1n, -2n])) }).batches[0]!);
    await arrow.flush();
    await emulator.waitFor(() => one.acked >= 200 && two.acked >= 200, { timeoutMs: 30_000 });

    await emulator.catalog.deleteCatalog('DEV', true);
    for (const [name, tracked, result] of [
      ['dev.a.one', one, await ingesting[0]],
      ['dev.b.two', two, await ingesting[1]],
    ] as const) {
      assertNotFound(result.error, name);
      await assertAckedAreDurable(join(copies, name), tracked.acked, result.sent);
    }
    // The tables go one by one (dev.b.two last): no ack once the last drop began.
    assert.deepEqual([...acksSentAtDrop.keys()], ['dev.a.one', 'dev.b.two']);
    assert.equal(acksSent(emulator), acksSentAtDrop.get('dev.b.two'));
    const late = new Table({ id: makeVector(BigInt64Array.from([-3n])) }).batches[0]!;
    await assert.rejects(
      arrow.ingestBatchOffset(late).then(() => arrow.flush()),
      (e: unknown) => {
        assertNotFound(e, 'dev.b.two');
        return true;
      },
    );
    assert.deepEqual(emulator.catalog.listCatalogs(), []);
  });

  it('a stream recovering when its table is dropped fails with NOT_FOUND at create, its unacked records kept', async () => {
    await using emulator = await startEmulator({ commitIntervalMs: 5 });
    await emulator.createDeltaTable('main.g.t', COLUMNS);
    const { stream } = await openTracked(emulator, 'main.g.t', { recoveryRetries: 1_000 });
    await stream.ingestRecordsOffset([{ id: 0 }, { id: 1 }]);
    await stream.flush();
    emulator.faults.stopAcking();
    await stream.ingestRecordOffset({ id: 2 });
    await stream.ingestRecordOffset({ id: 3 });
    await emulator.waitFor((e) => e.streams[0]?.nextOffsetId === 2);
    // The stream's call fails and its recoveries keep failing, until the table is gone.
    emulator.faults.failNextCreates(1_000, 'UNAVAILABLE');
    emulator.faults.failActiveStreams('UNAVAILABLE');
    await emulator.waitFor((e) => e.calls.filter((c) => c.status?.name === 'UNAVAILABLE').length >= 3);
    await emulator.catalog.deleteTable('main.g.t');
    emulator.faults.reset();

    await assert.rejects(stream.flush(), (e: unknown) => {
      assertNotFound(e, 'main.g.t');
      return true;
    });
    assert.equal(emulator.calls.at(-1)?.status?.name, 'NOT_FOUND');
    assert.deepEqual(stream.getUnackedRecords(), ['{"id":2}', '{"id":3}']);
    assert.deepEqual(emulator.tables, []);
  });
});
