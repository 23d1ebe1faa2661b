/** Protobuf records: nesting, presence, field paths, malformed bytes and protobuf's merge rules. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProtoDecoder } from '../../src/validation/index.js';
import { protoFixture } from './support/proto.js';
import { rejects } from './support/rejection.js';
import { array, col, map, notNull, prim, struct, table } from './support/types.js';
import { bytes, delimited, fixed32, tag, text, varint } from './support/wire.js';

const NESTED = protoFixture(`
  message Row {
    required int64 id = 1;
    optional string name = 2;
    optional Site site = 3;
    message Site {
      optional string code = 1;
      repeated Sensor sensors = 2;
    }
    message Sensor {
      required int32 serial = 1;
      optional Reading reading = 2;
    }
    message Reading {
      optional double temp = 1;
      optional int64 at = 2;
      map<string, sint32> tags = 3;
      repeated int32 samples = 4;
    }
  }`);

const SCHEMA = table(
  notNull('id', prim('long')),
  col('name', prim('string')),
  col(
    'site',
    struct(
      notNull('code', prim('string')), // `optional` in the descriptor: allowed, enforced per record
      col(
        'sensors',
        array(
          struct(
            notNull('serial', prim('integer')),
            col(
              'reading',
              struct(
                notNull('temp', prim('double')),
                col('at', prim('timestamp')),
                col('tags', map(prim('string'), prim('short'))),
                col('samples', array(prim('byte'))),
              ),
            ),
          ),
        ),
      ),
    ),
  ),
);

const decoder = createProtoDecoder(SCHEMA, NESTED.descriptor);
const decode = (record: Record<string, unknown>) => decoder.decode(NESTED.encode(record));

describe('proto records: structure', () => {
  it('decodes a record three levels deep', () => {
    const row = decode({
      id: '9223372036854775807',
      site: {
        code: 'X1',
        sensors: [
          { serial: 7, reading: { temp: 21.5, at: '1700000000000000', tags: { a: -3, b: 300 }, samples: [1, -1] } },
          { serial: 8 },
        ],
      },
    });
    assert.deepEqual(row, [
      9223372036854775807n,
      null,
      {
        code: 'X1',
        sensors: [
          {
            serial: 7,
            reading: {
              temp: 21.5,
              at: 1700000000000000n,
              tags: new Map([
                ['a', -3],
                ['b', 300],
              ]),
              samples: [1, -1],
            },
          },
          { serial: 8, reading: null },
        ],
      },
    ]);
  });

  it('names the path of bad nested values', () => {
    const record = (reading: Record<string, unknown>) => ({
      id: 1,
      site: { code: 'c', sensors: [{ serial: 1 }, { serial: 2, reading }] },
    });
    rejects(
      () => decode(record({ temp: 1, tags: { k: 40000 } })),
      'site.sensors[1].reading.tags["k"]',
      /expected short.*got 40000/,
    );
    rejects(
      () => decode(record({ temp: 1, samples: [1, 2, 300] })),
      'site.sensors[1].reading.samples[2]',
      /expected byte/,
    );
    rejects(
      () => decode(record({ at: '5' })),
      'site.sensors[1].reading.temp',
      /expected double \(NOT NULL\), got no value \(field "temp" = 1 is not set\)/,
    );
    rejects(() => decode({ id: 1, site: { sensors: [] } }), 'site.code', /expected string \(NOT NULL\), got no value/);
  });

  it('rejects an unset NOT NULL column and an unset proto2 required field', () => {
    rejects(() => decoder.decode(new Uint8Array(0)), 'id', /expected long \(a proto2 required field\), got no value/);
    const optional = protoFixture('message Row { optional int64 id = 1; optional string note = 2; }');
    const strict = createProtoDecoder(
      table(notNull('id', prim('long')), col('note', prim('string'))),
      optional.descriptor,
    );
    rejects(() => strict.decode(optional.encode({ note: 'x' })), 'id', /expected long \(NOT NULL\), got no value/);
    const required = protoFixture('message Row { required int64 id = 1; required string note = 2; }');
    const lax = createProtoDecoder(table(col('id', prim('long')), col('note', prim('string'))), required.descriptor);
    assert.deepEqual(lax.decode(required.encode({ id: 1, note: '' })), [1n, '']);
    rejects(() => lax.decode(bytes(tag(1, 0), 1)), 'note', /proto2 required field/);
  });

  it('a nullable column missing from the descriptor is always null', () => {
    const partial = protoFixture('message Row { required int64 id = 1; }');
    const d = createProtoDecoder(table(notNull('id', prim('long')), col('later', prim('string'))), partial.descriptor);
    assert.deepEqual(d.decode(partial.encode({ id: 4 })), [4n, null]);
  });

  it('rejects unknown field numbers, naming the number and the message', () => {
    rejects(
      () => decoder.decode(bytes(tag(1, 0), 1, tag(9, 0), 5)),
      '#9',
      /unknown field number 9 \(wire type 0, varint\): Row has fields 1 \(id\), 2 \(name\), 3 \(site\)/,
    );
    const site = [...delimited(1, text('c')), ...tag(7, 5), ...fixed32(1)];
    rejects(
      () => decoder.decode(bytes(tag(1, 0), 1, delimited(3, site))),
      'site.#7',
      /unknown field number 7 .*Row\.Site has fields 1 \(code\), 2 \(sensors\)/,
    );
  });

  it('rejects malformed bytes with a clear message', () => {
    rejects(() => decoder.decode(bytes(tag(1, 0), 0xff)), 'id', /invalid protobuf encoding: truncated varint/);
    rejects(
      () => decoder.decode(bytes(tag(1, 0), 1, tag(2, 2), 5, 0x61)),
      'name',
      /length 5 runs past the end of the message/,
    );
    rejects(() => decoder.decode(bytes(0x08)), 'id', /truncated varint/);
    rejects(() => decoder.decode(bytes(0x80)), undefined, /^invalid protobuf encoding: truncated varint$/);
    rejects(() => decoder.decode(bytes(tag(1, 0), 1, tag(0, 0), 1)), undefined, /field number 0/);
    rejects(() => decoder.decode(bytes(tag(1, 0), 1, delimited(2, [0xc3, 0x28]))), 'name', /string is not valid UTF-8/);
    rejects(() => decoder.decode(bytes(tag(1, 0), ...Array(11).fill(0xff), 1)), 'id', /varint longer than 10 bytes/);
    // A truncated sub-message: its length runs past the end of the record.
    rejects(() => decoder.decode(bytes(tag(1, 0), 1, tag(3, 2), 10, 0x0a)), 'site', /runs past the end/);
  });

  it('rejects a known field sent with the wrong wire type', () => {
    rejects(
      () => decoder.decode(bytes(tag(1, 2), 0)),
      'id',
      /expected int64 \(wire type 0, varint\), got wire type 2 \(length-delimited\)/,
    );
    rejects(() => decoder.decode(bytes(tag(1, 0), 1, tag(3, 0), 1)), 'site', /expected message Row\.Site/);
    rejects(() => decoder.decode(bytes(tag(1, 3), tag(1, 4))), 'id', /got wire type 3 \(start-group\)/);
  });

  it('follows protobuf rules: last scalar wins, messages merge, packed and unpacked mix, oneofs clear', () => {
    const site1 = delimited(1, text('first'));
    const site2 = delimited(2, [...tag(1, 0), ...varint(5)]); // sensors: [{ serial: 5 }]
    const row = decoder.decode(bytes(tag(1, 0), 1, tag(1, 0), 2, delimited(3, site1), delimited(3, site2)));
    assert.deepEqual(row, [2n, null, { code: 'first', sensors: [{ serial: 5, reading: null }] }]);

    const mixed = protoFixture('message Row { repeated int32 v = 1; }');
    const d = createProtoDecoder(table(col('v', array(prim('integer')))), mixed.descriptor);
    const packed = [...varint(3), ...varint(-4), ...varint(5)];
    assert.deepEqual(d.decode(bytes(tag(1, 0), 1, delimited(1, packed), tag(1, 0), 2)), [[1, 3, -4, 5, 2]]);
    rejects(() => d.decode(bytes(delimited(1, [1, 0x80]))), 'v[1]', /truncated varint/);

    const choice = protoFixture('message Row { oneof pick { string text = 1; int32 number = 2; } }');
    const o = createProtoDecoder(table(col('text', prim('string')), col('number', prim('integer'))), choice.descriptor);
    assert.deepEqual(o.decode(bytes(delimited(1, text('a')), tag(2, 0), 7)), [null, 7]);
    assert.deepEqual(o.decode(bytes(tag(2, 0), 7, delimited(1, text('a')))), ['a', null]);
  });

  it('map entries: defaults for a missing key or value, last entry wins, paths name the key', () => {
    const fixture = protoFixture(`
      message Row {
        map<string, int32> by_name = 1;
        map<int64, Point> by_id = 2;
        message Point { optional double x = 1; }
      }`);
    const d = createProtoDecoder(
      table(
        col('by_name', map(prim('string'), prim('integer'))),
        col('by_id', map(prim('long'), struct(notNull('x', prim('double'))))),
      ),
      fixture.descriptor,
    );
    const entry = (...parts: number[][]) => delimited(1, parts.flat());
    const row = d.decode(
      bytes(entry(tag(2, 0), [5]), entry(delimited(1, text('k'))), entry(delimited(1, text('k')), tag(2, 0), [9])),
    );
    assert.deepEqual(row, [
      new Map([
        ['', 5],
        ['k', 9],
      ]),
      new Map(),
    ]);
    const point = delimited(2, [...tag(1, 0), ...varint(-3)]); // entry: key -3, value Point {} (x unset)
    rejects(
      () => d.decode(bytes(delimited(2, [...tag(1, 0), ...varint(-3), ...delimited(2, [])]))),
      'by_id[-3].x',
      /expected double \(NOT NULL\)/,
    );
    rejects(() => d.decode(bytes(point)), 'by_id[-3].x', /NOT NULL/);
    rejects(() => d.decode(bytes(entry(tag(3, 0), [1]))), 'by_name', /unknown field number 3 in a map entry/);
    rejects(
      () => d.decode(bytes(entry(tag(1, 0), [1]))),
      'by_name',
      /map entry key has wire type 0 \(varint\), expected 2/,
    );
  });

  it('handles large and sparse field numbers', () => {
    const fixture = protoFixture(
      'message Row { optional int32 a = 1; optional string far = 100000; optional int64 last = 536870911; }',
    );
    const d = createProtoDecoder(
      table(col('a', prim('integer')), col('far', prim('string')), col('last', prim('long'))),
      fixture.descriptor,
    );
    assert.deepEqual(d.decode(fixture.encode({ a: 1, far: 'x', last: '-1' })), [1, 'x', -1n]);
    rejects(() => d.decode(bytes(tag(536870910, 0), 1)), '#536870910', /unknown field number 536870910/);
  });

  it('keeps no reference to the payload and can decode again after a rejection', () => {
    const payload = NESTED.encode({ id: 3, name: 'n' });
    const first = decoder.decode(payload);
    payload.fill(0);
    assert.deepEqual(first, [3n, 'n', null]);
    rejects(() => decoder.decode(bytes(0x80)), undefined);
    assert.deepEqual(decode({ id: 4 }), [4n, null, null]);
  });
});
