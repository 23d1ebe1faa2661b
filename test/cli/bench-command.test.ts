/** `zerobus bench` as a process, with a tiny number of records. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zerobus } from '../support/cli-process.js';

describe('zerobus bench', () => {
  it('measures JSON and proto ingestion against a child ack-only server, as JSON lines', async () => {
    const run = await zerobus(['bench', '--records', '2000', '--size', '100', '--json']);
    assert.equal(run.status, 0, run.stderr);
    const results = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      results.map((r) => [r.type, r.records, r.sizeBytes, r.bytes]),
      [
        ['json', 2000, 100, 200_000],
        ['proto', 2000, 100, 200_000],
      ],
    );
    for (const r of results) {
      assert.ok(r.seconds > 0 && r.recordsPerSecond > 0 && r.mbPerSecond > 0, JSON.stringify(r));
    }
  });

  it('prints a human summary with an in-process server; bad usage exits 1', async () => {
    const [human, help, size, type] = await Promise.all([
      zerobus(['bench', '--records', '500', '--size', '64', '--type', 'proto', '--in-process']),
      zerobus(['bench', '--help']),
      zerobus(['bench', '--size', '8']),
      zerobus(['bench', '--type', 'xml']),
    ]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /^zerobus bench: 500 records of 64 B per record type, .*\(in-process\)/);
    assert.match(human.stdout, /^proto +500 records {2}[\d.]+ s {2}[\d,]+ records\/s {2}[\d.]+ MB\/s$/m);
    assert.doesNotMatch(human.stdout, /^json/m);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--records N/);
    for (const [run, message] of [
      [size, /--size must be at least 32 bytes/],
      [type, /--type must be json, proto, both/],
    ] as const) {
      assert.equal(run.status, 1);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /\nRun "zerobus bench --help" for usage\.\n$/);
    }
  });

  it('lists every command in "zerobus --help"', async () => {
    const run = await zerobus(['--help']);
    assert.equal(run.status, 0);
    for (const command of ['ingest', 'tables', 'generate-proto', 'emulator', 'bench']) {
      assert.match(run.stdout, new RegExp(`^  ${command} +\\S`, 'm'));
    }
    assert.match(run.stdout, /Exit codes: 0 success; 1 failure: bad usage/);
    assert.doesNotMatch(run.stdout, /\b2 bad usage/);
  });
});
