/**
 * The SDK is quiet by default, as a library should be: given no logger and no ZEROBUS_LOG, a
 * rejected creation, a lost and recovered connection and a failed stream — each of which the
 * application hears of as a rejection or an event — write nothing to stderr. ZEROBUS_LOG turns
 * the console logger on without a code change. A child process each, against the real local server.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const probe = fileURLToPath(new URL('../support/failing-stream-probe.ts', import.meta.url));
const EXPECTED = { failed: 'STREAM_FAILED', events: ['recovering', 'error'] };

async function runProbe(zerobusLog: string | undefined): Promise<{ stdout: string; stderr: string }> {
  const { ZEROBUS_LOG: _set, ...env } = process.env;
  return promisify(execFile)(process.execPath, ['--conditions=@zerobus/source', '--import', 'tsx', probe], {
    env: zerobusLog === undefined ? env : { ...env, ZEROBUS_LOG: zerobusLog },
    timeout: 120_000,
  });
}

describe('logging by default', () => {
  it('with no logger and no ZEROBUS_LOG, failures the application receives write nothing to stderr', async () => {
    const { stdout, stderr } = await runProbe(undefined);
    assert.deepEqual(JSON.parse(stdout), EXPECTED);
    assert.equal(stderr, '');
  });

  it('ZEROBUS_LOG=debug turns on the console logger', async () => {
    const { stdout, stderr } = await runProbe('debug');
    assert.deepEqual(JSON.parse(stdout), EXPECTED);
    assert.match(stderr, /^zerobus debug: stream call open /m);
    assert.match(stderr, /^zerobus \w+: stream connection failed; recovering /m);
    assert.ok(!stderr.includes('emulator-secret') && !stderr.includes('not-the-secret'), stderr);
  });
});
