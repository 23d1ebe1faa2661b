/**
 * Round trips over random types: type text → type, and schema → Delta JSON → schema.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DeltaType,
  fromDeltaSchemaJson,
  PRIMITIVE_TYPE_NAMES,
  parseTypeText,
  type StructField,
  type TableSchema,
  toDeltaSchemaJson,
  typeText,
} from '@zerobus/sdk/schema';
import fc from 'fast-check';

const PRIMITIVES = PRIMITIVE_TYPE_NAMES;

/** Field names: plain identifiers and anything else (spaces, backquotes, quotes, unicode). */
const fieldName = fc.oneof(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/),
  fc.string({ minLength: 1, maxLength: 10, unit: 'grapheme' }),
  fc.constantFrom('a b', '`', 'x`y', "it's", 'ü', '日本', 'not', 'null', 'comment', 'struct', '<>', 'a:b', ','),
);

const comment = fc.option(fc.string({ maxLength: 20, unit: 'grapheme' }), { nil: undefined });

/**
 * Random types. `withNullFlags` draws containsNull/valueContainsNull; type text cannot say they
 * are false, so the type-text round trip runs with them fixed to true.
 */
function types(withNullFlags: boolean): fc.Arbitrary<DeltaType> {
  const nullFlag = withNullFlags ? fc.boolean() : fc.constant(true);
  const { type } = fc.letrec<{ type: DeltaType; field: StructField }>((tie) => ({
    type: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...PRIMITIVES).map((name): DeltaType => ({ kind: 'primitive', name })),
      fc
        .integer({ min: 1, max: 38 })
        .chain((precision) =>
          fc.integer({ min: 0, max: precision }).map((scale): DeltaType => ({ kind: 'decimal', precision, scale })),
        ),
      fc.record({ elementType: tie('type'), containsNull: nullFlag }).map((a): DeltaType => ({ kind: 'array', ...a })),
      fc
        .record({ keyType: tie('type'), valueType: tie('type'), valueContainsNull: nullFlag })
        .map((m): DeltaType => ({ kind: 'map', ...m })),
      fc
        .uniqueArray(tie('field'), {
          maxLength: 4,
          selector: (f) => f.name.toLowerCase(),
        })
        .map((fields): DeltaType => ({ kind: 'struct', fields })),
    ),
    field: fc
      .record({ name: fieldName, type: tie('type'), nullable: fc.boolean(), comment })
      .map(({ comment, ...f }): StructField => (comment === undefined ? f : { ...f, comment })),
  }));
  return type;
}

describe('schema round trips (property)', () => {
  it('parseTypeText(typeText(t)) gives t back', () => {
    fc.assert(
      fc.property(types(false), (t) => {
        assert.deepStrictEqual(parseTypeText(typeText(t)), t);
      }),
      { numRuns: 500 },
    );
  });

  it('typeText is stable: printing a parsed text again gives the same text', () => {
    fc.assert(
      fc.property(types(true), (t) => {
        const text = typeText(t);
        assert.equal(typeText(parseTypeText(text)), text);
      }),
      { numRuns: 300 },
    );
  });

  it('fromDeltaSchemaJson(toDeltaSchemaJson(s)) gives s back', () => {
    const schemas = types(true)
      .filter((t) => t.kind === 'struct')
      .map((t): TableSchema => ({ fields: (t as Extract<DeltaType, { kind: 'struct' }>).fields }));
    fc.assert(
      fc.property(schemas, (s) => {
        assert.deepStrictEqual(fromDeltaSchemaJson(toDeltaSchemaJson(s)), s);
      }),
      { numRuns: 500 },
    );
  });
});
