/**
 * Spark SQL / Unity Catalog `type_text` ⇄ {@link DeltaType}, and the UC `type_name` enum.
 *
 * The parser is a small hand-written recursive descent over the text (no tokenizer pass): the
 * grammar is tiny, and reading characters directly lets every error name the exact offset.
 */

import { SchemaError } from './schema-error.js';
import type { DeltaType, PrimitiveTypeName, StructField } from './types.js';

/**
 * Largest precision of a Spark / Delta decimal.
 *
 * @example
 * ```ts
 * import { MAX_DECIMAL_PRECISION } from '@zerobus/sdk/schema';
 *
 * // Refuses a --precision flag no Delta table could hold, before any request.
 * const precision = Number(process.argv[2] ?? '10');
 * if (!Number.isInteger(precision) || precision < 1 || precision > MAX_DECIMAL_PRECISION) {
 *   throw new RangeError(`precision must be 1 to ${MAX_DECIMAL_PRECISION}, got ${process.argv[2]}`);
 * }
 * ```
 */
export const MAX_DECIMAL_PRECISION = 38;
/**
 * Deepest nesting of `array`, `map` and `struct` the parser reads: far beyond any real table,
 * and a bound that keeps the recursive descent (and every recursive walk of a type after it)
 * from exhausting the stack on hostile input.
 */
const MAX_NESTING = 32;
/** Spark's `DECIMAL` without arguments. */
const DEFAULT_DECIMAL = { precision: 10, scale: 0 } as const;

/** Names (lower case) of the types without parameters, Spark SQL spellings and aliases. */
const PRIMITIVE_ALIASES: Readonly<Record<string, PrimitiveTypeName>> = {
  tinyint: 'byte',
  byte: 'byte',
  smallint: 'short',
  short: 'short',
  int: 'integer',
  integer: 'integer',
  bigint: 'long',
  long: 'long',
  float: 'float',
  real: 'float',
  double: 'double',
  boolean: 'boolean',
  string: 'string',
  binary: 'binary',
  date: 'date',
  timestamp: 'timestamp',
  timestamp_ltz: 'timestamp', // Spark's explicit spelling of the session-zone timestamp
  timestamp_ntz: 'timestamp_ntz',
  variant: 'variant',
};

/** `varchar(n)` and `char(n)` are strings with a length check Delta enforces on write; we keep only the type. */
const LENGTH_STRING_TYPES = new Set(['varchar', 'char', 'character']);
const DECIMAL_NAMES = new Set(['decimal', 'dec', 'numeric']);

/** Types Spark knows that a Delta table written through Zerobus cannot hold. */
const UNSUPPORTED = new Set(['interval', 'void', 'null', 'object', 'geometry', 'geography', 'calendarinterval']);

/**
 * Parses a Spark SQL / Unity Catalog type string (`bigint`, `array<struct<a:int,b:string>>`...).
 * Throws a {@link SchemaError} naming the offset of the problem; types nested more than 32
 * levels deep (`array`, `map`, `struct`) are refused as such a problem.
 *
 * @example
 * ```ts
 * import { parseTypeText } from '@zerobus/sdk/schema';
 *
 * parseTypeText('DECIMAL(10, 2)'); // { kind: 'decimal', precision: 10, scale: 2 }
 * parseTypeText('varchar(64)'); // { kind: 'primitive', name: 'string' }: the length is not kept
 * const readings = parseTypeText('array<struct<at:timestamp,temp:double not null>>');
 * ```
 */
export function parseTypeText(text: string): DeltaType {
  if (typeof text !== 'string') {
    throw new SchemaError(`type text must be a string, got ${text === null ? 'null' : typeof text}`);
  }
  const parser = new TypeTextParser(text);
  const type = parser.parseType();
  parser.expectEnd();
  return type;
}

class TypeTextParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  /** `depth`: how many `array`, `map` and `struct` types enclose this one. */
  parseType(depth = 0): DeltaType {
    this.skipSpace();
    const start = this.pos;
    const word = this.readWord();
    if (word.length === 0) throw this.error(start, `expected a type name but found ${this.describeHere()}`);
    const name = word.toLowerCase();

    if (name === 'array' || name === 'map' || name === 'struct') {
      if (depth >= MAX_NESTING) throw this.error(start, `types nest more than ${MAX_NESTING} levels deep`);
    }
    if (name === 'array') {
      this.expect('<');
      const elementType = this.parseType(depth + 1);
      this.expect('>');
      return { kind: 'array', elementType, containsNull: true };
    }
    if (name === 'map') {
      this.expect('<');
      const keyType = this.parseType(depth + 1);
      this.expect(',');
      const valueType = this.parseType(depth + 1);
      this.expect('>');
      return { kind: 'map', keyType, valueType, valueContainsNull: true };
    }
    if (name === 'struct') return this.parseStructBody(depth + 1);
    if (DECIMAL_NAMES.has(name)) return this.parseDecimalArgs();
    if (LENGTH_STRING_TYPES.has(name)) {
      this.expect('(', `'${word}' needs a length, as in ${name}(10)`);
      const lengthAt = this.skipSpace();
      const length = this.readInteger('a length');
      if (length < 1) throw this.error(lengthAt, `${name} length must be at least 1, got ${length}`);
      this.expect(')');
      return { kind: 'primitive', name: 'string' };
    }
    const primitive = PRIMITIVE_ALIASES[name];
    if (primitive !== undefined) return { kind: 'primitive', name: primitive };
    if (UNSUPPORTED.has(name)) throw this.error(start, `type '${word}' is not supported in a Delta table`);
    throw this.error(start, `unknown type '${word}'`);
  }

  /** After `decimal`: nothing, `(p)` or `(p,s)`. */
  private parseDecimalArgs(): DeltaType {
    this.skipSpace();
    if (this.peek() !== '(') return { kind: 'decimal', ...DEFAULT_DECIMAL };
    this.pos++;
    const precisionAt = this.skipSpace();
    const precision = this.readInteger('a precision');
    let scale = 0;
    let scaleAt = this.pos;
    this.skipSpace();
    if (this.peek() === ',') {
      this.pos++;
      scaleAt = this.skipSpace();
      scale = this.readInteger('a scale');
    }
    this.expect(')');
    if (precision < 1 || precision > MAX_DECIMAL_PRECISION) {
      throw this.error(
        precisionAt,
        `decimal precision must be between 1 and ${MAX_DECIMAL_PRECISION}, got ${precision}`,
      );
    }
    if (scale > precision) {
      throw this.error(scaleAt, `decimal scale must be between 0 and the precision ${precision}, got ${scale}`);
    }
    return { kind: 'decimal', precision, scale };
  }

  /** After `struct`: `<` fields `>`; each field is `name[:] type [NOT NULL] [COMMENT 'text']`. */
  private parseStructBody(depth: number): DeltaType {
    this.expect('<');
    const fields: StructField[] = [];
    const seen = new Map<string, string>();
    this.skipSpace();
    if (this.peek() === '>') {
      this.pos++;
      return { kind: 'struct', fields };
    }
    for (;;) {
      this.skipSpace();
      const nameAt = this.pos;
      const name = this.readFieldName();
      const key = name.toLowerCase(); // Delta column names are case-insensitive
      const previous = seen.get(key);
      if (previous !== undefined) {
        throw this.error(nameAt, `duplicate field name '${name}' (same as '${previous}' ignoring case)`);
      }
      seen.set(key, name);
      this.skipSpace();
      if (this.peek() === ':') this.pos++; // Spark accepts both `a:int` and `a int`
      const type = this.parseType(depth);
      let nullable = true;
      let comment: string | undefined;
      for (;;) {
        this.skipSpace();
        const wordAt = this.pos;
        const word = this.readWord().toLowerCase();
        if (word === '') break;
        if (word === 'not' && nullable) {
          this.skipSpace();
          const nullAt = this.pos;
          if (this.readWord().toLowerCase() !== 'null') throw this.error(nullAt, `expected NULL after NOT`);
          nullable = false;
        } else if (word === 'comment' && comment === undefined) {
          this.skipSpace();
          comment = this.readStringLiteral();
        } else {
          throw this.error(
            wordAt,
            `unexpected '${this.text.slice(wordAt, this.pos)}' after the type of field '${name}'`,
          );
        }
      }
      fields.push(comment === undefined ? { name, type, nullable } : { name, type, nullable, comment });
      this.skipSpace();
      const at = this.pos;
      const c = this.peek();
      this.pos++;
      if (c === '>') return { kind: 'struct', fields };
      if (c !== ',') throw this.error(at, `expected ',' or '>' in struct but found ${this.describe(at)}`);
    }
  }

  /** A plain identifier, or a backquoted name in which `` `` `` stands for one backquote. */
  private readFieldName(): string {
    const start = this.pos;
    if (this.peek() === '`') {
      this.pos++;
      let name = '';
      for (;;) {
        const close = this.text.indexOf('`', this.pos);
        if (close < 0) throw this.error(start, 'unterminated backquoted field name');
        name += this.text.slice(this.pos, close);
        this.pos = close + 1;
        if (this.peek() !== '`') break;
        name += '`';
        this.pos++;
      }
      if (name.length === 0) throw this.error(start, 'empty field name');
      return name;
    }
    const name = this.readWord();
    if (name.length === 0) throw this.error(start, `expected a field name but found ${this.describeHere()}`);
    return name;
  }

  /** A SQL string literal in single or double quotes, with backslash escapes as Spark reads them. */
  private readStringLiteral(): string {
    const start = this.pos;
    const quote = this.peek();
    if (quote !== "'" && quote !== '"')
      throw this.error(start, `expected a quoted comment but found ${this.describeHere()}`);
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) throw this.error(start, 'unterminated string literal');
      this.pos++;
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos];
      if (e === undefined) throw this.error(start, 'unterminated string literal');
      this.pos++;
      out += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === '0' ? '\0' : e;
    }
  }

  private readInteger(what: string): number {
    const start = this.pos;
    while (isDigit(this.peek())) this.pos++;
    if (this.pos === start) throw this.error(start, `expected ${what} but found ${this.describeHere()}`);
    return Number(this.text.slice(start, this.pos));
  }

  /** Letters, digits and `_` (Spark's unquoted identifier characters, Unicode letters included). */
  private readWord(): string {
    const start = this.pos;
    while (this.pos < this.text.length && /[\p{L}\p{N}_]/u.test(this.text[this.pos] as string)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private expect(char: string, hint?: string): void {
    this.skipSpace();
    if (this.peek() !== char) {
      throw this.error(this.pos, hint ?? `expected '${char}' but found ${this.describeHere()}`);
    }
    this.pos++;
  }

  expectEnd(): void {
    this.skipSpace();
    if (this.pos < this.text.length) throw this.error(this.pos, `unexpected ${this.describeHere()} after the type`);
  }

  /** Skips white space; returns the new position. */
  private skipSpace(): number {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
    return this.pos;
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private describeHere(): string {
    return this.describe(this.pos);
  }

  private describe(at: number): string {
    const c = this.text[at];
    return c === undefined ? 'end of input' : `'${c}'`;
  }

  private error(position: number, problem: string): SchemaError {
    // A huge text (a hostile request, say) is not echoed whole: the position says where to look.
    const text = this.text.length > 200 ? `${this.text.slice(0, 200)}…` : this.text;
    return new SchemaError(`invalid type '${text}' at position ${position}: ${problem}`, { position });
  }
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Spark SQL names of the primitive types, as Unity Catalog writes them in `type_text`. */
const PRIMITIVE_TEXT: Readonly<Record<PrimitiveTypeName, string>> = {
  byte: 'tinyint',
  short: 'smallint',
  integer: 'int',
  long: 'bigint',
  float: 'float',
  double: 'double',
  boolean: 'boolean',
  string: 'string',
  binary: 'binary',
  date: 'date',
  timestamp: 'timestamp',
  timestamp_ntz: 'timestamp_ntz',
  variant: 'variant',
};

/**
 * The canonical, lower-case `type_text` of a type: `bigint`, `decimal(10,2)`,
 * `array<struct<a:int,b:string>>`, `map<string,bigint>`. Struct fields carry ` not null` and
 * ` comment '...'` when set, so that `parseTypeText(typeText(t))` gives `t` back. Type text has no
 * syntax for `containsNull`/`valueContainsNull` false: arrays and maps read back as nullable.
 *
 * @example
 * ```ts
 * import { fetchTableSchema } from '@zerobus/sdk';
 * import { parseTypeText, typeText } from '@zerobus/sdk/schema';
 *
 * typeText(parseTypeText('ARRAY<STRUCT<a: INT NOT NULL>>')); // 'array<struct<a:int not null>>'
 * // Compares the column types a job expects with the table's, whatever their spelling.
 * const expected: Record<string, string> = { device: 'STRING', temp: 'Double', tags: 'ARRAY<VARCHAR(20)>' };
 * const { fields } = await fetchTableSchema('main.iot.readings', { unityCatalogEndpoint, clientId, clientSecret });
 * for (const [name, text] of Object.entries(expected)) {
 *   const column = fields.find((field) => field.name === name);
 *   const actual = column === undefined ? 'missing' : typeText(column.type);
 *   if (actual !== typeText(parseTypeText(text))) console.warn(`column ${name}: expected ${text}, found ${actual}`);
 * }
 * ```
 */
export function typeText(type: DeltaType): string {
  switch (type.kind) {
    case 'primitive':
      return PRIMITIVE_TEXT[type.name];
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array':
      return `array<${typeText(type.elementType)}>`;
    case 'map':
      return `map<${typeText(type.keyType)},${typeText(type.valueType)}>`;
    case 'struct':
      return `struct<${type.fields.map(fieldText).join(',')}>`;
  }
}

function fieldText(field: StructField): string {
  let text = `${quoteFieldName(field.name)}:${typeText(field.type)}`;
  if (!field.nullable) text += ' not null';
  if (field.comment !== undefined) text += ` comment ${quoteString(field.comment)}`;
  return text;
}

/**
 * Backquotes a name unless it is a plain identifier.
 *
 * @example
 * ```ts
 * import { quoteFieldName, type TableSchema, typeText } from '@zerobus/sdk/schema';
 *
 * quoteFieldName('temp'); // 'temp'
 * quoteFieldName('device id'); // '`device id`'
 * // A CREATE TABLE statement for a schema, whatever its column names.
 * function createTable(name: string, schema: TableSchema): string {
 *   const columns = schema.fields.map(
 *     (field) => `${quoteFieldName(field.name)} ${typeText(field.type)}${field.nullable ? '' : ' NOT NULL'}`,
 *   );
 *   return `CREATE TABLE ${name} (${columns.join(', ')})`;
 * }
 * ```
 */
export function quoteFieldName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replaceAll('`', '``')}\``;
}

function quoteString(text: string): string {
  return `'${text.replace(/[\\'\n\r\t\0]/g, (c) => ESCAPES[c] ?? c)}'`;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\0',
};

/**
 * Unity Catalog's `type_name` enum value for a type.
 *
 * @example
 * ```ts
 * import { parseTypeText, type UcTypeName, ucTypeName } from '@zerobus/sdk/schema';
 *
 * // How a CSV cell becomes a record value, by its column's type_name. The SDK's record check
 * // (option `validate`) accepts the text of the others (DECIMAL, DATE, TIMESTAMP, VARIANT...).
 * function csvValue(typeName: UcTypeName, cell: string): unknown {
 *   switch (typeName) {
 *     case 'BYTE': case 'SHORT': case 'INT': case 'FLOAT': case 'DOUBLE': return Number(cell);
 *     case 'LONG': return BigInt(cell);
 *     case 'BOOLEAN': return cell === 'true';
 *     case 'BINARY': return Buffer.from(cell, 'base64');
 *     case 'ARRAY': case 'MAP': case 'STRUCT': return JSON.parse(cell);
 *     default: return cell;
 *   }
 * }
 * csvValue(ucTypeName(parseTypeText('bigint')), '42'); // 42n
 * ```
 */
export type UcTypeName =
  | 'BYTE'
  | 'SHORT'
  | 'INT'
  | 'LONG'
  | 'FLOAT'
  | 'DOUBLE'
  | 'BOOLEAN'
  | 'STRING'
  | 'BINARY'
  | 'DATE'
  | 'TIMESTAMP'
  | 'TIMESTAMP_NTZ'
  | 'DECIMAL'
  | 'ARRAY'
  | 'MAP'
  | 'STRUCT'
  | 'VARIANT';

const PRIMITIVE_UC_NAME: Readonly<Record<PrimitiveTypeName, UcTypeName>> = {
  byte: 'BYTE',
  short: 'SHORT',
  integer: 'INT',
  long: 'LONG',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  string: 'STRING',
  binary: 'BINARY',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  timestamp_ntz: 'TIMESTAMP_NTZ',
  variant: 'VARIANT',
};

/**
 * The Unity Catalog `type_name` of a type (the outermost kind only, as UC reports it).
 *
 * @example
 * ```ts
 * import { deltaTypeToJson, parseTypeText, typeText, ucTypeName } from '@zerobus/sdk/schema';
 *
 * // A column as Unity Catalog's REST API describes it.
 * const type = parseTypeText('array<decimal(10,2)>');
 * const column = {
 *   name: 'prices',
 *   position: 0,
 *   nullable: true,
 *   type_text: typeText(type), // 'array<decimal(10,2)>'
 *   type_name: ucTypeName(type), // 'ARRAY'
 *   type_json: JSON.stringify({ name: 'prices', type: deltaTypeToJson(type), nullable: true, metadata: {} }),
 * };
 * ```
 */
export function ucTypeName(type: DeltaType): UcTypeName {
  switch (type.kind) {
    case 'primitive':
      return PRIMITIVE_UC_NAME[type.name];
    case 'decimal':
      return 'DECIMAL';
    case 'array':
      return 'ARRAY';
    case 'map':
      return 'MAP';
    case 'struct':
      return 'STRUCT';
  }
}
