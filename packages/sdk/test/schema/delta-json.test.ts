import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fromDeltaSchemaJson,
  parseTypeText,
  SchemaError,
  schemaFromUcColumns,
  type TableSchema,
  toDeltaSchemaJson,
} from '@zerobus/sdk/schema';

describe('Delta schema JSON', () => {
  it('writes the Delta protocol serialization, comments in the field metadata', () => {
    const schema: TableSchema = {
      fields: [
        { name: 'id', type: parseTypeText('bigint'), nullable: false, comment: 'key' },
        { name: 'amount', type: parseTypeText('decimal(10,2)'), nullable: true },
        {
          name: 'tags',
          type: {
            kind: 'map',
            keyType: parseTypeText('string'),
            valueType: parseTypeText('int'),
            valueContainsNull: false,
          },
          nullable: true,
        },
        { name: 'events', type: parseTypeText('array<struct<t:timestamp_ntz,v:variant>>'), nullable: true },
        { name: 'b', type: parseTypeText('tinyint'), nullable: true },
      ],
    };
    assert.deepStrictEqual(JSON.parse(toDeltaSchemaJson(schema)), {
      type: 'struct',
      fields: [
        { name: 'id', type: 'long', nullable: false, metadata: { comment: 'key' } },
        { name: 'amount', type: 'decimal(10,2)', nullable: true, metadata: {} },
        {
          name: 'tags',
          type: { type: 'map', keyType: 'string', valueType: 'integer', valueContainsNull: false },
          nullable: true,
          metadata: {},
        },
        {
          name: 'events',
          type: {
            type: 'array',
            elementType: {
              type: 'struct',
              fields: [
                { name: 't', type: 'timestamp_ntz', nullable: true, metadata: {} },
                { name: 'v', type: 'variant', nullable: true, metadata: {} },
              ],
            },
            containsNull: true,
          },
          nullable: true,
          metadata: {},
        },
        { name: 'b', type: 'byte', nullable: true, metadata: {} },
      ],
    });
    assert.deepStrictEqual(fromDeltaSchemaJson(toDeltaSchemaJson(schema)), schema);
  });

  it('reads what Spark writes, ignoring metadata it does not model', () => {
    const spark =
      '{"type":"struct","fields":[{"name":"a","type":"integer","nullable":true,"metadata":{"delta.generationExpression":"1"}},' +
      '{"name":"d","type":"decimal(38, 18)","nullable":true,"metadata":{}},{"name":"s","type":"short","nullable":false,"metadata":{}}]}';
    assert.deepStrictEqual(fromDeltaSchemaJson(spark), {
      fields: [
        { name: 'a', type: { kind: 'primitive', name: 'integer' }, nullable: true },
        { name: 'd', type: { kind: 'decimal', precision: 38, scale: 18 }, nullable: true },
        { name: 's', type: { kind: 'primitive', name: 'short' }, nullable: false },
      ],
    });
  });

  it('rejects malformed schemas, naming the field', () => {
    const field = (type: unknown, extra: object = {}) =>
      JSON.stringify({ type: 'struct', fields: [{ name: 'x', type, nullable: true, metadata: {}, ...extra }] });
    const cases: [string, RegExp][] = [
      ['{', /not valid JSON/],
      ['"long"', /Delta schema must be a struct/],
      [field('interval'), /field 'x': unknown type 'interval'/],
      [field('decimal(39,1)'), /field 'x': invalid decimal 'decimal\(39,1\)'/],
      [field({ type: 'array', elementType: 'int', containsNull: true }), /field 'x\[\]': unknown type 'int'/],
      [field({ type: 'array', elementType: 'integer' }), /field 'x': 'containsNull' must be a boolean, got nothing/],
      [field({ type: 'map', keyType: 'string', valueType: 7, valueContainsNull: true }), /'x\{value\}'/],
      [field('long', { nullable: 'yes' }), /field 'x': 'nullable' must be a boolean/],
      [field('long', { metadata: [] }), /'metadata' must be an object/],
      [JSON.stringify({ type: 'struct', fields: [{ type: 'long', nullable: true }] }), /needs a non-empty 'name'/],
      [
        JSON.stringify({
          type: 'struct',
          fields: [
            { name: 'A', type: 'long', nullable: true, metadata: {} },
            { name: 'a', type: 'long', nullable: true, metadata: {} },
          ],
        }),
        /duplicate field name 'a'/,
      ],
    ];
    for (const [json, message] of cases) {
      assert.throws(
        () => fromDeltaSchemaJson(json),
        (e: unknown) => e instanceof SchemaError && e.code === 'INVALID_SCHEMA' && message.test(e.message),
        json,
      );
    }
  });
});

describe('schemaFromUcColumns', () => {
  it('orders columns by position and parses their type_text', () => {
    const schema = schemaFromUcColumns([
      { name: 'b', type_text: 'map<string,int>', nullable: true, position: 1 },
      { name: 'c', type_text: 'STRUCT<x: DOUBLE>', nullable: false, position: 2, comment: 'nested' },
      { name: 'a', type_text: 'bigint', nullable: false, position: 0 },
    ]);
    assert.deepStrictEqual(schema, {
      fields: [
        { name: 'a', type: parseTypeText('bigint'), nullable: false },
        { name: 'b', type: parseTypeText('map<string,int>'), nullable: true },
        { name: 'c', type: parseTypeText('struct<x:double>'), nullable: false, comment: 'nested' },
      ],
    });
  });

  it('keeps list order without positions and defaults nullable to true', () => {
    const schema = schemaFromUcColumns([
      { name: 'z', type_text: 'int' },
      { name: 'y', type_text: 'string', nullable: false },
    ]);
    assert.deepStrictEqual(
      schema.fields.map((f) => [f.name, f.nullable]),
      [
        ['z', true],
        ['y', false],
      ],
    );
  });

  it('names the column in errors', () => {
    assert.throws(
      () => schemaFromUcColumns([{ name: 'amount', type_text: 'decimal(50,2)', nullable: true }]),
      (e: unknown) =>
        e instanceof SchemaError &&
        e.field === 'amount' &&
        /^column 'amount': invalid type 'decimal\(50,2\)' at position 8: decimal precision/.test(e.message),
    );
    assert.throws(
      () =>
        schemaFromUcColumns([
          { name: 'a', type_text: 'int', position: 0 },
          { name: 'A', type_text: 'int', position: 1 },
        ]),
      /column 'A': duplicate column name \(same as 'a' ignoring case\)/,
    );
    assert.throws(
      () =>
        schemaFromUcColumns([
          { name: 'a', type_text: 'int', position: 0 },
          { name: 'b', type_text: 'int', position: 0 },
        ]),
      /column 'b': position 0 is used by another column/,
    );
    assert.throws(() => schemaFromUcColumns([{ name: '', type_text: 'int' }]), /column #0 needs a non-empty name/);
  });
});
