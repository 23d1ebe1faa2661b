import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRequest, decodeResponse, encodeRequest, WireDecodeError, WireRecordType } from '@zerobus/sdk/wire';
import fc from 'fast-check';

/** Decoding arbitrary bytes either yields a message or a WireDecodeError: never a crash, hang or other error. */
function decodesOrRejects(decode: (b: Uint8Array) => unknown, bytes: Uint8Array): void {
  try {
    decode(bytes);
  } catch (error) {
    assert.ok(error instanceof WireDecodeError, `unexpected ${(error as Error)?.name}: ${(error as Error)?.message}`);
  }
}

describe('wire codec fuzzing', () => {
  it('random bytes never crash the request and response decoders', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        decodesOrRejects(decodeRequest, bytes);
        decodesOrRejects(decodeResponse, bytes);
      }),
      { seed: 11, numRuns: 3_000 },
    );
  });

  it('valid requests with random truncation or byte flips decode or are rejected cleanly', () => {
    const request = fc.record({
      offsetId: fc.nat(),
      records: fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 5 }),
      json: fc.boolean(),
    });
    fc.assert(
      fc.property(request, fc.nat(), fc.nat(255), (r, position, value) => {
        const bytes = encodeRequest({
          kind: r.records.length === 1 ? 'ingestRecord' : 'ingestBatch',
          offsetId: r.offsetId,
          recordType: r.json ? WireRecordType.JSON : WireRecordType.PROTO,
          records: r.records,
        });
        decodesOrRejects(decodeRequest, bytes.subarray(0, position % (bytes.length + 1)));
        const flipped = new Uint8Array(bytes);
        flipped[position % flipped.length] = value;
        decodesOrRejects(decodeRequest, flipped);
      }),
      { seed: 12, numRuns: 3_000 },
    );
  });
});
