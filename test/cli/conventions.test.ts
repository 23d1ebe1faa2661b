/**
 * The command-line conventions every `zerobus` command follows, as a process against the local
 * server in this process: `--version`; a usage error prints its message and one line pointing at
 * the command's help, and exits 1 (never 2); with `--json`, every failure — credentials refused,
 * a missing table, an unreachable endpoint — is exactly one JSON line on stdout,
 * `{"ok":false,"error":{"code","message","hint"}}`, with the text on stderr and no secret anywhere.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { type CliRun, zerobus } from '../support/cli-process.js';
import { closedPort } from '../support/net-probes.js';

const SECRET = 'c0nv3nti0ns-s3cret';
const WRONG = 'wr0ng-c0nv3nti0ns';

/** The single JSON line of a --json failure: nothing else on stdout, no secret in it. */
function failureLine(run: CliRun): { ok: boolean; error: { code: string; message: string; hint?: string } } {
  assert.equal(run.status, 1, run.stderr);
  const lines = run.stdout.split('\n');
  assert.equal(lines.length, 2, `one line on stdout:\n${run.stdout}`);
  assert.equal(lines[1], '');
  for (const secret of [SECRET, WRONG]) assert.ok(!`${run.stdout}${run.stderr}`.includes(secret), 'no secret printed');
  const line = JSON.parse(lines[0]!);
  assert.equal(line.ok, false);
  assert.equal(typeof line.error.message, 'string');
  return line;
}

describe('zerobus conventions', { concurrency: 4 }, () => {
  let emulator: Emulator;
  let credentials: string[];

  before(async () => {
    emulator = await startEmulator({ principals: [{ clientId: 'svc', clientSecret: SECRET }], storeRecords: true });
    credentials = ['--uc-endpoint', emulator.unityCatalogEndpoint, '--client-id', 'svc', '--client-secret', SECRET];
    await emulator.createDeltaTable('main.conv.events', [{ name: 'id', type_text: 'bigint', nullable: false }]);
  });
  after(async () => {
    await emulator.close();
  });

  it('prints the version of its package.json with --version, -V and "version", and exits 0', async () => {
    const manifest = JSON.parse(await readFile(new URL('../../packages/cli/package.json', import.meta.url), 'utf8'));
    const runs = await Promise.all([zerobus(['--version']), zerobus(['-V']), zerobus(['version'])]);
    for (const run of runs) {
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout, `zerobus ${manifest.version}\n`);
      assert.equal(run.stderr, '');
    }
    const help = await zerobus(['--help']);
    assert.match(help.stdout, /-V, --version/);
  });

  it('answers a usage error with its message and one line naming the help to run, exit code 1', async () => {
    const [unknownFlag, missingValue, badValue, unknownCommand, prototypeName, tablesAction] = await Promise.all([
      zerobus(['ingest', '--bogus']),
      zerobus(['tables', 'get', '--table']),
      zerobus(['emulator', '--port', 'x']),
      zerobus(['frobnicate']),
      zerobus(['constructor']),
      zerobus(['tables', 'rename']),
    ]);
    const expected: [CliRun, RegExp, string][] = [
      [unknownFlag, /Unknown option '--bogus'/, 'ingest'],
      [missingValue, /Option '--table <value>' argument missing/, 'tables'],
      [badValue, /--port must be a port number, got "x"/, 'emulator'],
      [unknownCommand, /unknown command "frobnicate"/, ''],
      [prototypeName, /unknown command "constructor"/, ''],
      [tablesAction, /unknown tables command "rename"/, 'tables'],
    ];
    for (const [run, message, command] of expected) {
      assert.equal(run.status, 1, run.stderr);
      assert.equal(run.stdout, '');
      const [first, second, ...rest] = run.stderr.split('\n');
      assert.match(first!, /^zerobus: /);
      assert.match(first!, message);
      assert.equal(second, `Run "zerobus ${command ? `${command} ` : ''}--help" for usage.`);
      assert.deepEqual(rest, ['']);
    }
    // With --json, the usage error is a JSON line too.
    const json = failureLine(await zerobus(['ingest', '--table', 'a.b', '--json', 'x.ndjson']));
    assert.deepEqual(json.error, {
      code: 'USAGE',
      message: '--table takes catalog.schema.table, got "a.b"',
      hint: 'Run "zerobus ingest --help" for usage.',
    });
  });

  it('documents its exit codes in "zerobus --help", none of them 2', async () => {
    const help = await zerobus(['--help']);
    assert.match(help.stdout, /Exit codes: 0 success; 1 failure: bad usage/);
    assert.match(help.stdout, /\{"ok":false,"error":\{"code","message",\s*"hint"\}\}/);
    assert.doesNotMatch(help.stdout, /\b2 bad usage/);
  });

  it('--json: refused credentials are one JSON line (ingest, tables), the secret from the flag, a file or the environment', async () => {
    const records = ['--table', 'main.conv.events', '--json', '-'];
    const wrong = ['--uc-endpoint', emulator.unityCatalogEndpoint, '--client-id', 'svc'];
    const dir = await mkdtemp(join(tmpdir(), 'zerobus-conventions-'));
    const secretFile = join(dir, 'secret');
    await writeFile(secretFile, `${WRONG}\n`, { mode: 0o600 });
    const [ingest, tables, fromEnv, fromFile] = await Promise.all([
      zerobus(['ingest', ...wrong, '--client-secret', WRONG, '--endpoint', emulator.endpoint, ...records], {
        input: '{"id":1}\n',
      }),
      zerobus(['tables', 'get', ...wrong, '--client-secret', WRONG, '--table', 'main.conv.events', '--json']),
      zerobus(['tables', 'get', ...wrong, '--table', 'main.conv.events', '--json'], {
        env: { DATABRICKS_CLIENT_SECRET: WRONG },
      }),
      zerobus(['tables', 'list', ...wrong, '--client-secret-file', secretFile, '--schema', 'main.conv', '--json']),
    ]);
    await rm(dir, { recursive: true, force: true });
    for (const run of [ingest, tables, fromEnv, fromFile]) {
      const { error } = failureLine(run);
      assert.equal(error.code, 'AUTH_FAILED');
      assert.match(error.message, /refused the client credentials/);
      assert.match(error.hint ?? '', /--client-secret-file or DATABRICKS_CLIENT_SECRET/);
      assert.match(run.stderr, /refused the client credentials/);
    }
    assert.equal(emulator.records('main.conv.events').length, 0);
  });

  it('--json: a missing table is one JSON line (ingest, tables, the SDK and Unity Catalog codes)', async () => {
    const [ingest, tables] = await Promise.all([
      zerobus(['ingest', ...credentials, '--endpoint', emulator.endpoint, '--table', 'main.conv.nope', '--json', '-'], {
        input: '{"id":1}\n',
      }),
      zerobus(['tables', 'get', ...credentials, '--table', 'main.conv.nope', '--json']),
    ]);
    assert.equal(failureLine(ingest).error.code, 'NOT_FOUND');
    assert.equal(failureLine(tables).error.code, 'TABLE_DOES_NOT_EXIST');
    for (const run of [ingest, tables]) {
      const { error } = failureLine(run);
      assert.match(error.message, /main\.conv\.nope/);
      assert.match(error.hint ?? '', /zerobus tables create/);
    }
  });

  it("--json: an unreachable endpoint is one JSON line, the SDK's advice as its hint", async () => {
    const nothing = `http://127.0.0.1:${await closedPort()}`;
    const [zerobusEndpoint, ucEndpoint, tables] = await Promise.all([
      zerobus(['ingest', ...credentials, '--endpoint', nothing, '--table', 'main.conv.events', '--json', '-'], {
        input: '{"id":1}\n',
      }),
      zerobus(
        [
          'ingest',
          '--uc-endpoint',
          nothing,
          '--client-id',
          'svc',
          '--client-secret',
          SECRET,
          '--endpoint',
          emulator.endpoint,
          '--table',
          'main.conv.events',
          '--json',
          '-',
        ],
        { input: '{"id":1}\n' },
      ),
      zerobus(['tables', 'list', '--uc-endpoint', nothing, '--client-id', 'svc', '--schema', 'main.conv', '--json'], {
        env: { DATABRICKS_CLIENT_SECRET: SECRET },
      }),
    ]);
    const direct = failureLine(zerobusEndpoint).error;
    assert.equal(direct.code, 'UNAVAILABLE');
    assert.ok(direct.message.includes(nothing), direct.message);
    assert.doesNotMatch(direct.message, /Fix:/, 'the advice is the hint, not part of the message');
    assert.match(direct.hint ?? '', /the server is running/);
    for (const run of [ucEndpoint, tables]) {
      const { error } = failureLine(run);
      assert.equal(error.code, 'AUTH_UNAVAILABLE', run.stdout);
      assert.ok(error.message.includes(nothing.replace('http://', '')), error.message);
      assert.match(error.hint ?? '', /--uc-endpoint/);
    }
  });
});
