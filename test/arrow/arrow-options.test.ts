/**
 * Arrow stream options (docs/options.md: "Unknown keys, wrong types and out-of-range values are rejected
 * ... with an INVALID_OPTIONS error naming the option"): the gRPC-only options are refused, not
 * silently ignored, naming the key and its Arrow counterpart where there is one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ArrowStreamOptions, NonRetriableError } from '@zerobus/sdk';
import { arrowEnv } from './arrow-env.js';

const invalid =
  (...parts: string[]) =>
  (error: unknown) =>
    error instanceof NonRetriableError &&
    error.code === 'INVALID_OPTIONS' &&
    parts.every((part) => error.message.includes(part));

// The type declares only what an Arrow stream takes.
// @ts-expect-error maxInflightRecords is a gRPC stream option
const _grpcOnly: ArrowStreamOptions = { maxInflightRecords: 10 };

describe('Arrow stream options', () => {
  it('createArrowStream refuses the gRPC-only options, naming each and its Arrow counterpart', async () => {
    await using env = await arrowEnv();
    const grpcOnly: Record<string, unknown> = {
      recordType: 'json',
      maxInflightRecords: 10,
      maxInflightBytes: 1024,
      streamPausedMaxWaitTimeMs: 0,
      validate: true,
    };
    for (const [key, value] of Object.entries(grpcOnly)) {
      await assert.rejects(
        env.openArrow({ [key]: value } as ArrowStreamOptions),
        invalid(key, 'does not apply to Arrow streams'),
        key,
      );
    }
    await assert.rejects(
      env.openArrow({ maxInflightRecords: 10 } as ArrowStreamOptions),
      invalid('maxInflightBatches'),
    );
    await assert.rejects(env.openArrow({ maxInflightBytes: 1 } as ArrowStreamOptions), invalid('maxInflightBatches'));
    // Unknown keys and wrong values, as before.
    await assert.rejects(
      env.openArrow({ maxInflightBatch: 10 } as ArrowStreamOptions),
      invalid('"maxInflightBatch"', 'known options: maxInflightBatches'),
    );
    await assert.rejects(
      env.openArrow({ max_inflight_batches: 10 } as ArrowStreamOptions),
      invalid('"max_inflight_batches" (did you mean maxInflightBatches?)', 'known options: maxInflightBatches'),
    );
    await assert.rejects(env.openArrow({ recoveryRetries: '3' } as never), invalid('recoveryRetries'));
    await assert.rejects(env.openArrow({ maxInflightBatches: 0 }), invalid('maxInflightBatches'));
    assert.equal(env.emulator.calls.length, 0, 'nothing was opened');

    // Every option an Arrow stream takes is still accepted.
    const all: Required<ArrowStreamOptions> = {
      maxInflightBatches: 10,
      recovery: true,
      recoveryTimeoutMs: 10_000,
      recoveryBackoffMs: 10,
      recoveryBackoffMaxMs: 40,
      recoveryBackoffJitter: 0,
      recoveryRetries: 2,
      flushTimeoutMs: 10_000,
      serverLackOfAckTimeoutMs: 10_000,
      ackCallback: {},
      callbackMaxWaitTimeMs: null,
    };
    const stream = await env.openArrow(all);
    await stream.close();
  });
});
