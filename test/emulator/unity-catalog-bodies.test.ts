/**
 * Bad Unity Catalog REST requests (PROTOCOL.md §13): every one is HTTP 400
 * INVALID_PARAMETER_VALUE naming the problem (413 for a body over the size limit), never a 500,
 * and a refused create leaves nothing on disk. Over HTTP on loopback, with a property test that
 * throws random bodies at the create routes.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import fc from 'fast-check';
import { type UcCall, ucClient } from '../support/uc-client.js';

/** Every path under the data directory (files and directories), sorted. */
async function tree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.map((e) => relative(root, join(e.parentPath, e.name))).sort();
}

const nested = (levels: number) => `${'array<'.repeat(levels)}int${'>'.repeat(levels)}`;
const column = (fields: Record<string, unknown>) => ({ name: 'c', type_text: 'int', ...fields });
const table = (fields: Record<string, unknown>) => ({ catalog_name: 'main', schema_name: 's', name: 't', ...fields });

/** [what, body, message]: POST /tables bodies and what the 400 must say. */
const BAD_TABLES: [string, unknown, RegExp][] = [
  [
    'nullable a string',
    table({ columns: [column({ nullable: 'yes' })] }),
    /column 'c' .*nullable must be true or false, got a string/,
  ],
  ['nullable a number', table({ columns: [column({ nullable: 0 })] }), /nullable must be true or false, got a number/],
  ['position a string', table({ columns: [column({ position: 'x' })] }), /position must be a number, got a string/],
  [
    'position a fraction',
    table({ columns: [column({ position: 0.5 })] }),
    /position must be an integer from 0 to 0, got 0\.5/,
  ],
  ['position negative', table({ columns: [column({ position: -1 })] }), /position must be an integer/],
  ['position out of range', table({ columns: [column({ position: 3 })] }), /from 0 to 0, got 3/],
  [
    'position taken',
    table({ columns: [column({ position: 0 }), column({ name: 'd', position: 0 })] }),
    /column 'd' .*position 0 is taken/,
  ],
  [
    'name a number',
    table({ columns: [column({ name: 5 })] }),
    /column #0 of table 'main\.s\.t' needs a name \(a string\), got a number/,
  ],
  [
    'name missing',
    table({ columns: [{ type_text: 'int' }] }),
    /needs a name \(a string\), got a undefined|needs a name/,
  ],
  ['name empty', table({ columns: [column({ name: '' })] }), /has an empty name/],
  ['name with NUL', table({ columns: [column({ name: 'a\u0000b' })] }), /control character: "a\\u0000b"/],
  ['name with a newline', table({ columns: [column({ name: 'a\nb' })] }), /control character/],
  ['name with DEL', table({ columns: [column({ name: 'a\u007f' })] }), /control character/],
  ['name of 256 characters', table({ columns: [column({ name: 'x'.repeat(256) })] }), /256 characters .*limit is 255/],
  ['name of 200k characters', table({ columns: [column({ name: 'x'.repeat(200_000) })] }), /200000 characters/],
  [
    'duplicate names',
    table({ columns: [column({}), column({ name: 'C' })] }),
    /column 'C' .*appears twice .*same as 'c'/,
  ],
  ['type_text a number', table({ columns: [column({ type_text: 5 })] }), /needs type_text \(a string\), got a number/],
  ['type_text missing', table({ columns: [{ name: 'c' }] }), /needs type_text/],
  ['type_text unknown', table({ columns: [column({ type_text: 'strin' })] }), /unknown type 'strin'/],
  ['type_text 33 levels deep', table({ columns: [column({ type_text: nested(33) })] }), /nest more than 32 levels/],
  [
    'type_text 100k levels deep',
    table({ columns: [column({ type_text: nested(100_000) })] }),
    /nest more than 32 levels/,
  ],
  [
    'struct field with NUL',
    table({ columns: [column({ type_text: 'struct<`a\u0000`:int>' })] }),
    /struct field .*control/,
  ],
  [
    'struct field of 300 characters',
    table({ columns: [column({ type_text: `array<struct<\`${'f'.repeat(300)}\`:int>>` })] }),
    /a struct field in column 'c' of table 'main\.s\.t' has a name of 300 characters/,
  ],
  ['type_name a number', table({ columns: [column({ type_name: 5 })] }), /type_name must be a string/],
  [
    'type_name disagrees',
    table({ columns: [column({ type_name: 'STRING' })] }),
    /type_name "STRING" does not match type_text "int" \(INT\)/,
  ],
  ['comment a number', table({ columns: [column({ comment: 5 })] }), /comment must be a string/],
  [
    'columns an object',
    table({ columns: { c: 'int' } }),
    /columns of table 'main\.s\.t' must be an array of columns, got an object/,
  ],
  ['columns a string', table({ columns: 'c int' }), /must be an array of columns, got a string/],
  ['columns missing', table({}), /got a undefined|must be an array/],
  ['no columns', table({ columns: [] }), /needs at least one column/],
  ['a column null', table({ columns: [null] }), /column #0 .*must be an object, got null/],
  ['a column an array', table({ columns: [['c', 'int']] }), /must be an object, got an array/],
  ['table name a number', table({ name: 5, columns: [column({})] }), /^name must be a string, got a number$/],
  ['table name empty', table({ name: '', columns: [column({})] }), /^name is required$/],
  ['table name with a dot', table({ name: 'a.b', columns: [column({})] }), /table name "a\.b" is not valid/],
  ['table name with a slash', table({ name: '../x', columns: [column({})] }), /table name "\.\.\/x" is not valid/],
  ['table name with a space', table({ name: 'a b', columns: [column({})] }), /is not valid/],
  ['table name with NUL', table({ name: 'a\u0000', columns: [column({})] }), /is not valid/],
  ['table name of 256 characters', table({ name: 'x'.repeat(256), columns: [column({})] }), /has 256 characters/],
  ['catalog_name a number', table({ catalog_name: 1, columns: [column({})] }), /catalog_name must be a string/],
  ['schema_name missing', table({ schema_name: undefined, columns: [column({})] }), /schema_name is required/],
  ['table comment a number', table({ comment: 1, columns: [column({})] }), /^comment must be a string, got a number$/],
  ['data_source_format PARQUET', table({ data_source_format: 'PARQUET', columns: [column({})] }), /DELTA tables only/],
  ['data_source_format a number', table({ data_source_format: 1, columns: [column({})] }), /must be a string/],
  ['table_type EXTERNAL', table({ table_type: 'EXTERNAL', columns: [column({})] }), /MANAGED tables only/],
];

describe('Unity Catalog REST bad requests', () => {
  let emulator: Emulator;
  let uc: UcCall;
  before(async () => {
    emulator = await startEmulator();
    uc = await ucClient(emulator.unityCatalogEndpoint);
    assert.equal((await uc('POST', '/catalogs', { name: 'main' })).status, 200);
    assert.equal((await uc('POST', '/schemas', { catalog_name: 'main', name: 's' })).status, 200);
  });
  after(() => emulator.close());

  /** Sends the request and checks the 400 and its message, and that the data directory did not change. */
  async function refused(method: string, path: string, body: unknown, message: RegExp, what = path) {
    const before = await tree(emulator.catalog.dataDir);
    const { status, json } = await uc(method, path, body);
    assert.equal(status, 400, `${what}: ${JSON.stringify(json).slice(0, 300)}`);
    assert.equal(json.error_code, 'INVALID_PARAMETER_VALUE', what);
    assert.match(String(json.message), message, what);
    assert.ok(String(json.message).length < 600, `${what}: the message is short`);
    assert.deepEqual(await tree(emulator.catalog.dataDir), before, `${what}: nothing changed on disk`);
  }

  it('refuses every bad create-table body with 400 naming the problem, and writes nothing', async () => {
    for (const [what, body, message] of BAD_TABLES) await refused('POST', '/tables', body, message, what);
    assert.deepEqual(
      emulator.catalog.listTables('main', 's').map((t) => t.name),
      [],
    );
  });

  it('refuses bad catalog and schema bodies, names in paths and query flags with 400', async () => {
    await refused('POST', '/catalogs', { name: 5 }, /^name must be a string, got a number$/);
    await refused('POST', '/catalogs', {}, /^name is required$/);
    await refused('POST', '/catalogs', { name: 'a/b' }, /catalog name "a\/b" is not valid/);
    await refused('POST', '/catalogs', { name: '.' }, /is not valid/);
    await refused('POST', '/catalogs', { name: 'x'.repeat(300) }, /has 300 characters/);
    await refused('POST', '/catalogs', { name: 'ok', comment: ['x'] }, /^comment must be a string, got an array$/);
    await refused('POST', '/schemas', { catalog_name: 'main', name: 'a\u0001' }, /schema name "a\\u0001" is not valid/);
    await refused('POST', '/schemas', { catalog_name: null, name: 'x' }, /^catalog_name is required$/);
    await refused('GET', '/tables/main.s', undefined, /table name "main\.s" must have 3 dot-separated parts/);
    await refused('GET', '/tables/a.b.c.d', undefined, /must have 3 dot-separated parts/);
    await refused('DELETE', `/tables/main.s.${encodeURIComponent('a b')}`, undefined, /table name "a b" is not valid/);
    await refused('GET', '/schemas/main', undefined, /schema name "main" must have 2 dot-separated parts/);
    await refused('DELETE', '/catalogs/main?force=yes', undefined, /^force must be true or false, got "yes"$/);
    await refused('GET', '/tables?catalog_name=main', undefined, /^schema_name is required$/);
  });

  it('refuses a body that is not a JSON object with 400, and one over 1 MiB with 413', async () => {
    await refused('POST', '/tables', '{ "name": ', /^the request body is not valid JSON$/);
    await refused('POST', '/catalogs', '[1]', /must be a JSON object, got an array/);
    await refused('POST', '/schemas', 'null', /must be a JSON object, got null/);
    await refused('POST', '/tables', '"t"', /got a string/);
    const before = await tree(emulator.catalog.dataDir);
    const huge = table({ columns: [column({ comment: 'x'.repeat(1024 * 1024) })] });
    const { status, json } = await uc('POST', '/tables', huge);
    assert.equal(status, 413, JSON.stringify(json));
    assert.deepEqual(await tree(emulator.catalog.dataDir), before);
  });

  it('accepts what Databricks clients send: null for an unset field, type_name in any case, CHAR for varchar', async () => {
    const created = await uc('POST', '/tables', {
      ...table({ name: 'lenient', comment: null, data_source_format: 'delta', table_type: null }),
      columns: [
        { name: 'v', type_text: 'varchar(10)', type_name: 'CHAR', nullable: null, position: 1, comment: null },
        { name: 'n', type_text: 'bigint', type_name: 'long', position: 0, type_json: '{}', partition_index: null },
      ],
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const columns = created.json.columns as { name: string; type_name: string; nullable: boolean }[];
    assert.deepEqual(
      columns.map((c) => [c.name, c.type_name, c.nullable]),
      [
        ['n', 'LONG', true],
        ['v', 'STRING', true],
      ],
    );
    assert.equal((await uc('DELETE', '/tables/main.s.lenient')).status, 200);
  });

  it('does not overwrite files a table directory already holds', async () => {
    const dir = join(emulator.catalog.dataDir, 'main', 's', 'stale');
    await mkdir(dir);
    await writeFile(join(dir, 'keep.txt'), 'mine');
    const { status, json } = await uc('POST', '/tables', table({ name: 'stale', columns: [column({})] }));
    assert.equal(status, 409);
    assert.equal(json.error_code, 'TABLE_ALREADY_EXISTS');
    assert.doesNotMatch(String(json.message), /\//, 'no server path in the message');
    assert.equal(await readFile(join(dir, 'keep.txt'), 'utf8'), 'mine');
    assert.deepEqual(await readdir(dir), ['keep.txt']);
  });

  it('a create that fails on disk is a 500 naming no server path, and removes nothing it did not write', async () => {
    assert.equal((await uc('POST', '/schemas', { catalog_name: 'main', name: 'broken' })).status, 200);
    const schemaDir = join(emulator.catalog.dataDir, 'main', 'broken');
    // the schema's directory is now a link to nowhere: making the table's directory fails
    await rm(schemaDir, { recursive: true });
    await symlink(join(emulator.catalog.dataDir, 'nowhere', 'gone'), schemaDir);
    const { status, json } = await uc('POST', '/tables', table({ schema_name: 'broken', columns: [column({})] }));
    assert.equal(status, 500, JSON.stringify(json));
    assert.equal(json.error_code, 'INTERNAL_ERROR');
    assert.match(String(json.message), /^the local server failed: E[A-Z]+$/);
    assert.equal((await lstat(schemaDir)).isSymbolicLink(), true);
    // a file where the table's directory would go is not replaced either
    await rm(schemaDir);
    await mkdir(schemaDir);
    await writeFile(join(schemaDir, 't'), 'a file');
    const occupied = await uc('POST', '/tables', table({ schema_name: 'broken', columns: [column({})] }));
    assert.equal(occupied.status, 409, JSON.stringify(occupied.json));
    assert.equal(await readFile(join(schemaDir, 't'), 'utf8'), 'a file');
    assert.equal((await uc('DELETE', '/schemas/main.broken')).status, 200);
  });

  it('never answers a random create body with a 500, nor leaves anything behind when it refuses one', async () => {
    const json = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: -2, max: 4 }),
      fc.double(),
      fc.string({ maxLength: 4 }),
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.dictionary(fc.string({ maxLength: 2 }), fc.integer(), { maxKeys: 2 }),
    );
    const name = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('c', 'C', 'd', 'main', 's', 'a b', 'a.b', '`x`', 'é', '列') },
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.constantFrom('', 'a\u0000', 'x'.repeat(256), '\u007f'),
      json,
    );
    const fieldName = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('a', 'B', '`sp ace`', '`x.y`', 'é') },
      fc.constantFrom('`nul\u0000`', '``', `\`${'f'.repeat(256)}\``),
    );
    const { type } = fc.letrec<{ type: string; struct: string }>((tie) => ({
      type: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom('int', 'BIGINT', 'string', 'decimal(10,2)', 'timestamp_ntz', 'variant', 'binary', 'date'),
        tie('type').map((t) => `array<${t}>`),
        fc.tuple(tie('type'), tie('type')).map(([k, v]) => `map<${k},${v}>`),
        tie('struct'),
      ),
      struct: fc
        .uniqueArray(fc.tuple(fieldName, tie('type'), fc.boolean()), {
          maxLength: 3,
          selector: ([n]) => n.toLowerCase(),
        })
        .map((fields) => `struct<${fields.map(([n, t, nn]) => `${n}:${t}${nn ? ' NOT NULL' : ''}`).join(',')}>`),
    }));
    const typeText = fc.oneof(
      fc.integer({ min: 28, max: 40 }).map(nested),
      fc.constantFrom('array<>', 'struct<>', 'map<int>', 'decimal(39,0)', 'strin', 'interval', 'array<int'),
      fc.string({ maxLength: 8 }),
      json,
    );
    /** Columns that are mostly well-formed: distinct names, types from the grammar, valid extras. */
    const cleanColumns = fc
      .uniqueArray(fc.tuple(fc.constantFrom('c', 'd', 'E', 'é', '列', 'a b', 'a.b', '`q`'), type, fc.boolean()), {
        minLength: 1,
        maxLength: 4,
        selector: ([n]) => n.toLowerCase(),
      })
      .map((columns) => columns.map(([n, t, nullable], position) => ({ name: n, type_text: t, nullable, position })));
    /** Columns of anything at all. */
    const wildColumn = fc.record(
      {
        name,
        type_text: fc.oneof(type, typeText),
        type_name: fc.oneof(fc.constantFrom('INT', 'STRING', 'ARRAY', 'int'), json),
        nullable: fc.oneof(fc.boolean(), json),
        position: fc.oneof(fc.integer({ min: -1, max: 4 }), json),
        comment: fc.oneof(fc.string({ maxLength: 4 }), json),
      },
      { requiredKeys: ['name', 'type_text'] },
    );
    const columns = fc.oneof(
      { weight: 5, arbitrary: cleanColumns },
      { weight: 3, arbitrary: fc.tuple(cleanColumns, wildColumn).map(([c, w]) => [...c, w]) },
      fc.array(wildColumn, { minLength: 1, maxLength: 3 }),
      json,
    );
    const extras = fc.oneof(
      { weight: 4, arbitrary: fc.constant({}) },
      fc.record(
        {
          comment: json,
          data_source_format: fc.oneof(fc.constantFrom('DELTA', 'delta', 'PARQUET'), json),
          table_type: fc.oneof(fc.constantFrom('MANAGED', 'EXTERNAL'), json),
        },
        { requiredKeys: [] },
      ),
    );
    const createTable = fc
      .tuple(
        fc.record({
          catalog_name: fc.oneof({ weight: 8, arbitrary: fc.constant('main') }, name),
          schema_name: fc.oneof({ weight: 8, arbitrary: fc.constant('s') }, name),
          name: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('t', 'T2', 'a-b', '_x') }, name),
          columns,
        }),
        extras,
      )
      .map(([body, more]) => ({ ...body, ...more }));
    const request = fc.oneof(
      { weight: 8, arbitrary: createTable.map((body) => ['/tables', body] as const) },
      fc.record({ catalog_name: name, name }, { requiredKeys: [] }).map((body) => ['/schemas', body] as const),
      fc.record({ name, comment: json }, { requiredKeys: [] }).map((body) => ['/catalogs', body] as const),
      fc.string({ maxLength: 12 }).map((text) => ['/tables', text] as const),
    );
    let created = 0;
    let refusedCount = 0;
    await fc.assert(
      fc.asyncProperty(request, async ([path, body]) => {
        const before = await tree(emulator.catalog.dataDir);
        const { status, json: answer } = await uc('POST', path, body);
        assert.notEqual(status, 500, JSON.stringify(answer));
        if (status !== 200) {
          refusedCount++;
          assert.ok([400, 404, 409].includes(status), `${status} ${JSON.stringify(answer)}`);
          assert.equal(typeof answer.error_code, 'string');
          assert.deepEqual(await tree(emulator.catalog.dataDir), before, 'a refused create changed the disk');
          return;
        }
        created++;
        // whatever was created is served and readable, then removed for the next run
        const kind = path.slice(1, -1);
        const fullName = String(answer.full_name);
        const got = await uc('GET', `/${path.slice(1)}/${encodeURIComponent(fullName)}`);
        assert.equal(got.status, 200, `${kind} ${fullName}: ${JSON.stringify(got.json)}`);
        const removed = await uc('DELETE', `/${path.slice(1)}/${encodeURIComponent(fullName)}?force=true`);
        assert.equal(removed.status, 200, JSON.stringify(removed.json));
        assert.deepEqual(await tree(emulator.catalog.dataDir), before);
      }),
      { seed: 15_2026, numRuns: 100 },
    );
    assert.ok(created > 5 && refusedCount > 40, `created ${created}, refused ${refusedCount}`);
  });
});
