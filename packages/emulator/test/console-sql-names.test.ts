/** Three-part Unity Catalog names rewritten to the DuckDB views of the console's SQL box. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rewriteTableNames } from '../src/console/sql-names.js';
import { duckDbType } from '../src/console/sql-query.js';

const TABLES = new Set(['main.iot.readings', 'dev.default.events']);

describe('rewriteTableNames', () => {
  it('points known tables at their views, the reserved catalog main renamed', () => {
    assert.equal(
      rewriteTableNames('SELECT device, avg(temp) FROM main.iot.readings GROUP BY 1', TABLES),
      'SELECT device, avg(temp) FROM "main_catalog"."iot"."readings" GROUP BY 1',
    );
    assert.equal(
      rewriteTableNames('select * from Main . IOT . Readings r join "dev"."default"."events" e on true', TABLES),
      'select * from "main_catalog"."iot"."readings" r join "dev"."default"."events" e on true',
    );
  });

  it('leaves strings, comments, quoted identifiers, unknown and longer names alone', () => {
    for (const sql of [
      "SELECT 'main.iot.readings'",
      'SELECT 1 -- main.iot.readings',
      'SELECT 1 /* main.iot.readings */',
      'SELECT "main.iot.readings" FROM t',
      'SELECT * FROM main.iot.other',
      'SELECT x.main.iot.readings',
      'SELECT main.iot.readings_2',
    ]) {
      assert.equal(rewriteTableNames(sql, TABLES), sql);
    }
  });
});

describe('duckDbType', () => {
  it('maps Delta schema types to the types read_parquet gives', () => {
    assert.equal(duckDbType('long'), 'BIGINT');
    assert.equal(duckDbType('timestamp'), 'TIMESTAMPTZ');
    assert.equal(duckDbType('decimal(10,2)'), 'DECIMAL(10, 2)');
    assert.equal(
      duckDbType({ type: 'array', elementType: { type: 'struct', fields: [{ name: 'a b', type: 'integer' }] } }),
      'STRUCT("a b" INTEGER)[]',
    );
    assert.equal(duckDbType({ type: 'map', keyType: 'string', valueType: 'double' }), 'MAP(VARCHAR, DOUBLE)');
  });
});
