/**
 * The generators' output for a table with every column type, compared byte for byte with the
 * committed files in golden/ (`UPDATE_GOLDEN=1` rewrites them after an intended change). The
 * golden .ts is type-checked by `npm run typecheck` like any source, and imported here.
 */

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { DescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { TableProperties } from '@zerobus/sdk';
import { schemaToDescriptorProto, schemaToProtoFile, schemaToTypeScript } from '@zerobus/sdk/schema';
import { createRecordEncoder } from '../../src/records/encoder.js';
import * as generated from './golden/all-types.js';
import { ALL_TYPES_RECORD, ALL_TYPES_SCHEMA } from './proto-fixtures.js';

const OPTIONS = { messageName: 'AllTypes', tableName: 'main.default.all_types' };

function assertGolden(file: string, actual: string): void {
  const url = new URL(`golden/${file}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(url, actual);
    return;
  }
  assert.equal(actual, readFileSync(url, 'utf8'), `${file} changed; run with UPDATE_GOLDEN=1 if that is intended`);
}

// Compile-time checks of the generated interface: the record forms the SDK takes all fit it.
const asRecord: generated.AllTypes = ALL_TYPES_RECORD;
const withDates: generated.AllTypes = {
  id: 1,
  num: 2,
  ts: new Date(0),
  day: new Date(0),
  big_price: 12.5,
  price: null,
  tags: [],
  counts: new Map([['a', 1]]),
  owners: { '1': { name: null } },
};

describe('generated files for every column type', () => {
  it('the .proto file matches golden/all-types.proto', () => {
    assertGolden('all-types.proto', schemaToProtoFile(ALL_TYPES_SCHEMA, OPTIONS));
  });

  it('the TypeScript module matches golden/all-types.ts', () => {
    assertGolden('all-types.ts', schemaToTypeScript(ALL_TYPES_SCHEMA, OPTIONS));
  });

  it('the generated module exports the table, its schema, the descriptor and ready TableProperties', () => {
    assert.equal(generated.tableName, 'main.default.all_types');
    assert.deepEqual(generated.tableSchema, ALL_TYPES_SCHEMA);
    assert.deepEqual(generated.descriptorProto, schemaToDescriptorProto(ALL_TYPES_SCHEMA, 'AllTypes'));
    assert.equal(fromBinary(DescriptorProtoSchema, generated.descriptorProto).name, 'AllTypes');
    const properties = generated.tableProperties;
    assert.ok(properties instanceof TableProperties);
    assert.equal(properties.tableName, 'main.default.all_types');
    assert.deepEqual(properties.name, { catalog: 'main', schema: 'default', table: 'all_types' });
    assert.equal(properties.descriptor, generated.descriptorProto);
    assert.equal(properties.schema, generated.tableSchema);
  });

  it('the generated descriptor encodes a record of the generated interface', () => {
    const encoder = createRecordEncoder('proto', generated.descriptorProto);
    assert.ok(encoder.encode(asRecord, 0).length > 0);
    // Date values type-check (above); turning them into numbers is the schema-aware encoder's job.
    assert.ok(withDates.ts instanceof Date);
  });
});
