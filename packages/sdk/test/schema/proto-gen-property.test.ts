/**
 * Random table schemas (any type tree, names chosen to collide): either all three generators
 * succeed, and then protobufjs reads the .proto as the descriptor says, the SDK encodes a record
 * with the descriptor and the local server decodes it for the table; or all three refuse it with
 * the same SchemaError naming a column.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DeltaType,
  PRIMITIVE_TYPE_NAMES,
  SchemaError,
  type StructField,
  schemaToDescriptorProto,
  schemaToProtoFile,
  schemaToTypeScript,
  type TableSchema,
} from '@zerobus/sdk/schema';
import { transformSync } from 'esbuild';
import fc from 'fast-check';
import { createProtoDecoder } from '../../../emulator/src/validation/index.js';
import { createRecordEncoder } from '../../src/records/encoder.js';
import { descriptorShapes, protobufJsShapes, sampleRecord } from './proto-fixtures.js';

const PRIMITIVES = PRIMITIVE_TYPE_NAMES;

/** Mostly valid names, many of them colliding once PascalCased or with map entries; a few invalid ones. */
const fieldName = fc.oneof(
  { arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/), weight: 4 },
  {
    arbitrary: fc.constantFrom(
      ...['a_b', 'aB', 'a', 'A', 'row', 'Row', 'tags', 'tags_entry', 'TagsEntry', 'a_entry', 'AEntry', '_', '_1'],
      ...['message', 'map', 'optional', 'required', 'repeated', 'group', 'option', 'syntax', 'int32', 'string'],
    ),
    weight: 4,
  },
  { arbitrary: fc.constantFrom('a b', '1x', 'ü', 'a-b', ''), weight: 1 },
);

/** Column comments: any text, which every output must carry safely (quotes, line breaks, comment ends). */
const comment = fc.option(
  fc.oneof(fc.string({ unit: 'binary', maxLength: 16 }), fc.constantFrom("it's", '*/ x', 'a\nb', '\\', `"'\``)),
  { nil: undefined },
);

function column(type: fc.Arbitrary<DeltaType>): fc.Arbitrary<StructField> {
  return fc
    .record({ name: fieldName, type, nullable: fc.boolean(), comment })
    .map(({ comment, ...f }): StructField => (comment === undefined ? f : { ...f, comment }));
}

const { type: deltaType } = fc.letrec<{ type: DeltaType; field: StructField }>((tie) => ({
  type: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...PRIMITIVES).map((name): DeltaType => ({ kind: 'primitive', name })),
    fc
      .integer({ min: 1, max: 38 })
      .chain((precision) =>
        fc.integer({ min: 0, max: precision }).map((scale): DeltaType => ({ kind: 'decimal', precision, scale })),
      ),
    fc
      .record({ elementType: tie('type'), containsNull: fc.boolean() })
      .map((a): DeltaType => ({ kind: 'array', ...a })),
    fc
      .record({ keyType: tie('type'), valueType: tie('type'), valueContainsNull: fc.boolean() })
      .map((m): DeltaType => ({ kind: 'map', ...m })),
    fc.array(tie('field'), { maxLength: 4 }).map((fields): DeltaType => ({ kind: 'struct', fields })),
  ),
  field: column(tie('type')),
}));

const schemas = fc.array(column(deltaType), { maxLength: 6 });

/** Names a TypeScript module may give its record interface (the generator refuses the others, tested elsewhere). */
const messageName = fc
  .oneof(fc.constantFrom('Row', 'AEntry', 'TagsEntry', 'Row2', 'AB'), fc.stringMatching(/^[A-Z][A-Za-z0-9_]{0,6}$/))
  .filter((name) => !['Date', 'Map', 'Record', 'TableSchema', 'TableProperties'].includes(name));

function refusal(generate: () => unknown): SchemaError | undefined {
  try {
    generate();
    return undefined;
  } catch (error) {
    assert.ok(error instanceof SchemaError, `expected a SchemaError, got ${error}`);
    return error;
  }
}

/** esbuild's TypeScript parser (fast; `npm run typecheck` type-checks the golden module). Throws on a syntax error. */
function assertParses(source: string): void {
  transformSync(source, { loader: 'ts', format: 'esm' });
}

describe('generators on random schemas (property)', () => {
  it('generate agreeing, usable outputs, or all refuse with the same SchemaError naming a column', () => {
    let generated = 0;
    fc.assert(
      fc.property(schemas, messageName, (fields, name) => {
        const schema: TableSchema = { fields };
        const protoError = refusal(() => schemaToProtoFile(schema, { messageName: name }));
        const descriptorError = refusal(() => schemaToDescriptorProto(schema, name));
        const tsError = refusal(() => schemaToTypeScript(schema, { messageName: name, tableName: 'c.s.t' }));
        if (protoError) {
          assert.equal(typeof protoError.field, 'string', protoError.message);
          assert.equal(descriptorError?.message, protoError.message);
          assert.equal(tsError?.message, protoError.message);
          assert.equal(descriptorError?.field, protoError.field);
          return;
        }
        assert.equal(descriptorError, undefined);
        assert.equal(tsError, undefined);
        generated++;
        const text = schemaToProtoFile(schema, { messageName: name });
        const bytes = schemaToDescriptorProto(schema, name);
        assert.deepEqual(protobufJsShapes(text, name), descriptorShapes(bytes));
        const payload = createRecordEncoder('proto', bytes).encode(sampleRecord(fields), 0);
        assert.equal(createProtoDecoder(schema, bytes).decode(payload).length, fields.length);
        const module = schemaToTypeScript(schema, { messageName: name, tableName: 'c.s.t' });
        assertParses(module);
      }),
      { numRuns: 150, seed: 20_250_601 },
    );
    assert.ok(generated > 30, `only ${generated} of 150 schemas were generated; the arbitrary is too hostile`);
  });
});
