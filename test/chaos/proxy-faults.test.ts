import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { ZerobusError, ZerobusSdk } from '@zerobus/sdk';
import { startChaosProxy } from '../support/chaos-proxy.js';
import { openChaosStream } from '../support/chaos-stream.js';
import { readDeltaTable } from '../support/delta-reader.js';

// CI runs a short form; `npm run soak` runs many seeds with more records.
const SOAK = process.env.ZEROBUS_SOAK === '1';
const RECORDS = SOAK ? 30_000 : 3_000;
const SEEDS = SOAK ? Array.from({ length: 20 }, (_, i) => i + 1) : [1, 2, 3];

/**
 * Records go through a proxy that resets and stalls connections at random (seeded) points; the
 * invariant is checked by reading the Delta table back: every acknowledged offset is in the
 * table, every record missing from it was reported (rejected wait or getUnackedRecords), and
 * duplicates come only from re-sent requests.
 */
for (const seed of SEEDS) {
  describe(`chaos: random resets and stalls (seed ${seed})`, () => {
    it('keeps every acknowledged record and reports every other one', async (t) => {
      await using emulator = await startEmulator({ commitIntervalMs: 5 });
      await emulator.createDeltaTable('main.chaos.events', [{ name: 'id', type_text: 'bigint', nullable: false }]);
      const proxy = await startChaosProxy(emulator.port, {
        seed,
        resetProbability: 0.01,
        stallProbability: 0.02,
        stallMs: 50,
      });
      try {
        const sdk = new ZerobusSdk(proxy.endpoint, emulator.unityCatalogEndpoint);
        const { stream, acked: ackedNow, ingestIds } = await openChaosStream(sdk, 'main.chaos.events');
        await ingestIds(RECORDS);
        let failure: unknown;
        try {
          await stream.flush();
          await stream.close();
        } catch (error) {
          failure = error;
        }
        proxy.calm();
        const acked = ackedNow();
        const { rows } = await readDeltaTable(emulator.catalog.table('main.chaos.events')?.delta.dir as string);
        const counts = new Map<number, number>();
        for (const row of rows) counts.set(Number(row.id), (counts.get(Number(row.id)) ?? 0) + 1);
        for (let id = 0; id <= acked; id++) assert.ok(counts.has(id), `acknowledged id ${id} is in the table`);
        if (failure === undefined) {
          assert.equal(acked, RECORDS - 1);
        } else {
          assert.ok(failure instanceof ZerobusError);
          const reported = new Set(
            stream.getUnackedRecords().map((r) => (JSON.parse(r as string) as { id: number }).id),
          );
          for (let id = 0; id < RECORDS; id++)
            assert.ok(counts.has(id) || reported.has(id), `id ${id} is stored or reported`);
        }
        const duplicates = rows.length - counts.size;
        // A duplicate is a request sent again on a new connection: at most one window per connection.
        assert.ok(duplicates <= proxy.stats.connections * 200, `${duplicates} duplicates`);
        t.diagnostic(
          `seed ${seed}: ${proxy.stats.connections} connections, ${proxy.stats.resets} resets, ` +
            `${proxy.stats.stalls} stalls, ${duplicates} duplicates, ${failure ? 'stream failed' : 'all acknowledged'}`,
        );
      } finally {
        await proxy.close();
      }
    });
  });
}
