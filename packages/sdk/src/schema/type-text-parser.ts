/** Spark SQL / Unity Catalog `type_text` → {@link DeltaType}: the parser, apart from the printer (type-text.ts). */

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

/**
 * A small hand-written recursive descent over the text (no tokenizer pass): the grammar is tiny,
 * and reading characters directly lets every error name the exact offset.
 */
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
