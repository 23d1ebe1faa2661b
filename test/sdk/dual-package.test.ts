/**
 * The dual-package hazard: the SDK's ESM and CommonJS builds loaded side by side in one process
 * (a CommonJS module made by `zerobus generate-proto --lang ts` in a default `npm init -y` app,
 * next to ESM code) must recognise each other's TableProperties and errors. Built from the
 * sources with the package's own tsup config into a throwaway app under node_modules/.cache,
 * whose copy of @zerobus/sdk has no `@zerobus/source` condition, so both loads go through dist/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startEmulator } from '@zerobus/emulator';
import { schemaFromUcColumns, schemaToTypeScript } from '@zerobus/sdk/schema';
import { transformSync } from 'esbuild';
import { CLIENT_ID, CLIENT_SECRET } from '../support/harness.js';

type Sdk = typeof import('@zerobus/sdk');
type SchemaModule = typeof import('@zerobus/sdk/schema');

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SDK_DIR = join(ROOT, 'packages/sdk');
const TABLE = 'main.dual.events';

/** Drops the `@zerobus/source` export condition, so both `import` and `require` resolve into dist/. */
function withoutSourceCondition(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== '@zerobus/source')
      .map(([key, inner]) => [key, withoutSourceCondition(inner)]),
  );
}

describe('ESM and CommonJS copies of the SDK in one process', () => {
  let dir: string;
  let esm: Sdk;
  let cjs: Sdk;
  let cjsSchema: SchemaModule;
  let generated: { tableProperties: InstanceType<Sdk['TableProperties']> };

  before(() => {
    mkdirSync(join(ROOT, 'node_modules/.cache'), { recursive: true });
    dir = mkdtempSync(join(ROOT, 'node_modules/.cache/zerobus-dual-package-'));
    const app = join(dir, 'app');
    const copy = join(app, 'node_modules/@zerobus/sdk');
    mkdirSync(copy, { recursive: true });
    // `npm init -y`: no "type", so .js files are CommonJS.
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', main: 'index.js' }));
    const manifest = JSON.parse(readFileSync(join(SDK_DIR, 'package.json'), 'utf8'));
    writeFileSync(
      join(copy, 'package.json'),
      JSON.stringify({ ...manifest, exports: withoutSourceCondition(manifest.exports) }),
    );
    const build = spawnSync('npx', ['tsup', '--out-dir', join(copy, 'dist'), '--no-dts', '--silent'], {
      cwd: SDK_DIR,
      encoding: 'utf8',
    });
    assert.equal(build.status, 0, `tsup failed: ${build.stderr}`);

    // The module `zerobus generate-proto --lang ts` writes, compiled as tsc would for CommonJS.
    const schema = schemaFromUcColumns([
      { name: 'device', type_text: 'string', nullable: false },
      { name: 'temp', type_text: 'double' },
    ]);
    const source = schemaToTypeScript(schema, { messageName: 'Event', tableName: TABLE });
    writeFileSync(join(app, 'events.js'), transformSync(source, { loader: 'ts', format: 'cjs' }).code);
    const requireFromApp = createRequire(join(app, 'index.js'));
    generated = requireFromApp('./events.js');
    cjs = requireFromApp('@zerobus/sdk');
    cjsSchema = requireFromApp('@zerobus/sdk/schema');
  });

  before(async () => {
    esm = await import(pathToFileURL(join(dir, 'app/node_modules/@zerobus/sdk/dist/index.js')).href);
    // Really two copies: otherwise this test proves nothing.
    assert.notEqual(esm.TableProperties, cjs.TableProperties);
    assert.notEqual(esm.ZerobusError, cjs.ZerobusError);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an ESM SDK ingests with the TableProperties of a CommonJS generated module', async () => {
    const emulator = await startEmulator({ autoCreateTables: true });
    const sdk = new esm.ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    try {
      assert.ok(generated.tableProperties instanceof esm.TableProperties);
      assert.ok(new esm.TableProperties(TABLE) instanceof cjs.TableProperties);
      assert.ok(!({ tableName: TABLE } instanceof esm.TableProperties), 'a look-alike object is no TableProperties');
      const stream = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, generated.tableProperties);
      await stream.ingestRecordOffset({ device: 'pump-7', temp: 21.5 });
      // The table schema of the CommonJS copy checks records in the ESM copy too.
      await assert.rejects(stream.ingestRecordOffset({ device: 'pump-8', temp: 'warm' }), (error) => {
        assert.ok(error instanceof cjs.InvalidRecordError, 'an ESM error is a CommonJS InvalidRecordError');
        assert.equal((error as InstanceType<Sdk['InvalidRecordError']>).field, 'temp');
        return true;
      });
      await stream.close();
      assert.equal(emulator.records(TABLE).length, 1);
      assert.equal(emulator.calls[0]?.recordType, 'proto');
    } finally {
      await emulator.close();
    }
  });

  it('errors of either copy are instances of the other copy’s classes, and only of the right ones', () => {
    for (const [made, checked] of [
      [cjs, esm],
      [esm, cjs],
    ] as const) {
      const invalid = new made.InvalidRecordError('bad', { field: 'temp', recordIndex: 2 });
      assert.ok(invalid instanceof checked.InvalidRecordError);
      assert.ok(invalid instanceof checked.NonRetriableError);
      assert.ok(invalid instanceof checked.ZerobusError);
      assert.ok(invalid instanceof Error);
      const retriable = new made.ZerobusError('CONNECTION', 'dropped');
      assert.ok(retriable instanceof checked.ZerobusError);
      assert.ok(!(retriable instanceof checked.NonRetriableError));
      assert.ok(!(retriable instanceof checked.InvalidRecordError));
      assert.ok(!(new Error('plain') instanceof checked.ZerobusError));
      assert.ok(!((null as unknown) instanceof checked.ZerobusError));
      assert.ok(!(new made.TableProperties(TABLE) instanceof checked.ZerobusError));
    }
    // The CommonJS build bundles `@zerobus/sdk/schema` apart from `@zerobus/sdk`: two more copies.
    const schemaError = (() => {
      try {
        cjsSchema.parseTypeText('array<int');
      } catch (error) {
        return error;
      }
    })();
    assert.ok(schemaError instanceof cjsSchema.SchemaError);
    assert.ok(schemaError instanceof cjs.NonRetriableError);
    assert.ok(schemaError instanceof esm.ZerobusError);
    assert.ok(!(new cjs.NonRetriableError('INVALID_SCHEMA', 'x') instanceof cjsSchema.SchemaError));
  });

  it('a user subclass of an SDK error stays its own class', () => {
    class MyError extends esm.ZerobusError {}
    assert.ok(new MyError('TIMEOUT', 'x') instanceof MyError);
    assert.ok(new MyError('TIMEOUT', 'x') instanceof cjs.ZerobusError);
    assert.ok(!(new cjs.ZerobusError('TIMEOUT', 'x') instanceof MyError));
    assert.ok(!(new esm.ZerobusError('TIMEOUT', 'x') instanceof MyError));
  });

  it('a non-retriable error a CommonJS headers provider throws fails an ESM createStream at once, as itself', async () => {
    const emulator = await startEmulator({ autoCreateTables: true });
    const sdk = new esm.ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    let asked = 0;
    const refusal = new cjs.NonRetriableError('AUTH_FAILED', 'this principal is disabled');
    try {
      await assert.rejects(
        sdk.createStream({
          table: new cjs.TableProperties(TABLE),
          options: { recordType: 'json', recoveryBackoffMs: 10 },
          headersProvider: {
            getHeaders: async () => {
              asked++;
              throw refusal;
            },
          },
        }),
        (error) => error === refusal,
      );
      assert.equal(asked, 1, 'not retried: the provider said it cannot succeed');
    } finally {
      await emulator.close();
    }
  });
});
