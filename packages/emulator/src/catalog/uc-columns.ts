/**
 * The columns of a table to create, checked whole before anything touches the disk: every
 * problem is a `UcError('INVALID_PARAMETER_VALUE')` (HTTP 400) naming the table, the column and
 * the field, never an exception from deeper down. Whatever JSON a client sends (wrong types,
 * hostile nesting, huge or control-character names) ends here or gives a valid schema.
 */
import { type DeltaType, parseTypeText, schemaFromUcColumns, type TableSchema, ucTypeName } from '@zerobus/sdk/schema';
import { jsonKind, shown, UcError } from './uc-types.js';

/** Unity Catalog's limit on names, which we apply to column and struct field names too. */
export const MAX_NAME_LENGTH = 255;
/** ASCII control characters and DEL: refused in every Unity Catalog name. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters refused
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

function invalid(message: string): UcError {
  return new UcError('INVALID_PARAMETER_VALUE', message);
}

/**
 * Checks a column or struct field name the way Unity Catalog does: non-empty, at most 255
 * characters, no ASCII control character (other characters, spaces and dots included, are fine
 * in a column name).
 */
export function checkColumnName(name: unknown, what: string): string {
  if (typeof name !== 'string') throw invalid(`${what} needs a name (a string), got ${jsonKind(name)}`);
  if (name.length === 0) throw invalid(`${what} has an empty name`);
  if (name.length > MAX_NAME_LENGTH) {
    throw invalid(`${what} has a name of ${name.length} characters (${shown(name)}); the limit is ${MAX_NAME_LENGTH}`);
  }
  if (CONTROL_CHARACTER.test(name)) throw invalid(`${what} has a name with a control character: ${shown(name)}`);
  return name;
}

/** Checks the names of struct fields at any depth (the parser bounds the depth). */
/** `column`: the column as messages name it. */
function checkFieldNames(type: DeltaType, column: string): void {
  if (type.kind === 'array') checkFieldNames(type.elementType, column);
  if (type.kind === 'map') {
    checkFieldNames(type.keyType, column);
    checkFieldNames(type.valueType, column);
  }
  if (type.kind === 'struct') {
    for (const field of type.fields) {
      checkColumnName(field.name, `a struct field in ${column}`);
      checkFieldNames(field.type, column);
    }
  }
}

function optional<T>(value: unknown, check: (v: unknown) => v is T, message: string): T | undefined {
  if (value === undefined || value === null) return undefined; // JSON null is an unset field
  if (!check(value)) throw invalid(message);
  return value;
}

const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number';

/**
 * The table schema of `columns` as `POST /tables` sends them (`name`, `type_text`, and optionally
 * `type_name`, `nullable`, `position`, `comment`; other fields are ignored), or a 400 naming the
 * first problem. `type_text` is the type; a `type_name`, when sent, must agree with it.
 */
export function tableSchemaOf(table: string, columns: unknown): TableSchema {
  if (!Array.isArray(columns)) {
    throw invalid(`columns of table '${table}' must be an array of columns, got ${jsonKind(columns)}`);
  }
  if (columns.length === 0) throw invalid(`table '${table}' needs at least one column`);
  const seen = new Map<string, string>();
  const positions = new Set<number>();
  const checked: { name: string; type_text: string; nullable: boolean; position: number; comment?: string }[] = [];
  for (const [index, column] of columns.entries()) {
    if (typeof column !== 'object' || column === null || Array.isArray(column)) {
      throw invalid(`column #${index} of table '${table}' must be an object, got ${jsonKind(column)}`);
    }
    const fields = column as Record<string, unknown>;
    const name = checkColumnName(fields.name, `column #${index} of table '${table}'`);
    // a checked name has no control character: quoted as-is, cut short
    const label = `column '${name.length > 64 ? `${name.slice(0, 64)}…` : name}' of table '${table}'`;
    const previous = seen.get(name.toLowerCase());
    if (previous !== undefined) {
      throw invalid(`${label} appears twice (column names ignore case: same as '${previous.slice(0, 64)}')`);
    }
    seen.set(name.toLowerCase(), name);
    const text = fields.type_text;
    if (typeof text !== 'string') throw invalid(`${label} needs type_text (a string), got ${jsonKind(text)}`);
    let type: DeltaType;
    try {
      type = parseTypeText(text);
    } catch (error) {
      throw invalid(`${label}: ${(error as Error).message}`);
    }
    checkFieldNames(type, label);
    const typeName = optional(fields.type_name, isString, `${label}: type_name must be a string`);
    const expected = ucTypeName(type);
    // UC names char(n) and varchar(n) columns CHAR or STRING; both are strings here
    const agrees =
      typeName?.toUpperCase() === expected || (expected === 'STRING' && typeName?.toUpperCase() === 'CHAR');
    if (typeName !== undefined && !agrees) {
      throw invalid(`${label}: type_name ${shown(typeName)} does not match type_text ${shown(text)} (${expected})`);
    }
    const nullable = optional(
      fields.nullable,
      isBoolean,
      `${label}: nullable must be true or false, got ${jsonKind(fields.nullable)}`,
    );
    const position =
      optional(fields.position, isNumber, `${label}: position must be a number, got ${jsonKind(fields.position)}`) ??
      index;
    if (!Number.isInteger(position) || position < 0 || position >= columns.length) {
      throw invalid(`${label}: position must be an integer from 0 to ${columns.length - 1}, got ${position}`);
    }
    if (positions.has(position)) throw invalid(`${label}: position ${position} is taken by another column`);
    positions.add(position);
    const comment = optional(fields.comment, isString, `${label}: comment must be a string`);
    checked.push({
      name,
      type_text: text,
      nullable: nullable ?? true,
      position,
      ...(comment !== undefined && { comment }),
    });
  }
  // The checks above cover schemaFromUcColumns' own; it orders the columns by position.
  try {
    return schemaFromUcColumns(checked);
  } catch (error) {
    throw invalid(`columns of table '${table}': ${(error as Error).message}`);
  }
}
