/**
 * The mapping rules of PROTOCOL.md §7 as the generators apply them: types and labels, field
 * numbers, nested message names, and the SchemaError (naming the column path) for each shape
 * or name protobuf cannot carry.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NonRetriableError } from '@zerobus/sdk';
import {
  parseTypeText,
  SchemaError,
  type StructField,
  schemaToDescriptorProto,
  schemaToProtoFile,
  schemaToTypeScript,
  type TableSchema,
} from '@zerobus/sdk/schema';
import { planProtoMessage, protocCamelCase, protoFieldNumber } from '../../src/schema/proto-plan.js';
import { descriptorShapes } from './proto-fixtures.js';

const col = (name: string, typeText: string, nullable = true): StructField => ({
  name,
  type: parseTypeText(typeText),
  nullable,
});
const table = (...fields: StructField[]): TableSchema => ({ fields });

/** `field.name type label` of every field of the top message, from the .proto text. */
function declarations(schema: TableSchema, messageName = 'Row'): string[] {
  const text = schemaToProtoFile(schema, { messageName });
  return [...text.matchAll(/^ {2}(\S.*?;)/gm)].map((m) => m[1] as string);
}

/** Runs `generate` and checks the SchemaError names `field` and says `why`. */
function refuses(generate: () => unknown, field: string | undefined, why: RegExp): void {
  assert.throws(generate, (error: unknown) => {
    assert.ok(error instanceof SchemaError, `expected a SchemaError, got ${error}`);
    assert.equal(error.code, 'INVALID_SCHEMA');
    assert.equal(error.field, field);
    assert.match(error.message, why);
    if (field !== undefined) assert.ok(error.message.startsWith(`column ${JSON.stringify(field)}: `), error.message);
    return true;
  });
}

/** All three generators refuse the schema with the same error. */
function allRefuse(schema: TableSchema, field: string, why: RegExp): void {
  refuses(() => schemaToProtoFile(schema, { messageName: 'Row' }), field, why);
  refuses(() => schemaToDescriptorProto(schema, 'Row'), field, why);
  refuses(() => schemaToTypeScript(schema, { messageName: 'Row', tableName: 'c.s.t' }), field, why);
}

describe('proto mapping: types and labels', () => {
  it('maps every primitive as §7 says, nullable to optional and NOT NULL to required', () => {
    const schema = table(
      col('a', 'tinyint'),
      col('b', 'smallint'),
      col('c', 'int', false),
      col('d', 'bigint', false),
      col('e', 'float'),
      col('f', 'double'),
      col('g', 'boolean'),
      col('h', 'string'),
      col('i', 'varchar(3)'),
      col('j', 'char(2)'),
      col('k', 'binary'),
      col('l', 'date'),
      col('m', 'timestamp'),
      col('n', 'timestamp_ntz'),
      col('o', 'variant'),
      col('p', 'decimal(10,2)'),
      col('q', 'decimal(38,18)', false),
    );
    assert.deepEqual(declarations(schema), [
      'optional int32 a = 1;',
      'optional int32 b = 2;',
      'required int32 c = 3;',
      'required int64 d = 4;',
      'optional float e = 5;',
      'optional double f = 6;',
      'optional bool g = 7;',
      'optional string h = 8;',
      'optional string i = 9;',
      'optional string j = 10;',
      'optional bytes k = 11;',
      'optional int32 l = 12;',
      'optional int64 m = 13;',
      'optional int64 n = 14;',
      'optional string o = 15;',
      'optional string p = 16;',
      'required string q = 17;',
    ]);
  });

  it('arrays are repeated and maps map<K,V>, with no label whatever the nullability', () => {
    const schema = table(
      col('a', 'array<bigint>', false),
      col('b', 'array<decimal(5,1)>'),
      col('c', 'map<tinyint,date>', false),
      col('d', 'map<smallint,string>'),
      col('e', 'map<int,struct<x:int>>'),
      col('f', 'map<bigint,timestamp>'),
      col('g', 'map<string,decimal(3,0)>'),
    );
    assert.deepEqual(declarations(schema), [
      'repeated int64 a = 1;',
      'repeated string b = 2;',
      'map<int32, int32> c = 3;',
      'map<int32, string> d = 4;',
      'map<int32, E> e = 5;',
      'map<int64, int64> f = 6;',
      'map<string, string> g = 7;',
    ]);
  });

  it('comments give the Delta type and the value form', () => {
    const text = schemaToProtoFile(
      table(col('p', 'decimal(10,2)'), col('d', 'date'), col('t', 'timestamp'), col('z', 'decimal(3,3)')),
      { messageName: 'Row', tableName: 'main.s.t' },
    );
    assert.match(text, /^\/\/ Generated from table main\.s\.t by zerobus generate-proto; do not edit\.$/m);
    assert.match(text, /^syntax = "proto2";$/m);
    assert.match(text, /optional string p = 1; \/\/ DECIMAL\(10,2\): exact decimal text, e\.g\. "12\.34"$/m);
    assert.match(text, /optional int32 d = 2; \/\/ DATE: days since 1970-01-01$/m);
    assert.match(text, /optional int64 t = 3; \/\/ TIMESTAMP: microseconds since the epoch$/m);
    assert.match(text, /\/\/ DECIMAL\(3,3\): exact decimal text, e\.g\. "0\.34"$/m);
  });

  it('is deterministic', () => {
    const schema = table(col('a', 'struct<b:map<string,struct<c:int>>>'), col('d', 'array<struct<e:int>>'));
    const first = schemaToProtoFile(schema, { messageName: 'Row' });
    assert.equal(schemaToProtoFile(structuredClone(schema), { messageName: 'Row' }), first);
    assert.deepEqual(schemaToDescriptorProto(schema, 'Row'), schemaToDescriptorProto(schema, 'Row'));
  });
});

describe('proto mapping: field numbers', () => {
  it('follow column order from 1 and skip 19000–19999, which protobuf reserves', () => {
    assert.equal(protoFieldNumber(0), 1);
    assert.equal(protoFieldNumber(18_997), 18_998);
    assert.equal(protoFieldNumber(18_998), 18_999);
    assert.equal(protoFieldNumber(18_999), 20_000);
    assert.equal(protoFieldNumber(19_004), 20_005);
    for (let i = 0; i < 25_000; i++) {
      const n = protoFieldNumber(i);
      assert.ok(n < 19_000 || n > 19_999, `index ${i} got reserved number ${n}`);
      if (i > 0) assert.ok(n > protoFieldNumber(i - 1));
    }
  });

  it('a table of 19,005 columns numbers its last column 20005, in the text and the descriptor', () => {
    const schema = table(...Array.from({ length: 19_005 }, (_, i) => col(`c${i}`, 'int')));
    const numbers = planProtoMessage(schema, 'Wide').fields.map((f) => f.number);
    assert.equal(numbers[18_998], 18_999);
    assert.equal(numbers[18_999], 20_000);
    assert.equal(numbers.at(-1), 20_005);
    const described = descriptorShapes(schemaToDescriptorProto(schema, 'Wide')).get('.Wide') ?? [];
    assert.deepEqual(
      described.map((f) => f.number),
      numbers,
    );
    assert.match(schemaToProtoFile(schema, { messageName: 'Wide' }), /optional int32 c19004 = 20005;/);
  });

  it('restart from 1 in every nested message', () => {
    const plan = planProtoMessage(table(col('a', 'int'), col('s', 'struct<x:int,y:int>')), 'Row');
    assert.deepEqual(
      plan.messages[0]?.fields.map((f) => f.number),
      [1, 2],
    );
  });
});

describe('proto mapping: nested message names', () => {
  it("are the PascalCase of the field name, as protoc's map entries are", () => {
    assert.equal(protocCamelCase('device_info'), 'DeviceInfo');
    assert.equal(protocCamelCase('a__b_1c'), 'AB1c');
    assert.equal(protocCamelCase('already_Pascal'), 'AlreadyPascal');
    const plan = planProtoMessage(
      table(col('device_info', 'struct<a:int>'), col('readings', 'array<struct<b:int>>')),
      'Row',
    );
    assert.deepEqual(
      plan.messages.map((m) => m.fullName),
      ['Row.DeviceInfo', 'Row.Readings'],
    );
  });

  it('are unique among siblings and map entries, differ from the parent, and are identifiers', () => {
    const plan = planProtoMessage(
      table(
        col('a_b', 'struct<x:int>'),
        col('aB', 'array<struct<x:int>>'),
        col('row', 'struct<x:int>'),
        col('tags_entry', 'struct<x:int>'),
        col('tags', 'map<string,int>'),
        col('_9', 'struct<x:int>'),
        col('_', 'struct<x:int>'),
      ),
      'Row',
    );
    assert.deepEqual(
      plan.messages.map((m) => m.name),
      ['AB', 'AB2', 'Row2', 'TagsEntry2', 'Message9', 'Message'],
    );
  });

  it('avoid the names of their own fields and map entries', () => {
    const plan = planProtoMessage(table(col('info', 'struct<Info:int,i:map<string,int>>'), col('i', 'int')), 'Row');
    assert.equal(plan.messages[0]?.name, 'Info2');
    const entry = planProtoMessage(table(col('i_entry', 'struct<i:map<string,int>>')), 'Row');
    assert.equal(entry.messages[0]?.name, 'IEntry2');
  });
});

describe('proto mapping: what protobuf cannot express', () => {
  it('nested arrays', () => {
    allRefuse(
      table(col('a', 'array<array<int>>')),
      'a',
      /^column "a": ARRAY<ARRAY<INT>> cannot be expressed in protobuf: nested arrays$/,
    );
    allRefuse(
      table(col('a', 'struct<b:array<array<int>>>')),
      'a.b',
      /^column "a\.b": ARRAY<ARRAY<INT>> cannot be expressed in protobuf: nested arrays$/,
    );
  });

  it('arrays of maps', () => {
    allRefuse(table(col('a', 'array<map<string,int>>')), 'a', /ARRAY<MAP<STRING,INT>> .*: arrays of maps$/);
    allRefuse(table(col('a', 'array<struct<b:array<map<int,int>>>>')), 'a[].b', /: arrays of maps$/);
  });

  it('map values that are arrays or maps', () => {
    allRefuse(table(col('m', 'map<string,array<int>>')), 'm', /MAP<STRING,ARRAY<INT>> .*: map values that are arrays$/);
    allRefuse(table(col('m', 'map<int,map<int,int>>')), 'm', /: map values that are maps$/);
    allRefuse(table(col('m', 'map<string,struct<x:array<array<int>>>>')), 'm{value}.x', /: nested arrays$/);
  });

  it('map keys that are not integral or string', () => {
    for (const key of ['double', 'float', 'boolean', 'date', 'timestamp', 'binary', 'decimal(10,2)', 'variant']) {
      allRefuse(
        table(col('m', `map<${key},int>`)),
        'm',
        /map keys must be TINYINT, SMALLINT, INT, BIGINT or STRING, not [A-Z]/,
      );
    }
    allRefuse(table(col('m', 'map<struct<a:int>,int>')), 'm', /not STRUCT<a:INT>$/);
    allRefuse(table(col('m', 'map<array<int>,int>')), 'm', /not ARRAY<INT>$/);
  });

  it('column names that are not protobuf identifiers, at any depth', () => {
    for (const name of ['a b', '1x', 'ü', 'a-b', 'a.b', '']) {
      allRefuse(table(col(name, 'int')), name, /not a protobuf field name .*cannot be renamed/);
    }
    allRefuse(table(col('s', 'struct<`x y`:int>')), 's.x y', /not a protobuf field name/);
    allRefuse(table(col('a', 'array<struct<`9`:int>>')), 'a[].9', /not a protobuf field name/);
  });

  it('duplicate column names', () => {
    allRefuse(table(col('a', 'int'), col('a', 'string')), 'a', /duplicate column name/);
    allRefuse(
      table(col('Id', 'int'), col('id', 'string')),
      'id',
      /duplicate column name \(same as "Id" ignoring case\)/,
    );
  });

  it('map entry types protoc would name like another field, map or the message', () => {
    allRefuse(table(col('TagsEntry', 'int'), col('tags', 'map<string,int>')), 'tags', /TagsEntry, which clashes/);
    allRefuse(table(col('a_b', 'map<string,int>'), col('aB', 'map<string,int>')), 'aB', /ABEntry, which clashes/);
    refuses(
      () => schemaToProtoFile(table(col('tags', 'map<string,int>')), { messageName: 'TagsEntry' }),
      'tags',
      /clashes with the message itself/,
    );
  });

  it('message names that are not identifiers (no column to name)', () => {
    for (const messageName of ['', '1Row', 'my-table', 'a.b', 'Row ']) {
      refuses(() => schemaToProtoFile(table(col('a', 'int')), { messageName }), undefined, /not a protobuf identifier/);
      refuses(
        () => schemaToDescriptorProto(table(col('a', 'int')), messageName),
        undefined,
        /not a protobuf identifier/,
      );
    }
  });

  it('the TypeScript module also refuses names TypeScript reserves and bad table names', () => {
    const schema = table(col('a', 'int'));
    for (const messageName of ['string', 'class', 'Date', 'Map', 'TableSchema', 'TableProperties']) {
      assert.ok(schemaToProtoFile(schema, { messageName }));
      refuses(() => schemaToTypeScript(schema, { messageName, tableName: 'c.s.t' }), undefined, /cannot name/);
    }
    assert.throws(
      () => schemaToTypeScript(schema, { messageName: 'Row', tableName: 'only.two' }),
      (error: unknown) => error instanceof NonRetriableError && error.code === 'INVALID_TABLE_NAME',
    );
  });
});
