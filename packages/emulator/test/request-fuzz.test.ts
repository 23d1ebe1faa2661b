import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { setup } from './support/raw-client.js';

/**
 * Random bytes as messages of a call, before and after a valid create_stream: every call ends
 * with a status (never a hang), malformed bytes are INVALID_ARGUMENT, and the server keeps
 * serving normal streams afterwards.
 */
it('random request bytes end calls cleanly and never take the server down', async (t) => {
  const { emulator, client } = await setup(t, { commitIntervalMs: 1 });
  await emulator.createDeltaTable('main.fuzz.t', [{ name: 'id', type_text: 'bigint', nullable: false }]);
  const samples = fc.sample(fc.record({ bytes: fc.uint8Array({ maxLength: 64 }), create: fc.boolean() }), {
    seed: 5,
    numRuns: 60,
  });
  for (const { bytes, create } of samples) {
    for (const table of ['main.fuzz.t', 'main.fuzz.schemaless']) {
      const stream = client.open(table);
      if (create) {
        stream.create(table);
        await stream.created();
      }
      stream.send(bytes);
      // Half-close: bytes that happen to form a valid request end with OK once acknowledged.
      stream.call.end();
      const status = await stream.status;
      assert.ok(
        status.code === 0 || status.code === 3,
        `OK or INVALID_ARGUMENT, got ${status.code}: ${status.details}`,
      );
      if (status.code !== 0) assert.ok(status.details.length > 0, 'a failure says why');
    }
  }
  // Still serving.
  const ok = client.open('main.fuzz.t');
  ok.create('main.fuzz.t');
  await ok.created();
  ok.json(0, '{"id":1}');
  await ok.ackedUpTo(0);
  ok.call.end();
  assert.equal((await ok.status).code, 0);
});
