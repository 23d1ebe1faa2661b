import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ZerobusSdk } from '@zerobus/sdk';
import { startChaosProxy } from '../support/chaos-proxy.js';
import { openChaosStream } from '../support/chaos-stream.js';
import { readDeltaTable } from '../support/delta-reader.js';
import { startEmulatorProcess } from '../support/emulator-process.js';
import { ucClient } from '../support/uc-client.js';

const RECORDS = 2_000;

describe('chaos against the server as a separate process', () => {
  it('random resets through a proxy: every acknowledged record is in the Delta table', async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'zerobus-chaos-'));
    const server = await startEmulatorProcess(['--data-dir', dataDir, '--commit-interval-ms', '5']);
    const proxy = await startChaosProxy(server.port, {
      seed: 42,
      resetProbability: 0.01,
      stallProbability: 0.02,
      stallMs: 30,
    });
    try {
      const uc = await ucClient(server.unityCatalogEndpoint);
      await uc('POST', '/catalogs', { name: 'main' });
      await uc('POST', '/schemas', { catalog_name: 'main', name: 'chaos' });
      await uc('POST', '/tables', {
        catalog_name: 'main',
        schema_name: 'chaos',
        name: 'events',
        columns: [{ name: 'id', type_text: 'bigint', nullable: false }],
      });
      const sdk = new ZerobusSdk(proxy.endpoint, server.unityCatalogEndpoint);
      const { stream, acked, ingestIds } = await openChaosStream(sdk, 'main.chaos.events');
      await ingestIds(RECORDS);
      await stream.flush();
      await stream.close();
      assert.equal(acked(), RECORDS - 1);
      const { rows } = await readDeltaTable(join(dataDir, 'main', 'chaos', 'events'));
      const ids = new Set(rows.map((r) => Number(r.id)));
      for (let id = 0; id < RECORDS; id++) assert.ok(ids.has(id), `id ${id}`);
      t.diagnostic(`${proxy.stats.resets} resets, ${rows.length - ids.size} duplicates`);
    } finally {
      await proxy.close();
      await server.kill();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
