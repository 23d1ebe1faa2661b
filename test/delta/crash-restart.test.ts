import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { ALL_TYPES_COLUMNS, allTypesJsonRecord, allTypesRow } from '../support/all-types.js';
import { readDeltaTable } from '../support/delta-reader.js';
import { type EmulatorProcess, startEmulatorProcess } from '../support/emulator-process.js';
import { ucClient } from '../support/uc-client.js';

const TOTAL = 10_000;

describe('durability: SIGKILL of the server process', () => {
  it('loses no acknowledged record, and a restarted server on the same data directory takes the stream back', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'zerobus-crash-'));
    let server: EmulatorProcess | undefined;
    try {
      server = await startEmulatorProcess(['--data-dir', dataDir, '--commit-interval-ms', '5']);
      const uc = await ucClient(server.unityCatalogEndpoint);
      await uc('POST', '/catalogs', { name: 'main' });
      await uc('POST', '/schemas', { catalog_name: 'main', name: 's' });
      const created = await uc('POST', '/tables', {
        catalog_name: 'main',
        schema_name: 's',
        name: 'events',
        columns: ALL_TYPES_COLUMNS,
      });
      assert.equal(created.status, 200);
      const tableDir = join(dataDir, 'main', 's', 'events');

      let acked = -1;
      const sdk = new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint);
      const stream = await sdk.createStream(
        'emulator-client',
        'emulator-secret',
        new TableProperties('main.s.events'),
        {
          recordType: 'json',
          recoveryBackoffMs: 100,
          recoveryRetries: 100,
          recoveryTimeoutMs: 2_000,
          ackCallback: {
            onAck(offset) {
              acked = offset;
            },
          },
        },
      );
      const killAt = TOTAL / 4;
      let killed: Promise<number> | undefined;
      for (let id = 0; id < TOTAL; id++) {
        // One record per call: offset === id, so "acknowledged up to offset N" means ids 0..N.
        if (!stream.ingestRecordNowait(allTypesJsonRecord(id))) await stream.ready();
        if (!killed && acked >= killAt) {
          const victim = server;
          killed = victim.kill('SIGKILL').then(() => acked);
        }
        if (id % 500 === 0) await new Promise((r) => setImmediate(r));
      }
      while (!killed) {
        await new Promise((r) => setTimeout(r, 5));
        if (acked >= killAt) killed = server.kill('SIGKILL').then(() => acked);
      }
      const ackedAtKill = await killed;

      const afterCrash = await readDeltaTable(tableDir);
      const ids = new Set(afterCrash.rows.map((r) => Number(r.id)));
      for (let id = 0; id <= ackedAtKill; id++) assert.ok(ids.has(id), `acknowledged id ${id} is in the table`);

      server = await startEmulatorProcess([
        '--data-dir',
        dataDir,
        '--port',
        String(server.port),
        '--http-port',
        String(server.httpPort),
      ]);
      await stream.flush();
      await stream.close();
      const final = await readDeltaTable(tableDir, { orderBy: 'id' });
      // Every value of every type, written before and after the crash, reads back exactly.
      for (const row of final.rows) assert.deepEqual(row, allTypesRow(Number(row.id)));
      const counts = new Map<number, number>();
      for (const row of final.rows) counts.set(Number(row.id), (counts.get(Number(row.id)) ?? 0) + 1);
      for (let id = 0; id < TOTAL; id++) assert.ok(counts.has(id), `id ${id} is in the table`);
      const duplicates = final.rows.length - TOTAL;
      assert.ok(duplicates >= 0);
      // Only requests re-sent after the crash can be duplicated: they were not acknowledged before it.
      for (const [id, n] of counts) if (n > 1) assert.ok(id > ackedAtKill, `id ${id} duplicated but was acknowledged`);
    } finally {
      await server?.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
