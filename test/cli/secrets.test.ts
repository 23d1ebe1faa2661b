/**
 * The `zerobus` command never prints a client secret, on success or failure, in text or --json
 * output, whether the secret came from --client-secret, --client-secret-file or
 * DATABRICKS_CLIENT_SECRET; and `zerobus emulator` prints its client ids, not their secrets.
 * Every run is the real CLI process against the local server in this process.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { type CliRun, startZerobus, zerobus } from '../support/cli-process.js';

const SECRET = `s3cr3t-${randomBytes(8).toString('hex')}`;
const WRONG_SECRET = `wr0ng-${randomBytes(8).toString('hex')}`;
/** Nothing listens on the discard port of the loopback interface. */
const UNREACHABLE = 'http://127.0.0.1:9';

function assertNoSecret(run: CliRun, what: string, secrets: readonly string[] = [SECRET, WRONG_SECRET]): void {
  for (const secret of secrets) {
    assert.ok(!run.stdout.includes(secret), `${what}: the secret is on stdout:\n${run.stdout}`);
    assert.ok(!run.stderr.includes(secret), `${what}: the secret is on stderr:\n${run.stderr}`);
  }
}

describe('zerobus and secrets', { concurrency: 2 }, () => {
  let emulator: Emulator;
  let dir: string;
  let secretFile: string;
  let wrongSecretFile: string;
  let uc: string[];
  /** No secret, for the env or --client-secret-file to give it. */
  let id: string[];

  before(async () => {
    emulator = await startEmulator({ principals: [{ clientId: 'svc', clientSecret: SECRET }], storeRecords: true });
    dir = await mkdtemp(join(tmpdir(), 'zerobus-secrets-'));
    secretFile = join(dir, 'secret');
    await writeFile(secretFile, `${SECRET}\n`, { mode: 0o600 });
    wrongSecretFile = join(dir, 'wrong-secret');
    await writeFile(wrongSecretFile, `${WRONG_SECRET}\r\n`, { mode: 0o600 });
    uc = ['--uc-endpoint', emulator.unityCatalogEndpoint];
    id = [...uc, '--client-id', 'svc'];
    await emulator.createDeltaTable('main.sec.events', [{ name: 'id', type_text: 'bigint', nullable: false }]);
  });
  after(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the secret from --client-secret-file (trailing newline trimmed), the environment or the flag, and prints it nowhere', async () => {
    const env = { DATABRICKS_CLIENT_SECRET: '' };
    const records = join(dir, 'records.ndjson');
    await writeFile(records, '{"id":1}\n{"id":2}\n');
    const runs = await Promise.all([
      zerobus(['tables', 'list', ...id, '--client-secret-file', secretFile, '--schema', 'main.sec', '--json'], { env }),
      zerobus(['tables', 'get', ...id, '--table', 'main.sec.events'], { env: { DATABRICKS_CLIENT_SECRET: SECRET } }),
      zerobus(['generate-proto', ...id, '--client-secret', SECRET, '--table', 'main.sec.events'], { env }),
      zerobus(
        [
          'ingest',
          ...id,
          '--endpoint',
          emulator.endpoint,
          '--client-secret-file',
          secretFile,
          '--table',
          'main.sec.events',
          '--json',
          records,
        ],
        { env: { ...env, ZEROBUS_LOG: 'debug' } },
      ),
    ]);
    const [list, get, proto, ingest] = runs;
    for (const [i, run] of runs.entries()) {
      assert.equal(run.status, 0, `run ${i}: ${run.stderr}`);
      assertNoSecret(run, `run ${i}`);
    }
    assert.match(list!.stdout, /"name":"events"/);
    assert.match(get!.stdout, /main\.sec\.events/);
    assert.match(proto!.stdout, /message events/);
    assert.equal(JSON.parse(ingest!.stdout).records, 2);
    assert.equal(emulator.records('main.sec.events').length, 2);
  });

  it('prints no secret when the secret is refused, the endpoint unreachable or the usage wrong', async () => {
    const env = { DATABRICKS_CLIENT_SECRET: '', ZEROBUS_LOG: 'debug' };
    const records = join(dir, 'one.ndjson');
    await writeFile(records, '{"id":1}\n');
    const ingest = ['ingest', '--table', 'main.sec.events', '--json', records];
    const runs = await Promise.all([
      // refused: the wrong secret from a file (CRLF trimmed), on the command line, in the environment
      zerobus(['tables', 'list', ...id, '--client-secret-file', wrongSecretFile, '--schema', 'main.sec'], { env }),
      zerobus([...ingest, ...id, '--endpoint', emulator.endpoint, '--client-secret', WRONG_SECRET], { env }),
      zerobus(['generate-proto', ...id, '--table', 'main.sec.events'], {
        env: { ...env, DATABRICKS_CLIENT_SECRET: WRONG_SECRET },
      }),
      // unreachable
      zerobus(
        [
          'tables',
          'get',
          '--uc-endpoint',
          UNREACHABLE,
          '--client-id',
          'svc',
          '--client-secret',
          SECRET,
          '--table',
          'a.b.c',
          '--json',
        ],
        { env },
      ),
      zerobus(
        [
          ...ingest,
          '--uc-endpoint',
          UNREACHABLE,
          '--client-id',
          'svc',
          '--endpoint',
          UNREACHABLE,
          '--client-secret-file',
          secretFile,
        ],
        { env },
      ),
      // bad usage that echoes an argument: the secret given where another value belongs
      zerobus([...ingest, ...id, '--endpoint', emulator.endpoint, '--client-secret', SECRET, '--skip', SECRET], {
        env,
      }),
      zerobus([...ingest, ...id, '--endpoint', emulator.endpoint, `--skip=${SECRET}`], {
        env: { ...env, DATABRICKS_CLIENT_SECRET: SECRET },
      }),
      zerobus(['generate-proto', ...id, `--client-secret=${SECRET}`, '--table', 'a.b.c', SECRET], { env }),
      zerobus(['tables', 'list', ...id, '--client-secret', SECRET, '--bogus', '--schema', 'main.sec'], { env }),
    ]);
    const [refusedFile, refusedFlag, refusedEnv, unreachableUc, unreachableIngest, ...usage] = runs;
    for (const [i, run] of runs.entries()) assertNoSecret(run, `run ${i}`);
    for (const run of [refusedFile!, refusedFlag!, refusedEnv!]) {
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /refused the client credentials/);
    }
    for (const run of [unreachableUc!, unreachableIngest!]) {
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /127\.0\.0\.1:9/);
    }
    for (const run of usage) assert.equal(run.status, 1, run.stderr);
    assert.match(usage[0]!.stderr, /--skip must be a non-negative integer, got "\*\*\*"/);
    assert.match(usage[2]!.stderr, /Unexpected argument '\*\*\*'/);
  });

  it('refuses an unreadable, empty or doubled secret file without printing what it holds', async () => {
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    const twoLines = join(dir, 'two-lines');
    await writeFile(twoLines, `${SECRET}\nmore\n`);
    const [missing, blank, multi, both] = await Promise.all([
      zerobus(['tables', 'list', ...id, '--client-secret-file', join(dir, 'nope'), '--schema', 'a.b']),
      zerobus(['tables', 'list', ...id, '--client-secret-file', empty, '--schema', 'a.b']),
      zerobus(['tables', 'list', ...id, '--client-secret-file', twoLines, '--schema', 'a.b']),
      zerobus([
        'tables',
        'list',
        ...id,
        '--client-secret-file',
        secretFile,
        '--client-secret',
        SECRET,
        '--schema',
        'a.b',
      ]),
    ]);
    for (const run of [missing!, blank!, multi!, both!]) {
      assert.equal(run.status, 1, run.stderr);
      assertNoSecret(run, run.stderr);
    }
    assert.match(missing!.stderr, /--client-secret-file \S*nope: cannot read it \(ENOENT\)/);
    assert.match(blank!.stderr, /--client-secret-file \S*empty is empty/);
    assert.match(multi!.stderr, /more than one line/);
    assert.match(both!.stderr, /not both/);
  });

  it('zerobus emulator prints its client ids and where the secrets come from, not the secrets', async () => {
    const { child, done } = startZerobus(['emulator', '--principal', `svc:${SECRET}`, '--principal', 'other:pa55']);
    child.stdin.end();
    let banner = '';
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`zerobus emulator exited with ${code}`)));
      child.stdout.on('data', (text: string) => {
        banner += text;
        if (banner.includes('Press Ctrl+C to stop.')) resolve();
      });
    });
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    await exited;
    const run = await done;
    assertNoSecret(run, 'banner', [SECRET, 'pa55']);
    assert.match(banner, /client id +svc, other \(secret: as given to --principal\)/);
    assert.match(banner, /export ZEROBUS_ENDPOINT=\S+ DATABRICKS_HOST=\S+ DATABRICKS_CLIENT_ID=svc\n/);
    const badPort = await zerobus(['emulator', '--principal', `svc:${SECRET}`, '--port', SECRET]);
    assert.equal(badPort.status, 1);
    assertNoSecret(badPort, 'bad port');
    assert.match(badPort.stderr, /--port must be a port number, got "\*\*\*"/);
  });
});
