import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, createFileRegistry, fromBinary, toBinary } from '@bufbuild/protobuf';
import { DescriptorProtoSchema, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import protobuf from 'protobufjs';
import { createRecordEncoder } from '../../src/records/encoder.js';
import { assertRecordError, hex, pbjsEncode, readingSchema, readingType } from './fixtures.js';

const Reading = readingType();
const encoder = createRecordEncoder('proto', Reading);

function decode(bytes: Uint8Array): Record<string, unknown> {
  return Reading.toObject(Reading.decode(bytes), { longs: String, enums: String, bytes: Array }) as Record<
    string,
    unknown
  >;
}

const full = {
  device_name: 'sensor-7 ✓',
  temp: 21.5,
  humidity: 0.25,
  i32: -42,
  i64: -9007199254740993n,
  u32: 4294967295,
  u64: 18446744073709551615n,
  s32: -2147483648,
  s64: -9223372036854775808n,
  f32: 4294967295,
  f64: 18446744073709551615n,
  sf32: -1,
  sf64: -9223372036854775808n,
  ok: true,
  raw: Buffer.from([0, 1, 255]),
  color: 'BLUE',
  where: { lat: 1.5, lon: -2.25, label: 'here' },
  samples: [1, -1, 300],
  deltas: [0n, -1n, 1n << 40n],
  values: [0.5, -0, 1e300],
  tags: ['a', '', 'ü'],
  path: [{ lat: 1 }, {}],
  palette: ['RED', 2, -1],
  counters: { a: 1, b: -5n },
  places: { '7': { label: 'x' }, '-3': {} },
  detail: { level: 1, note: 'n', next: { level: 2, next: { level: 3 } } },
  text: 'hello',
  ticks: [1, 2],
  colors: { x: 'GREEN' },
};

describe('proto encoder', () => {
  it('encodes every field kind so that protobufjs decodes the same values', () => {
    const decoded = decode(encoder.encode(full, 0));
    assert.deepEqual(decoded, {
      device_name: 'sensor-7 ✓',
      temp: 21.5,
      humidity: 0.25,
      i32: -42,
      i64: '-9007199254740993',
      u32: 4294967295,
      u64: '18446744073709551615',
      s32: -2147483648,
      s64: '-9223372036854775808',
      f32: 4294967295,
      f64: '18446744073709551615',
      sf32: -1,
      sf64: '-9223372036854775808',
      ok: true,
      raw: [0, 1, 255],
      color: 'BLUE',
      where: { lat: 1.5, lon: -2.25, label: 'here' },
      samples: [1, -1, 300],
      deltas: ['0', '-1', '1099511627776'],
      values: [0.5, -0, 1e300],
      tags: ['a', '', 'ü'],
      path: [{ lat: 1 }, {}],
      palette: ['RED', 'GREEN', 'INFRARED'],
      counters: { a: '1', b: '-5' },
      places: { '7': { label: 'x' }, '-3': {} },
      detail: { level: 1, note: 'n', next: { level: 2, next: { level: 3 } } },
      text: 'hello',
      ticks: [1, 2],
      colors: { x: 'GREEN' },
    });
  });

  it('matches protobufjs byte for byte (field order, packed and unpacked repeated, maps)', () => {
    assert.equal(hex(encoder.encode(full, 0)), hex(pbjsEncode(Reading, full)));
  });

  it('writes repeated scalars packed or unpacked as the proto2 descriptor says', () => {
    const bytes = encoder.encode({ device_name: '', samples: [1, 2], deltas: [1n, 2n], ticks: [7] }, 0);
    // samples (18, unpacked): one varint tag per item; deltas (19, [packed=true]): one LEN tag.
    assert.equal(hex(bytes), `0a00${'9001'}01${'9001'}02${'9a01'}020204${'ed01'}07000000`);
  });

  it('writes zero values that were set, and nothing for undefined or null', () => {
    assert.equal(hex(encoder.encode({ device_name: '', i32: 0, ok: false }, 0)), '0a00200070' + '00');
    assert.equal(hex(encoder.encode({ device_name: '', i32: undefined, ok: null, where: null }, 0)), '0a00');
  });

  it('accepts proto names and camelCase names alike', () => {
    const camel = readingType(false); // protobufjs's own camelCase field names
    const a = createRecordEncoder('proto', camel).encode({ deviceName: 'x', where: { lat: 1 } }, 0);
    const b = encoder.encode({ device_name: 'x', where: { lat: 1 } }, 0);
    assert.equal(hex(a), hex(b));
    assert.equal(hex(encoder.encode({ deviceName: 'x', where: { lat: 1 } }, 0)), hex(b));
  });

  it("never writes one key to two fields when a camelCase name is another field's name", () => {
    const Clash = protobuf
      .parse(
        'syntax = "proto2"; message C { optional int32 a_b = 1; optional int32 aB = 2; optional int32 x__y = 3; optional int32 x_y = 4; }',
        {
          keepCase: true,
        },
      )
      .root.lookupType('C');
    const clash = createRecordEncoder('proto', Clash);
    const fields = (record: object) => Clash.toObject(Clash.decode(clash.encode(record, 0)));
    assert.deepEqual(fields({ aB: 1 }), { aB: 1 }, '"aB" is field aB only, not also a_b');
    assert.deepEqual(fields({ a_b: 5 }), { a_b: 5 });
    // x__y and x_y share the camelCase name xY: it names neither.
    assertRecordError(() => clash.encode({ xY: 1 }, 0), 0, 'xY', 'is not a field of C');
  });

  it('accepts every int64 form and refuses what does not fit', () => {
    const Long = protobuf.util.Long as unknown as { fromString(s: string, unsigned?: boolean): object };
    const forms = [-5, -5n, '-5', Long.fromString('-5')];
    const expected = hex(encoder.encode({ device_name: '', i64: -5, s64: -5, sf64: -5 }, 0));
    for (const v of forms) assert.equal(hex(encoder.encode({ device_name: '', i64: v, s64: v, sf64: v }, 0)), expected);
    const max = hex(encoder.encode({ device_name: '', u64: 18446744073709551615n }, 0));
    assert.equal(hex(encoder.encode({ device_name: '', u64: '18446744073709551615' }, 0)), max);
    assert.equal(hex(encoder.encode({ device_name: '', u64: Long.fromString('18446744073709551615', true) }, 0)), max);

    assertRecordError(() => encoder.encode({ device_name: '', i64: 2 ** 60 }, 2), 2, 'i64', 'not a safe integer');
    assertRecordError(() => encoder.encode({ device_name: '', i64: 1.5 }, 2), 2, 'i64', 'not an integer');
    assertRecordError(() => encoder.encode({ device_name: '', i64: 2n ** 63n }, 2), 2, 'i64', 'out of range');
    assertRecordError(() => encoder.encode({ device_name: '', u64: -1n }, 2), 2, 'u64', 'out of range');
    assertRecordError(() => encoder.encode({ device_name: '', u64: -1 }, 2), 2, 'u64', 'out of range');
    assertRecordError(
      () => encoder.encode({ device_name: '', u64: Long.fromString('-1') }, 2),
      2,
      'u64',
      'out of range',
    );
    assertRecordError(
      () => encoder.encode({ device_name: '', i64: '12abc' }, 2),
      2,
      'i64',
      'expects int64',
      'string "12abc"',
    );
    assertRecordError(
      () => encoder.encode({ device_name: '', s64: true }, 2),
      2,
      's64',
      'expects sint64',
      'got boolean true',
    );
  });

  it('checks 32-bit integers, floats, bools, strings and bytes strictly', () => {
    const r = (extra: object) => () => encoder.encode({ device_name: '', ...extra }, 1);
    assertRecordError(r({ i32: 2 ** 31 }), 1, 'i32', 'expects int32', 'out of range');
    assertRecordError(r({ i32: '5' }), 1, 'i32', 'expects int32 (integer number), got string "5"');
    assertRecordError(r({ u32: -1 }), 1, 'u32', 'out of range');
    assertRecordError(r({ f32: 2 ** 32 }), 1, 'f32', 'out of range');
    assertRecordError(r({ sf32: 0.5 }), 1, 'sf32', 'got number 0.5');
    assertRecordError(r({ humidity: 1e39 }), 1, 'humidity', 'expects float', 'out of range');
    assertRecordError(r({ temp: 'hot' }), 1, 'temp', 'expects double (number), got string "hot"');
    assertRecordError(r({ ok: 1 }), 1, 'ok', 'expects bool');
    assertRecordError(r({ device_name: 5 }), 1, 'device_name', 'expects string, got number 5');
    assertRecordError(r({ raw: 'AQID' }), 1, 'raw', 'expects bytes (Uint8Array or Buffer)');
    assertRecordError(r({ where: 'x' }), 1, 'where', 'expects message test.records.Location');
    assertRecordError(r({ tags: 'x' }), 1, 'tags', 'expects an array of string');
    assertRecordError(r({ counters: [] }), 1, 'counters', 'expects a map');
    // NaN and infinities are valid floating-point values in protobuf.
    assert.doesNotThrow(r({ temp: Number.NaN, humidity: Number.POSITIVE_INFINITY }));
  });

  it('takes enums as numbers or names and refuses undefined ones', () => {
    const byName = encoder.encode({ device_name: '', color: 'INFRARED', palette: ['RED'] }, 0);
    assert.equal(hex(encoder.encode({ device_name: '', color: -1, palette: [1] }, 0)), hex(byName));
    assertRecordError(
      () => encoder.encode({ device_name: '', color: 'PURPLE' }, 3),
      3,
      'color',
      'expects enum Color (COLOR_UNSPECIFIED, RED',
      'got string "PURPLE"',
    );
    assertRecordError(() => encoder.encode({ device_name: '', palette: [1, 9] }, 3), 3, 'palette[1]', 'got number 9');
    assertRecordError(
      () => encoder.encode({ device_name: '', colors: { a: 'NOPE' } }, 3),
      3,
      'colors["a"]',
      'expects enum Color',
    );
  });

  it('takes maps as plain objects or Map, with keys converted to the key type', () => {
    const fromObject = encoder.encode({ device_name: '', places: { '1': { lat: 1 } }, counters: { k: 5n } }, 0);
    const fromMap = encoder.encode(
      { device_name: '', places: new Map([[1, { lat: 1 }]]), counters: new Map([['k', 5]]) },
      0,
    );
    assert.equal(hex(fromMap), hex(fromObject));
    assertRecordError(
      () => encoder.encode({ device_name: '', places: { one: {} } }, 0),
      0,
      'places["one"]',
      'expects int32',
    );
    assertRecordError(
      () => encoder.encode({ device_name: '', counters: { a: null } }, 0),
      0,
      'counters["a"]',
      'map values cannot be null',
    );
    // undefined map values are skipped, like undefined properties
    assert.equal(hex(encoder.encode({ device_name: '', counters: { a: undefined } }, 0)), '0a00');
  });

  it('names unknown keys (with a hint) but ignores keys whose value is undefined', () => {
    assertRecordError(
      () => encoder.encode({ device_name: 'x', tmep: 20 }, 4),
      4,
      'tmep',
      'not a field of test.records.Reading',
      'did you mean "temp"',
    );
    assertRecordError(
      () => encoder.encode({ device_name: 'x', where: { lat: 1, lng: 2 } }, 4),
      4,
      'where.lng',
      'not a field of test.records.Location',
    );
    assert.equal(
      hex(encoder.encode({ device_name: 'x', tmep: undefined }, 0)),
      hex(encoder.encode({ device_name: 'x' }, 0)),
    );
    assertRecordError(() => encoder.encode({ device_name: 'x', deviceName: 'y' }, 4), 4, 'device_name', 'given twice');
  });

  it('requires proto2 required fields, at any depth', () => {
    assertRecordError(
      () => encoder.encode({ temp: 1 }, 6),
      6,
      'device_name',
      'required field "device_name" is missing',
    );
    assertRecordError(() => encoder.encode({ device_name: null }, 6), 6, 'device_name', 'is null');
    assertRecordError(
      () => encoder.encode({ device_name: '', detail: { level: 1, next: { note: 'no level' } } }, 6),
      6,
      'detail.next.level',
      'required field',
    );
  });

  it('allows one member per oneof', () => {
    assertRecordError(
      () => encoder.encode({ device_name: '', text: 'a', number: 1 }, 0),
      0,
      'number',
      'oneof "choice"',
      '"text"',
    );
    assert.doesNotThrow(() => encoder.encode({ device_name: '', text: 'a', number: null }, 0));
  });

  it('names the path of errors in nested messages, arrays and maps', () => {
    assertRecordError(
      () => encoder.encode({ device_name: '', path: [{}, { lat: 'n' }] }, 9),
      9,
      'path[1].lat',
      'expects double',
    );
    assertRecordError(
      () => encoder.encode({ device_name: '', places: { '5': { label: 7 } } }, 9),
      9,
      'places["5"].label',
    );
    assertRecordError(() => encoder.encode({ device_name: '', tags: ['a', null] }, 9), 9, 'tags[1]', 'got null');
    assertRecordError(() => encoder.encode({ device_name: '', values: [1, 'x'] }, 9), 9, 'values[1]');
  });

  it('keeps error messages short for huge values', () => {
    const error = assertRecordError(() => encoder.encode({ device_name: '', temp: 'x'.repeat(100_000) }, 0), 0, 'temp');
    assert.ok(error.message.length < 200, error.message);
    const big = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    const error2 = assertRecordError(() => encoder.encode({ device_name: '', where: [big] }, 0), 0, 'where');
    assert.ok(error2.message.length < 200, error2.message);
  });

  it('refuses records that are not message objects or bytes', () => {
    for (const record of ['{"device_name":"x"}', 5, null, undefined, [1], new Float32Array(2)]) {
      assertRecordError(
        () => encoder.encode(record, 2),
        2,
        undefined,
        'a proto stream takes message objects or encoded Uint8Array',
      );
    }
  });

  it('passes encoded bytes through and returns them as the user record', () => {
    const bytes = pbjsEncode(Reading, { device_name: 'pre' });
    assert.equal(encoder.encode(bytes, 0), bytes);
    assert.equal(encoder.toUserRecord(bytes), bytes);
  });

  it('encodes protobufjs message instances by their own properties only', () => {
    const message = Reading.fromObject({ device_name: 'm', i64: '77', where: { lat: 2 }, samples: [3] });
    assert.equal(hex(encoder.encode(message, 0)), hex(Reading.encode(message).finish()));
    assert.equal(
      hex(encoder.encode(Reading.create({ device_name: 'c' }), 0)),
      hex(encoder.encode({ device_name: 'c' }, 0)),
    );
  });

  it('encodes protobuf-es messages of its own schema with toBinary', () => {
    const schema = readingSchema();
    const es = createRecordEncoder('proto', schema);
    const message = create(schema, { deviceName: 'es', i64: 5n, choice: { case: 'number', value: 4 } } as never);
    assert.equal(hex(es.encode(message, 0)), hex(toBinary(schema, message)));
    assert.deepEqual(decode(es.encode(message, 0)), { device_name: 'es', i64: '5', number: 4 });
    const other = create(readingSchema().nestedMessages[0]!, { level: 1 } as never);
    assertRecordError(() => es.encode(other, 1), 1, undefined, 'test.records.Reading.Detail');
  });

  it('encodes strings of every length and script like protobufjs; lone surrogates become U+FFFD', () => {
    for (const text of [
      '',
      'a',
      'é',
      '中文',
      '😀x',
      'x'.repeat(127),
      'ü'.repeat(64),
      'é'.repeat(70),
      'y'.repeat(20000),
    ]) {
      const record = { device_name: text, tags: [text] };
      assert.equal(hex(encoder.encode(record, 0)), hex(pbjsEncode(Reading, record)), `length ${text.length}`);
    }
    assert.equal(hex(encoder.encode({ device_name: 'a\ud800b' }, 0)), '0a0561efbfbd62');
    assert.equal(hex(encoder.encode({ device_name: `${'x'.repeat(65)}\udc00` }, 0)).slice(-6), 'efbfbd');
  });

  it('grows length prefixes of large nested messages', () => {
    let detail: Record<string, unknown> = { level: 0, note: 'n'.repeat(200) };
    for (let i = 1; i < 60; i++) detail = { level: i, note: 'm'.repeat(i * 10), next: detail };
    const record = { device_name: 'deep', detail, path: [{ label: 'z'.repeat(20000) }] };
    const bytes = encoder.encode(record, 0);
    assert.equal(hex(bytes), hex(pbjsEncode(Reading, record)));
  });

  it('converts map keys given as strings to 64-bit, 32-bit and bool keys', () => {
    const Keys = protobuf
      .parse(
        'syntax = "proto3"; message Keys { map<int64, string> big = 1; map<bool, int32> flags = 2; map<uint32, bool> small = 3; }',
      )
      .root.lookupType('Keys');
    const keys = createRecordEncoder('proto', Keys);
    const record = {
      big: { '9007199254740993': 'a', '-1': 'b' },
      flags: { true: 1, false: 0 },
      small: { '4294967295': true },
    };
    const decoded = Keys.toObject(Keys.decode(keys.encode(record, 0)), { longs: String });
    assert.deepEqual(decoded.flags, { true: 1, false: 0 });
    assert.deepEqual(decoded.small, { '4294967295': true });
    const viaMap = keys.encode(
      {
        big: new Map<unknown, string>([
          [9007199254740993n, 'a'],
          [-1, 'b'],
        ]),
        flags: new Map([
          [true, 1],
          [false, 0],
        ]),
        small: new Map([[4294967295, true]]),
      },
      0,
    );
    assert.equal(hex(viaMap), hex(keys.encode(record, 0)));
    assertRecordError(() => keys.encode({ flags: { yes: 1 } }, 0), 0, 'flags["yes"]', 'expects bool');
    assertRecordError(() => keys.encode({ big: { '1e3': 'x' } }, 0), 0, 'big["1e3"]', 'expects int64');
    // protobufjs turns 64-bit keys into hash strings; protobuf-es decodes them as decimal strings.
    const normalized = fromBinary(DescriptorProtoSchema, keys.descriptorProto!);
    const file = create(FileDescriptorProtoSchema, { name: 'k.proto', syntax: 'proto2', messageType: [normalized] });
    const schema = createFileRegistry(file, () => undefined).getMessage('Keys')!;
    const viaEs = fromBinary(schema, keys.encode(record, 0)) as unknown as { big: Record<string, string> };
    assert.deepEqual({ ...viaEs.big }, { '9007199254740993': 'a', '-1': 'b' });
  });
});
