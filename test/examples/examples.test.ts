/**
 * Runs every program in examples/ (but the shared helper `_*.ts` and demo.ts, which `npm run
 * demo` covers) as a newcomer would, in its own Node process against the embedded local server,
 * and checks that it exits with 0 and prints its result line. Two at a time, so that the whole
 * file stays within ~20 s on two cores.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const examplesDir = join(root, 'examples');
/** Per example: it is killed past this, and the test fails. */
const TIME_LIMIT_MS = 30_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last non-empty line of stdout: every example's result. */
  result: string;
}

/** Runs `examples/<name>` from sources (`@zerobus/source` condition) with the connection variables removed. */
function runExample(name: string, args: string[] = []): Promise<Run> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('ZEROBUS_') && !key.startsWith('DATABRICKS_')),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@zerobus/source', '--import', 'tsx', join(examplesDir, name), ...args],
      {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: TIME_LIMIT_MS,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines = stdout.split('\n').filter((line) => line.trim() !== '');
      resolve({ code, signal, stdout, stderr, result: lines.at(-1) ?? '' });
    });
  });
}

function assertSucceeded(run: Run, expected: RegExp): RegExpExecArray {
  const output = `\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;
  assert.equal(run.signal, null, `killed by ${run.signal} (time limit ${TIME_LIMIT_MS} ms)${output}`);
  assert.equal(run.code, 0, `exit code ${run.code}${output}`);
  const match = expected.exec(run.result);
  assert.ok(match, `the result line ${JSON.stringify(run.result)} does not match ${expected}${output}`);
  return match;
}

/** What each example must print last, and any further check. */
const EXPECTED: Record<string, (name: string) => Promise<void>> = {
  'json-single.ts': async (name) => {
    assertSucceeded(await runExample(name), /^3 records durable, last offset 2$/);
  },
  'proto-single.ts': async (name) => {
    assertSucceeded(await runExample(name), /^3 protobuf records durable, last offset 2$/);
  },
  'batches.ts': async (name) => {
    assertSucceeded(await runExample(name), /^5 batches \(500 records\) durable, offsets 0-4$/);
  },
  'ack-callbacks.ts': async (name) => {
    const run = await runExample(name);
    assertSucceeded(run, /^all 10 records acknowledged \(onAck up to offset 9\), 1 reconnect\(s\)$/);
    assert.match(run.stdout, /reconnecting \(attempt 1\): UNAVAILABLE\n/);
  },
  'wait-for-offsets.ts': async (name) => {
    assertSucceeded(await runExample(name), /^4 checkpoints durable \(offsets 249, 499, 749, 999\): 1000 records$/);
  },
  'recovery-and-retry.ts': async (name) => {
    const run = await runExample(name);
    assertSucceeded(run, /^recreated stream: 3 records re-sent and durable, last offset 2$/);
    assert.match(run.stdout, /stream failed \(RECOVERY_FAILED\) with 3 records unacknowledged/);
  },
  'pipeline-from-file.ts': async (name) => {
    const [, file] = assertSucceeded(await runExample(name), /^1000 lines of (.+) durable, last offset 999$/);
    assert.equal(existsSync(dirname(file as string)), false, 'the sample file is removed');
  },
  'await-using.ts': async (name) => {
    assertSucceeded(
      await runExample(name),
      /^5 records durable \(acked up to offset 4\), stream closed on leaving its block$/,
    );
  },
  'generate-proto-then-ingest.ts': async (name) => {
    const dir = await mkdtemp(join(tmpdir(), 'zerobus-example-test-'));
    try {
      const expected =
        /^generated order\.proto and order\.ts in (.+); 3 protobuf records durable in one batch at offset 0$/;
      const [, printed] = assertSucceeded(await runExample(name, [dir]), expected);
      assert.equal(printed, dir);
      assert.match(await readFile(join(dir, 'order.proto'), 'utf8'), /message Order \{\n {2}required int64 id = 1;/);
      assert.match(await readFile(join(dir, 'order.ts'), 'utf8'), /export interface Order \{/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

const examples = readdirSync(examplesDir)
  .filter((file) => file.endsWith('.ts') && !file.startsWith('_') && file !== 'demo.ts')
  .sort();

describe('examples', { concurrency: 2 }, () => {
  it('every example has an expected result here', () => {
    assert.deepEqual(examples, Object.keys(EXPECTED).sort());
  });

  for (const name of examples) {
    const check = EXPECTED[name];
    if (!check) continue;
    it(`${name} runs against the local server and prints its result`, { timeout: TIME_LIMIT_MS + 5_000 }, () =>
      check(name),
    );
  }
});
