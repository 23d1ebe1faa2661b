import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WireRecordType } from '@zerobus/sdk/wire';
import { readDeltaTable } from '../../../test/support/delta-reader.js';
import { RecentLog } from '../src/state.js';
import { setup } from './support/raw-client.js';

const MEMORY_TABLE = 'main.default.scratch';
const DELTA_TABLE = 'main.default.events';

async function writeBoth(
  options: Parameters<typeof setup>[1],
  t: Parameters<typeof setup>[0],
): Promise<Awaited<ReturnType<typeof setup>>> {
  const { emulator, client } = await setup(t, { commitIntervalMs: 1, autoCreateTables: true, ...options });
  await emulator.createDeltaTable(DELTA_TABLE, [{ name: 'n', type_text: 'bigint' }]);
  for (const table of [MEMORY_TABLE, DELTA_TABLE]) {
    const stream = client.open(table);
    stream.create(table, WireRecordType.JSON);
    await stream.created();
    stream.jsonBatch(0, '{"n":1}', '{"n":2}');
    await stream.ackedUpTo(0);
    stream.call.end();
    await stream.status;
  }
  return { emulator, client };
}

describe('what the server keeps in memory (storeRecords)', () => {
  it('by default keeps the records of in-memory tables, and none of Delta tables: they are on disk', async (t) => {
    const { emulator } = await writeBoth({}, t);
    assert.deepEqual(
      emulator.records(MEMORY_TABLE).map((r) => r.payload),
      ['{"n":1}', '{"n":2}'],
    );
    assert.throws(
      () => emulator.records(DELTA_TABLE),
      /records of Delta table main\.default\.events are not kept in memory: start the emulator with storeRecords: true/,
    );
    await assert.rejects(emulator.waitForRecords(DELTA_TABLE, 1), /main\.default\.events are not kept in memory/);
    assert.equal(emulator.stats.recordsStored, 4, 'every record is counted');
    const dir = fileURLToPath(emulator.catalog.getTable(DELTA_TABLE).storage_location);
    const read = await readDeltaTable(dir, { orderBy: 'n' });
    assert.deepEqual(
      read.rows.map((r) => r.n),
      [1n, 2n],
    );
  });

  it('storeRecords: true keeps a copy of the records of Delta tables too', async (t) => {
    const { emulator } = await writeBoth({ storeRecords: true }, t);
    assert.deepEqual(
      emulator.records(DELTA_TABLE).map((r) => r.payload),
      ['{"n":1}', '{"n":2}'],
    );
    assert.equal(emulator.records(MEMORY_TABLE).length, 2);
  });

  it('storeRecords: false keeps nothing', async (t) => {
    const { emulator } = await writeBoth({ storeRecords: false }, t);
    assert.deepEqual(emulator.records(MEMORY_TABLE), []);
    assert.throws(() => emulator.records(DELTA_TABLE), /not kept in memory/);
    assert.equal(emulator.stats.recordsStored, 4);
  });

  it('refuses a storeRecords that is not a boolean', async (t) => {
    await assert.rejects(
      setup(t, { storeRecords: 'yes' as unknown as boolean }),
      /emulator option storeRecords must be true, false or left out, got "yes"/,
    );
  });
});

describe('the call log', () => {
  it('keeps the last 1,000 calls while stats count every call', async (t) => {
    const { emulator, client } = await setup(t, { autoCreateTables: true });
    const total = 1_010;
    for (let i = 0; i < total; i += 101) {
      // A call without a token ends at once with UNAUTHENTICATED: the cheapest complete call.
      const calls = Array.from({ length: Math.min(101, total - i) }, () => client.open(MEMORY_TABLE, { token: null }));
      await Promise.all(calls.map((call) => call.status));
    }
    await emulator.waitFor((e) => e.stats.callsOpened === total);
    const calls = emulator.calls;
    assert.equal(calls.length, 1_000);
    assert.deepEqual(
      [calls[0]?.id, calls.at(-1)?.id],
      [total - 999, total],
      'the oldest calls were dropped, the order is kept',
    );
    assert.ok(calls.every((c) => c.status?.name === 'UNAUTHENTICATED'));
  });

  it('RecentLog holds the newest entries, oldest first, at every fill level', () => {
    for (const limit of [1, 2, 5]) {
      const log = new RecentLog<number>(limit);
      for (let n = 1; n <= 12; n++) {
        log.push(n);
        const expected = Array.from({ length: Math.min(n, limit) }, (_, i) => n - Math.min(n, limit) + 1 + i);
        assert.deepEqual(log.toArray(), expected, `limit ${limit} after ${n}`);
        assert.equal(log.size, expected.length);
      }
    }
    assert.throws(() => new RecentLog(0), /at least 1 entry/);
  });
});
