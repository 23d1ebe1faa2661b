import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createRecordEncoder } from '../../src/records/encoder.js';
import { hex, pbjsEncode, readingSchema, readingType } from './fixtures.js';

const Reading = readingType();
const viaProtobufJs = createRecordEncoder('proto', Reading);
const viaProtobufEs = createRecordEncoder('proto', readingSchema());
const viaBytes = createRecordEncoder('proto', viaProtobufEs.descriptorProto!);

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** A 64-bit value in any accepted form: bigint, decimal string or (when safe) number. */
function int64Forms(min: bigint, max: bigint): fc.Arbitrary<bigint | string | number> {
  return fc.bigInt({ min, max }).chain((v) => {
    const forms: (bigint | string | number)[] = [v, v.toString()];
    if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) forms.push(Number(v));
    return fc.constantFrom(...forms);
  });
}

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const uint32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const int64 = int64Forms(I64_MIN, I64_MAX);
const uint64 = int64Forms(0n, 2n ** 64n - 1n);
// NaN is left out only because protobufjs and DataView may write different NaN payloads.
const double = fc.double({ noNaN: true });
const float = fc.float({ noNaN: true });
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 200 }));
const key = fc.string({ maxLength: 8 }).filter((k) => !(k in Object.prototype));
const color = fc.constantFrom<string | number>('COLOR_UNSPECIFIED', 'RED', 'GREEN', 'BLUE', 'INFRARED', 0, 1, 2, 3, -1);
const location = fc.record({ lat: double, lon: double, label: text }, { requiredKeys: [] });

const { detail } = fc.letrec((tie) => ({
  detail: fc.record(
    { level: int32, note: text, next: fc.option(tie('detail'), { nil: undefined, depthSize: 'small' }) },
    { requiredKeys: ['level'] },
  ),
}));

const choice = fc.oneof(fc.constant({}), fc.record({ text }), fc.record({ number: int32 }));

const reading = fc
  .tuple(
    fc.record(
      {
        device_name: text,
        temp: double,
        humidity: float,
        i32: int32,
        i64: int64,
        u32: uint32,
        u64: uint64,
        s32: int32,
        s64: int64,
        f32: uint32,
        f64: uint64,
        sf32: int32,
        sf64: int64,
        ok: fc.boolean(),
        raw: fc.uint8Array({ maxLength: 40 }),
        color,
        where: location,
        samples: fc.array(int32, { maxLength: 5 }),
        deltas: fc.array(int64, { maxLength: 5 }),
        values: fc.array(double, { maxLength: 5 }),
        tags: fc.array(text, { maxLength: 4 }),
        path: fc.array(location, { maxLength: 3 }),
        palette: fc.array(color, { maxLength: 4 }),
        counters: fc.dictionary(key, int64, { maxKeys: 4 }),
        places: fc.dictionary(int32.map(String), location, { maxKeys: 3 }),
        detail,
        ticks: fc.array(uint32, { maxLength: 4 }),
        colors: fc.dictionary(key, color, { maxKeys: 3 }),
      },
      { requiredKeys: ['device_name'] },
    ),
    choice,
  )
  .map(([fields, oneof]) => ({ ...fields, ...oneof }));

describe('proto encoder properties', () => {
  it('encodes random records byte for byte like protobufjs, and protobufjs decodes them back', () => {
    fc.assert(
      fc.property(reading, (record) => {
        const ours = viaProtobufJs.encode(record, 0);
        assert.equal(hex(ours), hex(pbjsEncode(Reading, record)));
        // decode → encode again with protobufjs gives the same bytes: nothing was lost or invented
        assert.equal(hex(Reading.encode(Reading.decode(ours)).finish()), hex(ours));
      }),
      { numRuns: 400 },
    );
  });

  it('gives identical bytes whether the schema came from protobufjs, protobuf-es or DescriptorProto bytes', () => {
    fc.assert(
      fc.property(reading, (record) => {
        const expected = hex(viaProtobufJs.encode(record, 0));
        assert.equal(hex(viaProtobufEs.encode(record, 0)), expected);
        assert.equal(hex(viaBytes.encode(record, 0)), expected);
      }),
      { numRuns: 200 },
    );
  });

  it('reports a wrongly typed field anywhere in a random record by its path', () => {
    fc.assert(
      fc.property(reading, fc.constantFrom('temp', 'i64', 'where', 'ok', 'tags'), (record, field) => {
        const broken = { ...record, [field]: Symbol('not a value') };
        assert.throws(
          () => viaProtobufJs.encode(broken, 5),
          (e: Error & { field?: string; recordIndex?: number }) =>
            e.field === field && e.recordIndex === 5 && e.message.startsWith(`record 5: field "${field}" expects`),
        );
      }),
      { numRuns: 100 },
    );
  });
});
