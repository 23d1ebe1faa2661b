import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  WireDecodeError,
  WireRecordType,
} from '@zerobus/sdk/wire';

const enc = new TextEncoder();

describe('wire codec', () => {
  it('round-trips create_stream', () => {
    const descriptorProto = new Uint8Array([10, 3, 65, 66, 67]);
    const req = {
      kind: 'createStream',
      tableName: 'a.b.c',
      recordType: WireRecordType.PROTO,
      descriptorProto,
    } as const;
    assert.deepEqual(decodeRequest(encodeRequest(req)), req);
  });

  it('round-trips single records and batches with large offsets', () => {
    for (const offsetId of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER]) {
      const single = {
        kind: 'ingestRecord',
        offsetId,
        recordType: WireRecordType.JSON,
        records: [enc.encode('{"a":1}')],
      } as const;
      assert.deepEqual(decodeRequest(encodeRequest(single)), single);
      const batch = {
        kind: 'ingestBatch',
        offsetId,
        recordType: WireRecordType.PROTO,
        records: [new Uint8Array([8, 1]), new Uint8Array(0), new Uint8Array(300).fill(7)],
      } as const;
      assert.deepEqual(decodeRequest(encodeRequest(batch)), batch);
    }
  });

  it('round-trips responses', () => {
    for (const res of [
      { kind: 'createStreamResponse', streamId: 'stream-1' },
      { kind: 'ack', ackUpToOffset: 0 },
      { kind: 'ack', ackUpToOffset: 123456789012 },
      { kind: 'closeStreamSignal', durationMs: 1500 },
      { kind: 'closeStreamSignal', durationMs: 0 },
      { kind: 'closeStreamSignal', durationMs: undefined },
    ] as const) {
      assert.deepEqual(decodeResponse(encodeResponse(res)), res);
    }
  });

  it('decodes negative and large int64 values exactly', () => {
    for (const ackUpToOffset of [-1, -2, -1000, 2 ** 49, 2 ** 52 + 1, Number.MIN_SAFE_INTEGER]) {
      assert.deepEqual(decodeResponse(encodeResponse({ kind: 'ack', ackUpToOffset })), { kind: 'ack', ackUpToOffset });
    }
  });

  it('keeps close-signal nanos within a Duration', () => {
    assert.deepEqual(decodeResponse(encodeResponse({ kind: 'closeStreamSignal', durationMs: 1999.9999999 })), {
      kind: 'closeStreamSignal',
      durationMs: 2000,
    });
  });

  it('rejects truncated input with a WireDecodeError', () => {
    const bytes = encodeRequest({
      kind: 'ingestBatch',
      offsetId: 5,
      recordType: WireRecordType.JSON,
      records: [enc.encode('{}')],
    });
    for (let n = 1; n < bytes.length; n++) {
      assert.throws(() => decodeRequest(bytes.subarray(0, n)), WireDecodeError);
    }
    assert.throws(() => decodeResponse(new Uint8Array(0)), WireDecodeError);
  });
});
