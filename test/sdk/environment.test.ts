/**
 * Configuration from the environment: `ZerobusSdk.fromEnv()` and `new ZerobusSdk()` read the
 * variables the `zerobus` command reads and `zerobus emulator` prints (ZEROBUS_ENDPOINT,
 * DATABRICKS_HOST, DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET); explicit arguments win; client
 * credentials given once serve `createStream(table)`, pools and Arrow streams; the positional and
 * options-object forms keep working. Against the real local server on loopback.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { NonRetriableError, TableProperties, ZerobusError, ZerobusSdk } from '@zerobus/sdk';
import { Field, Int64, Schema } from 'apache-arrow';
import { CLI_COMMAND } from '../support/cli-process.js';
import { CLIENT_ID, CLIENT_SECRET, jsonPayloads, TABLE } from '../support/harness.js';

const VARIABLES = ['ZEROBUS_ENDPOINT', 'DATABRICKS_HOST', 'DATABRICKS_CLIENT_ID', 'DATABRICKS_CLIENT_SECRET'] as const;
type Variables = Partial<Record<(typeof VARIABLES)[number], string>>;
const WRONG_SECRET = 'Wrong-Secret-4f1e9c';
const JSON_OPTIONS = { recordType: 'json' as const, recovery: false };

/** Runs `body` with exactly `vars` of the four variables set (the others unset), then restores them. */
async function withEnv<T>(vars: Variables, body: () => T | Promise<T>): Promise<T> {
  const saved = VARIABLES.map((name) => [name, process.env[name]] as const);
  for (const name of VARIABLES) {
    if (vars[name] === undefined) delete process.env[name];
    else process.env[name] = vars[name];
  }
  try {
    return await body();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** The variables that point at `emulator`, as `zerobus emulator` prints them, and the secret. */
function emulatorEnv(emulator: Emulator): Variables {
  return {
    ZEROBUS_ENDPOINT: emulator.endpoint,
    DATABRICKS_HOST: emulator.unityCatalogEndpoint,
    DATABRICKS_CLIENT_ID: CLIENT_ID,
    DATABRICKS_CLIENT_SECRET: CLIENT_SECRET,
  };
}

async function withEmulator(body: (emulator: Emulator) => Promise<void>): Promise<void> {
  const emulator = await startEmulator({ autoCreateTables: true });
  try {
    await body(emulator);
  } finally {
    await emulator.close();
  }
}

/** One record through `sdk.createStream(...args)`, acknowledged; the stream closed. */
async function ingestOne(sdk: ZerobusSdk, record: object, ...args: unknown[]): Promise<void> {
  const stream = await openStream(sdk, args);
  await stream.waitForOffset(await stream.ingestRecordOffset(record));
  await stream.close();
}

function openStream(sdk: ZerobusSdk, args: unknown[]) {
  return (sdk.createStream as (...a: unknown[]) => ReturnType<ZerobusSdk['createStream']>)(...args);
}

function invalidOptions(pattern: RegExp, secret = CLIENT_SECRET) {
  return (e: unknown) => {
    assert.ok(e instanceof NonRetriableError, String(e));
    assert.equal(e.code, 'INVALID_OPTIONS');
    assert.match(e.message, pattern);
    for (const text of [e.message, String(e), JSON.stringify(e), inspect(e)]) assert.ok(!text.includes(secret), text);
    return true;
  };
}

describe('configuration from the environment', () => {
  it('the export line of `zerobus emulator`, plus the secret, is all ZerobusSdk.fromEnv() needs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zerobus-env-'));
    const [node, ...flags] = CLI_COMMAND;
    const child = spawn(node, [...flags, 'emulator', '--auto-create-tables', '--data-dir', dir], {
      env: { ...process.env, ZEROBUS_LOG: 'silent' },
    });
    try {
      let banner = '';
      child.stdout.setEncoding('utf8');
      for await (const chunk of child.stdout) {
        banner += chunk;
        if (banner.includes('Press Ctrl+C to stop.')) break;
      }
      const line = /^ {2}export (.+)$/m.exec(banner)?.[1];
      assert.ok(line, banner);
      const exported = Object.fromEntries(line.split(' ').map((pair) => pair.split('=', 2))) as Variables;
      assert.deepEqual(Object.keys(exported), VARIABLES.slice(0, 3), 'the variables the SDK reads');
      await withEnv({ ...exported, DATABRICKS_CLIENT_SECRET: CLIENT_SECRET }, async () => {
        const sdk = ZerobusSdk.fromEnv();
        assert.equal(sdk.serverEndpoint, exported.ZEROBUS_ENDPOINT);
        await ingestOne(sdk, { via: 'cli' }, TABLE, JSON_OPTIONS);
      });
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fromEnv() and new ZerobusSdk() read all four variables of an in-process server', async () => {
    await withEmulator(async (emulator) => {
      await withEnv(emulatorEnv(emulator), async () => {
        const sdk = ZerobusSdk.fromEnv();
        assert.equal(sdk.serverEndpoint, emulator.endpoint);
        assert.equal(sdk.unityCatalogEndpoint, emulator.unityCatalogEndpoint);
        await ingestOne(sdk, { n: 1 }, TABLE, JSON_OPTIONS);
        await ingestOne(new ZerobusSdk(), { n: 2 }, new TableProperties(TABLE), JSON_OPTIONS);
      });
      assert.deepEqual(jsonPayloads(emulator), [{ n: 1 }, { n: 2 }]);
    });
  });

  it('a missing variable is an INVALID_OPTIONS error naming it and what to set, never a value', async () => {
    await withEnv({}, () => {
      assert.throws(
        () => ZerobusSdk.fromEnv(),
        invalidOptions(
          /^ZEROBUS_ENDPOINT, DATABRICKS_HOST, DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET are not set: set ZEROBUS_ENDPOINT \(the Zerobus endpoint, https:\/\/<workspace-id>\.zerobus\.<region>\.cloud\.databricks\.com\)/,
        ),
      );
      assert.throws(() => new ZerobusSdk(), invalidOptions(/^ZEROBUS_ENDPOINT, DATABRICKS_HOST are not set/));
    });
    await withEnv({ ZEROBUS_ENDPOINT: 'http://127.0.0.1:1', DATABRICKS_CLIENT_SECRET: CLIENT_SECRET }, () => {
      assert.throws(
        () => ZerobusSdk.fromEnv(),
        invalidOptions(
          /^DATABRICKS_HOST, DATABRICKS_CLIENT_ID are not set: .*zerobus emulator` prints the export line/,
        ),
      );
      assert.throws(
        () => new ZerobusSdk('http://127.0.0.1:1'),
        invalidOptions(/^DATABRICKS_HOST is not set: set DATABRICKS_HOST \(the workspace URL/),
      );
    });
    await withEnv(
      {
        ZEROBUS_ENDPOINT: 'http://127.0.0.1:1',
        DATABRICKS_HOST: 'http://127.0.0.1:1',
        DATABRICKS_CLIENT_ID: CLIENT_ID,
      },
      async () => {
        assert.throws(
          () => ZerobusSdk.fromEnv(),
          invalidOptions(
            /^DATABRICKS_CLIENT_SECRET is not set: set DATABRICKS_CLIENT_SECRET \(the service principal's OAuth client secret\) .*, or pass options \{ clientId, clientSecret \}$/,
          ),
        );
        // Credentials given as options need no variables; nor does an SDK whose streams bring their own.
        assert.ok(ZerobusSdk.fromEnv({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }));
        const sdk = new ZerobusSdk();
        await assert.rejects(
          sdk.createStream(TABLE, JSON_OPTIONS),
          invalidOptions(
            /^createStream needs clientId and clientSecret .*DATABRICKS_CLIENT_SECRET is not set\); or give a headersProvider$/,
          ),
        );
      },
    );
  });

  it('explicit endpoints and credentials win over the environment', async () => {
    await withEmulator(async (emulator) => {
      const wrong = { ZEROBUS_ENDPOINT: 'http://127.0.0.1:1', DATABRICKS_HOST: 'http://127.0.0.1:1' };
      await withEnv({ ...wrong, DATABRICKS_CLIENT_ID: CLIENT_ID, DATABRICKS_CLIENT_SECRET: WRONG_SECRET }, async () => {
        const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, {
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
        });
        assert.equal(sdk.serverEndpoint, emulator.endpoint);
        await ingestOne(sdk, { n: 1 }, TABLE, JSON_OPTIONS);
        // The environment's (wrong) secret is what an SDK without the options uses...
        const fromEnvCredentials = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
        await assert.rejects(fromEnvCredentials.createStream(TABLE, JSON_OPTIONS), (e: unknown) => {
          assert.ok(e instanceof ZerobusError, String(e));
          assert.ok(!e.message.includes(WRONG_SECRET) && !inspect(e).includes(WRONG_SECRET));
          return e.code === 'AUTH_FAILED';
        });
        // ...and the credentials of a call win over both.
        await ingestOne(
          fromEnvCredentials,
          { n: 2 },
          CLIENT_ID,
          CLIENT_SECRET,
          new TableProperties(TABLE),
          JSON_OPTIONS,
        );
        await ingestOne(
          fromEnvCredentials,
          { n: 3 },
          {
            table: TABLE,
            clientId: CLIENT_ID,
            clientSecret: CLIENT_SECRET,
            options: JSON_OPTIONS,
          },
        );
        // An SDK's secret shows in no inspection of it.
        assert.ok(!inspect(sdk, { showHidden: true, depth: 10 }).includes(CLIENT_SECRET));
        assert.ok(!JSON.stringify(sdk).includes(CLIENT_SECRET));
      });
      assert.deepEqual(jsonPayloads(emulator), [{ n: 1 }, { n: 2 }, { n: 3 }]);
    });
  });
});

describe('client credentials given once per SDK', () => {
  it('createStream(table), createStreamPool and createArrowStream take the SDK credentials', async () => {
    await withEmulator(async (emulator) => {
      await withEnv({}, async () => {
        const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, {
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
        });
        await ingestOne(sdk, { n: 2 }, TABLE, { recordType: 'json' });
        await ingestOne(sdk, { n: 3 }, new TableProperties(TABLE), { recordType: 'json' });
        await ingestOne(sdk, { n: 4 }, { table: TABLE, options: { recordType: 'json' } });
        const pool = await sdk.createStreamPool({ table: TABLE, options: { recordType: 'json' } }, { size: 2 });
        await pool.waitForOffset(await pool.ingestRecordOffset({ n: 5 }));
        await pool.close();
        const schema = new Schema([new Field('n', new Int64(), false)]);
        const arrow = await sdk.createArrowStream({ table: 'main.default.arrow', schema });
        await arrow.ingestBatchOffset([{ n: 6n }]);
        await arrow.close(); // flushes first
      });
      assert.deepEqual(jsonPayloads(emulator), [{ n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
      assert.equal(emulator.records('main.default.arrow').length, 1);
    });
  });

  it('the positional form still works, with a headers provider too; empty credentials mean the SDK ones', async () => {
    await withEmulator(async (emulator) => {
      await withEnv({}, async () => {
        const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
        await ingestOne(sdk, { n: 1 }, CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), { recordType: 'json' });
        const headersProvider = {
          getHeaders: () => ({ authorization: `Bearer ${emulator.issueToken(TABLE)}` }),
        };
        await ingestOne(sdk, { n: 2 }, '', '', new TableProperties(TABLE), { recordType: 'json' }, headersProvider);
        const withCredentials = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, {
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
        });
        await ingestOne(withCredentials, { n: 3 }, '', '', new TableProperties(TABLE), { recordType: 'json' });
      });
      assert.deepEqual(jsonPayloads(emulator), [{ n: 1 }, { n: 2 }, { n: 3 }]);
    });
  });

  it('arguments that fit no form, and credentials half given, are clear errors before any connection', async () => {
    await withEnv({}, async () => {
      const sdk = new ZerobusSdk('http://127.0.0.1:1', 'http://127.0.0.1:1');
      // A lone string with no dots reads like a client id: not echoed, the forms listed.
      await assert.rejects(openStream(sdk, [CLIENT_ID]), (e: unknown) => {
        assert.ok(e instanceof NonRetriableError);
        assert.equal(e.code, 'INVALID_TABLE_NAME');
        assert.match(
          e.message,
          /has no dots; the forms are createStream\(table, options\?\), createStream\(clientId, clientSecret, tableProperties/,
        );
        assert.ok(!e.message.includes(CLIENT_ID));
        return true;
      });
      await assert.rejects(openStream(sdk, [CLIENT_ID, CLIENT_SECRET]), invalidOptions(/needs its tableProperties/));
      await assert.rejects(openStream(sdk, [{ table: TABLE }, JSON_OPTIONS]), invalidOptions(/takes one argument/));
      await assert.rejects(openStream(sdk, [TABLE, JSON_OPTIONS, {}]), invalidOptions(/at most two arguments/));
      await assert.rejects(openStream(sdk, [TABLE, 5]), invalidOptions(/stream options as an object, got number/));
      await assert.rejects(openStream(sdk, [42]), invalidOptions(/first argument must be a table.*got number/));
      await assert.rejects(
        sdk.createStream({ table: TABLE, clientId: CLIENT_ID, options: JSON_OPTIONS }),
        invalidOptions(/createStream got clientId without clientSecret/),
      );
      await assert.rejects(
        sdk.createArrowStream({ table: TABLE, schema: new Schema([new Field('n', new Int64(), false)]) }),
        invalidOptions(
          /^createArrowStream needs clientId and clientSecret .*set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET; or give a headersProvider$/,
        ),
      );
      assert.throws(
        () => new ZerobusSdk('http://127.0.0.1:1', 'http://127.0.0.1:1', { clientSecret: CLIENT_SECRET }),
        invalidOptions(/option clientSecret is given without clientId/),
      );
      assert.throws(
        () => new ZerobusSdk('http://127.0.0.1:1', 'http://127.0.0.1:1', { clientId: CLIENT_ID, clientSecret: '' }),
        invalidOptions(/option clientSecret must be a non-empty string/),
      );
    });
  });
});
