import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NonRetriableError } from '@zerobus/sdk';
import { type DeltaType, parseTypeText, SchemaError, typeText, ucTypeName } from '@zerobus/sdk/schema';

const p = (name: string): DeltaType => ({ kind: 'primitive', name }) as DeltaType;

describe('parseTypeText', () => {
  it('reads every primitive under each of its Spark SQL names, in any case', () => {
    const cases: [string[], DeltaType][] = [
      [['tinyint', 'byte', 'TINYINT'], p('byte')],
      [['smallint', 'short', 'SmallInt'], p('short')],
      [['int', 'integer', 'INT'], p('integer')],
      [['bigint', 'long', 'BIGINT'], p('long')],
      [['float', 'real', 'FLOAT'], p('float')],
      [['double', 'DOUBLE'], p('double')],
      [['boolean', 'BOOLEAN'], p('boolean')],
      [['string', 'varchar(10)', 'char(1)', 'VARCHAR( 255 )', 'STRING'], p('string')],
      [['binary'], p('binary')],
      [['date'], p('date')],
      [['timestamp', 'TIMESTAMP', 'timestamp_ltz'], p('timestamp')],
      [['timestamp_ntz', 'TIMESTAMP_NTZ'], p('timestamp_ntz')],
      [['variant', 'VARIANT'], p('variant')],
    ];
    for (const [texts, type] of cases) {
      for (const text of texts) assert.deepStrictEqual(parseTypeText(text), type, text);
    }
  });

  it('reads decimals with defaults: decimal = (10,0), decimal(p) = (p,0)', () => {
    assert.deepStrictEqual(parseTypeText('decimal'), { kind: 'decimal', precision: 10, scale: 0 });
    assert.deepStrictEqual(parseTypeText('DECIMAL(5)'), { kind: 'decimal', precision: 5, scale: 0 });
    assert.deepStrictEqual(parseTypeText('decimal(10,2)'), { kind: 'decimal', precision: 10, scale: 2 });
    assert.deepStrictEqual(parseTypeText(' numeric ( 38 , 38 ) '), { kind: 'decimal', precision: 38, scale: 38 });
    assert.deepStrictEqual(parseTypeText('dec(1,0)'), { kind: 'decimal', precision: 1, scale: 0 });
  });

  it('reads nested arrays, maps and structs with NOT NULL, COMMENT and quoted names', () => {
    assert.deepStrictEqual(parseTypeText('array<struct<a:int,b:string>>'), {
      kind: 'array',
      containsNull: true,
      elementType: {
        kind: 'struct',
        fields: [
          { name: 'a', type: p('integer'), nullable: true },
          { name: 'b', type: p('string'), nullable: true },
        ],
      },
    });
    assert.deepStrictEqual(parseTypeText('MAP < STRING , ARRAY<BIGINT> >'), {
      kind: 'map',
      keyType: p('string'),
      valueType: { kind: 'array', elementType: p('long'), containsNull: true },
      valueContainsNull: true,
    });
    const struct = parseTypeText(
      "STRUCT<id: BIGINT NOT NULL COMMENT 'the \\'key\\'', `my field`: STRING, `a``b`:int, x DOUBLE comment \"dq\", `日本`:date not null>",
    );
    assert.deepStrictEqual(struct, {
      kind: 'struct',
      fields: [
        { name: 'id', type: p('long'), nullable: false, comment: "the 'key'" },
        { name: 'my field', type: p('string'), nullable: true },
        { name: 'a`b', type: p('integer'), nullable: true },
        { name: 'x', type: p('double'), nullable: true, comment: 'dq' },
        { name: '日本', type: p('date'), nullable: false },
      ],
    });
    assert.deepStrictEqual(parseTypeText('struct<>'), { kind: 'struct', fields: [] });
  });

  it('names the position and the problem of malformed text', () => {
    const cases: [string, number, RegExp][] = [
      ['array<int', 9, /expected '>' but found end of input/],
      ['map<string>', 10, /expected ',' but found '>'/],
      ['struct<a:int b:string>', 13, /unexpected 'b' after the type of field 'a'/],
      ['struct<a:int,a:string>', 13, /duplicate field name 'a'/],
      ['struct<A:int,a:string>', 13, /duplicate field name 'a' \(same as 'A' ignoring case\)/],
      ['decimal(39,0)', 8, /precision must be between 1 and 38, got 39/],
      ['decimal(5,6)', 10, /scale must be between 0 and the precision 5, got 6/],
      ['decimal(0)', 8, /precision must be between 1 and 38, got 0/],
      ['varchar', 7, /'varchar' needs a length/],
      ['varchar(0)', 8, /length must be at least 1/],
      ['interval', 0, /type 'interval' is not supported/],
      ['strin', 0, /unknown type 'strin'/],
      ['', 0, /expected a type name but found end of input/],
      ['int int', 4, /unexpected 'i' after the type/],
      ['struct<`a:int>', 7, /unterminated backquoted field name/],
      ['struct<``:int>', 7, /empty field name/],
      ["struct<a:int comment 'x>", 21, /unterminated string literal/],
      ['struct<a:int not nul>', 17, /expected NULL after NOT/],
      ['array<>', 6, /expected a type name but found '>'/],
    ];
    for (const [text, position, message] of cases) {
      const error = (() => {
        try {
          parseTypeText(text);
        } catch (e) {
          return e;
        }
        assert.fail(`'${text}' parsed`);
      })();
      assert.ok(error instanceof SchemaError, text);
      assert.ok(error instanceof NonRetriableError);
      assert.equal(error.code, 'INVALID_SCHEMA');
      assert.equal(error.retriable, false);
      assert.equal(error.position, position, `position for '${text}': ${error.message}`);
      assert.match(error.message, message);
      assert.match(error.message, new RegExp(`at position ${position}:`));
    }
  });

  it('reads 32 levels of nesting and refuses a 33rd, however deep the text goes', () => {
    const nested = (levels: number, open: string) => `${open.repeat(levels)}int${'>'.repeat(levels)}`;
    assert.equal(typeText(parseTypeText(nested(32, 'array<'))), nested(32, 'array<'));
    assert.equal(typeText(parseTypeText(nested(32, 'struct<a:'))), nested(32, 'struct<a:'));
    for (const open of ['array<', 'map<int,', 'struct<a:', 'struct<a:array<']) {
      const levels = open === 'struct<a:array<' ? 17 : 33;
      assert.throws(
        () => parseTypeText(nested(levels, open)),
        (error: unknown) => error instanceof SchemaError && /types nest more than 32 levels deep/.test(error.message),
        open,
      );
    }
    // far past what the call stack would survive without the bound; the message stays short
    const hostile = nested(200_000, 'array<');
    assert.throws(
      () => parseTypeText(hostile),
      (error: unknown) => error instanceof SchemaError && error.position === 32 * 6 && error.message.length < 400,
    );
  });
});

describe('typeText and ucTypeName', () => {
  it('writes canonical lower-case type text', () => {
    const cases: [string, string][] = [
      ['BIGINT', 'bigint'],
      ['long', 'bigint'],
      ['INTEGER', 'int'],
      ['byte', 'tinyint'],
      ['short', 'smallint'],
      ['real', 'float'],
      ['varchar(3)', 'string'],
      ['DECIMAL', 'decimal(10,0)'],
      ['Decimal(10, 2)', 'decimal(10,2)'],
      ['ARRAY<STRUCT<a: INT, b: STRING>>', 'array<struct<a:int,b:string>>'],
      ['map<string, bigint>', 'map<string,bigint>'],
      ['timestamp_ntz', 'timestamp_ntz'],
      ["struct<`my field`:int not null comment 'it\\'s'>", "struct<`my field`:int not null comment 'it\\'s'>"],
      ["struct<a:int comment 'x\\\\y\\n'>", "struct<a:int comment 'x\\\\y\\n'>"],
    ];
    for (const [text, canonical] of cases) assert.equal(typeText(parseTypeText(text)), canonical, text);
  });

  it('gives Unity Catalog type names', () => {
    const cases: [string, string][] = [
      ['tinyint', 'BYTE'],
      ['smallint', 'SHORT'],
      ['int', 'INT'],
      ['bigint', 'LONG'],
      ['float', 'FLOAT'],
      ['double', 'DOUBLE'],
      ['boolean', 'BOOLEAN'],
      ['string', 'STRING'],
      ['binary', 'BINARY'],
      ['date', 'DATE'],
      ['timestamp', 'TIMESTAMP'],
      ['timestamp_ntz', 'TIMESTAMP_NTZ'],
      ['decimal(3,1)', 'DECIMAL'],
      ['array<int>', 'ARRAY'],
      ['map<string,int>', 'MAP'],
      ['struct<a:int>', 'STRUCT'],
      ['variant', 'VARIANT'],
    ];
    for (const [text, name] of cases) assert.equal(ucTypeName(parseTypeText(text)), name, text);
  });
});
