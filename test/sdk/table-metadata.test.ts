import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from '@zerobus/emulator';
import { fetchTableSchema, NonRetriableError, ZerobusError } from '@zerobus/sdk';
import { schemaFromUcColumns, typeText } from '@zerobus/sdk/schema';
import { ALL_TYPES_COLUMNS } from '../support/all-types.js';

const ACCESS = { clientId: 'emulator-client', clientSecret: 'emulator-secret' };

describe('fetchTableSchema (Unity Catalog table metadata)', () => {
  it('reads every column type of a table from the local server', async () => {
    await using emulator = await startEmulator();
    await emulator.createDeltaTable('main.types.all', ALL_TYPES_COLUMNS);
    const schema = await fetchTableSchema('main.types.all', {
      ...ACCESS,
      unityCatalogEndpoint: emulator.unityCatalogEndpoint,
    });
    const summary = (s: typeof schema) => s.fields.map((f) => [f.name, typeText(f.type), f.nullable]);
    assert.deepEqual(summary(schema), summary(schemaFromUcColumns(ALL_TYPES_COLUMNS)));
    assert.equal(emulator.tokenRequests.at(-1)?.status, 200);
  });

  it('says which table was not found, and that retrying cannot help', async () => {
    await using emulator = await startEmulator();
    await assert.rejects(
      fetchTableSchema('main.nope.t', { ...ACCESS, unityCatalogEndpoint: emulator.unityCatalogEndpoint }),
      (e: unknown) => e instanceof NonRetriableError && e.code === 'NOT_FOUND' && /main\.nope\.t/.test(e.message),
    );
  });

  it('refuses bad credentials without showing the secret', async () => {
    await using emulator = await startEmulator();
    await emulator.createDeltaTable('main.s.t', [{ name: 'id', type_text: 'bigint' }]);
    await assert.rejects(
      fetchTableSchema('main.s.t', {
        clientId: 'emulator-client',
        clientSecret: 'wrong-secret-4711',
        unityCatalogEndpoint: emulator.unityCatalogEndpoint,
      }),
      (e: unknown) => e instanceof NonRetriableError && e.code === 'AUTH_FAILED' && !String(e.message).includes('4711'),
    );
  });

  it('rejects a malformed table name before any request, and an unreachable server as retriable', async () => {
    await assert.rejects(fetchTableSchema('just_a_table', { ...ACCESS, unityCatalogEndpoint: 'http://127.0.0.1:9' }), {
      code: 'INVALID_TABLE_NAME',
    });
    const emulator = await startEmulator();
    const endpoint = emulator.unityCatalogEndpoint;
    await emulator.close(); // nothing listens there any more
    await assert.rejects(
      fetchTableSchema('main.s.t', { ...ACCESS, unityCatalogEndpoint: endpoint }),
      (e: unknown) => e instanceof ZerobusError && e.retriable && e.code === 'AUTH_UNAVAILABLE',
    );
  });

  it('honours an AbortSignal', async () => {
    await using emulator = await startEmulator();
    await assert.rejects(
      fetchTableSchema('main.s.t', {
        ...ACCESS,
        unityCatalogEndpoint: emulator.unityCatalogEndpoint,
        signal: AbortSignal.abort(),
      }),
      { code: 'ABORTED' },
    );
  });
});
