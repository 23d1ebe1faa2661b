import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createConsoleLogger } from '@zerobus/sdk';

function captureStderr(body: () => void): string {
  const original = process.stderr.write.bind(process.stderr);
  let out = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    body();
  } finally {
    process.stderr.write = original;
  }
  return out;
}

describe('console logger', () => {
  it('writes entries at or above its level, pino-style (fields, message)', () => {
    const out = captureStderr(() => {
      const logger = createConsoleLogger('warn');
      logger.debug({ a: 1 }, 'hidden');
      logger.info({}, 'hidden too');
      logger.warn({ streamId: 's1' }, 'shown');
      logger.error({ error: new Error('boom') }, 'failed');
    });
    assert.equal(out, 'zerobus warn: shown {"streamId":"s1"}\nzerobus error: failed {"error":"boom"}\n');
  });

  it('takes its level from ZEROBUS_LOG', () => {
    const previous = process.env.ZEROBUS_LOG;
    try {
      process.env.ZEROBUS_LOG = 'debug';
      assert.match(
        captureStderr(() => createConsoleLogger().debug({}, 'x')),
        /zerobus debug: x/,
      );
      process.env.ZEROBUS_LOG = 'silent';
      assert.equal(
        captureStderr(() => createConsoleLogger().error({}, 'x')),
        '',
      );
    } finally {
      if (previous === undefined) delete process.env.ZEROBUS_LOG;
      else process.env.ZEROBUS_LOG = previous;
    }
  });
});
