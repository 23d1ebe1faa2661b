import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { fetchTableSchema } from '@zerobus/sdk';
import { schemaToProtoFile, schemaToTypeScript } from '@zerobus/sdk/schema';
import { ALL_TYPES_COLUMNS } from '../support/all-types.js';

const CLI = new URL('../../packages/cli/src/main.ts', import.meta.url).pathname;

/** Runs `zerobus …` as a process, without blocking this one (it serves the CLI's requests). */
function zerobus(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@zerobus/source', '--import', 'tsx', CLI, ...args],
      { encoding: 'utf8', env: { ...process.env, ...env } },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('zerobus generate-proto', () => {
  let emulator: Emulator;
  let dir: string;
  let flags: string[];
  before(async () => {
    emulator = await startEmulator();
    await emulator.createDeltaTable('main.types.all', ALL_TYPES_COLUMNS);
    await emulator.createDeltaTable('main.types.nested_arrays', [{ name: 'grid', type_text: 'array<array<int>>' }]);
    dir = await mkdtemp(join(tmpdir(), 'zerobus-gen-'));
    flags = ['--uc-endpoint', emulator.unityCatalogEndpoint, '--client-id', 'emulator-client'];
  });
  after(async () => {
    await emulator.close();
    await rm(dir, { recursive: true });
  });

  it('writes the proto2 file and the TypeScript module the SDK generates for the table', async () => {
    const output = join(dir, 'all.proto');
    const run = await zerobus(
      ['generate-proto', ...flags, '--client-secret', 'emulator-secret', '--table', 'main.types.all'].concat([
        '--output',
        output,
        '--proto-msg',
        'Row',
        '--lang',
        'both',
      ]),
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /main\.types\.all \(17 columns\) → .*all\.proto, .*all\.ts/);
    const schema = await fetchTableSchema('main.types.all', {
      unityCatalogEndpoint: emulator.unityCatalogEndpoint,
      clientId: 'emulator-client',
      clientSecret: 'emulator-secret',
    });
    const options = { messageName: 'Row', tableName: 'main.types.all' };
    assert.equal(await readFile(output, 'utf8'), schemaToProtoFile(schema, options));
    assert.equal(await readFile(join(dir, 'all.ts'), 'utf8'), schemaToTypeScript(schema, options));
  });

  it('takes credentials from the environment and writes to standard output', async () => {
    const run = await zerobus(['generate-proto', '--table', 'main.types.all'], {
      DATABRICKS_HOST: emulator.unityCatalogEndpoint,
      DATABRICKS_CLIENT_ID: 'emulator-client',
      DATABRICKS_CLIENT_SECRET: 'emulator-secret',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^syntax = "proto2";$/m);
    assert.match(run.stdout, /^message all \{$/m, 'the message is named after the table by default');
    const ts = await zerobus(['generate-proto', '--table', 'main.types.all', '--lang', 'ts'], {
      DATABRICKS_HOST: emulator.unityCatalogEndpoint,
      DATABRICKS_CLIENT_ID: 'emulator-client',
      DATABRICKS_CLIENT_SECRET: 'emulator-secret',
    });
    assert.equal(ts.status, 0, ts.stderr);
    assert.match(ts.stdout, /^export interface All \{$/m, 'a TypeScript record interface in PascalCase');
    assert.match(ts.stdout, /new TableProperties<All>\(tableName/, 'a typed tableProperties');
  });

  it('exits 1 naming the column it cannot map, the table it cannot find, or refused credentials', async () => {
    const secret = ['--client-secret', 'emulator-secret'];
    const nested = await zerobus(['generate-proto', ...flags, ...secret, '--table', 'main.types.nested_arrays']);
    assert.equal(nested.status, 1);
    assert.match(nested.stderr, /column "grid".*nested arrays/);
    const missing = await zerobus(['generate-proto', ...flags, ...secret, '--table', 'main.types.nope']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /table main\.types\.nope was not found/);
    const refused = await zerobus([
      'generate-proto',
      ...flags,
      '--client-secret',
      'bad-s3cret',
      '--table',
      'main.types.all',
    ]);
    assert.equal(refused.status, 1);
    assert.doesNotMatch(refused.stderr, /bad-s3cret/);
  });

  it('exits 1 on bad usage, pointing at the help', async () => {
    const noTable = await zerobus(['generate-proto', ...flags, '--client-secret', 'x']);
    assert.equal(noTable.status, 1);
    assert.equal(noTable.stderr, 'zerobus: --table is required\nRun "zerobus generate-proto --help" for usage.\n');
    const noSecret = await zerobus(['generate-proto', ...flags, '--table', 'main.types.all'], {
      DATABRICKS_CLIENT_SECRET: '',
    });
    assert.equal(noSecret.status, 1);
    assert.match(noSecret.stderr, /--client-secret \(or DATABRICKS_CLIENT_SECRET\) is required/);
    const lang = await zerobus(['generate-proto', '--table', 'a.b.c', '--lang', 'rust']);
    assert.equal(lang.status, 1);
    const help = await zerobus(['generate-proto', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--proto-msg NAME/);
  });
});
