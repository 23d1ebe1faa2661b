/**
 * Three-part Unity Catalog names in a SQL text, pointed at the DuckDB views that hold the tables.
 * DuckDB reads `a.b.c` as database.schema.table, but reserves some database names (`main`, the
 * default Unity Catalog catalog, among them), so each catalog is attached under a name of its own
 * and the references are rewritten. Only text outside string literals, quoted identifiers that
 * are not part of a name, and comments is touched; a name that is no known table stays as it is.
 */

/** DuckDB database names a catalog cannot be attached as. */
const RESERVED = new Set(['main', 'temp', 'system', 'memory']);

/** The DuckDB database a Unity Catalog catalog is attached as. */
export function duckDbCatalogName(catalog: string): string {
  return RESERVED.has(catalog) ? `${catalog}_catalog` : catalog;
}

/** `"a""b"`: a DuckDB quoted identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The quoted DuckDB name of a table `catalog.schema.table` (lower case). */
export function duckDbTableName(fullName: string): string {
  const [catalog = '', schema = '', table = ''] = fullName.split('.');
  return [duckDbCatalogName(catalog), schema, table].map(quoteIdentifier).join('.');
}

const PART = '(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)';
const NAME = new RegExp(String.raw`(${PART})\s*\.\s*(${PART})\s*\.\s*(${PART})`, 'y');
const IDENT_CHAR = /[A-Za-z0-9_$."]/;

function unquote(part: string): string {
  return part.startsWith('"') ? part.slice(1, -1).replaceAll('""', '"') : part.toLowerCase();
}

/** `sql` with every reference to a table of `tables` (full names, lower case) rewritten. */
export function rewriteTableNames(sql: string, tables: ReadonlySet<string>): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    // Skip what is not SQL names: string literals, comments.
    let end = -1;
    if (ch === "'") end = closing(sql, i, "'");
    else if (ch === '-' && next === '-') end = lineEnd(sql, i);
    else if (ch === '/' && next === '*') end = sql.indexOf('*/', i + 2) < 0 ? sql.length : sql.indexOf('*/', i + 2) + 2;
    if (end >= 0) {
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    const previous = i > 0 ? (sql[i - 1] as string) : ' ';
    if ((ch === '"' || /[A-Za-z_]/.test(ch)) && !IDENT_CHAR.test(previous)) {
      NAME.lastIndex = i;
      const match = NAME.exec(sql);
      if (match && !IDENT_CHAR.test(sql[NAME.lastIndex] ?? ' ')) {
        const fullName = [match[1], match[2], match[3]].map((p) => unquote(p as string)).join('.');
        if (tables.has(fullName)) {
          out += duckDbTableName(fullName);
          i = NAME.lastIndex;
          continue;
        }
      }
      // A quoted identifier is skipped whole, so its contents are never read as names.
      if (ch === '"') {
        const quoted = closing(sql, i, '"');
        out += sql.slice(i, quoted);
        i = quoted;
        continue;
      }
      const word = /[A-Za-z0-9_$]+/y;
      word.lastIndex = i;
      const w = word.exec(sql);
      const stop = w ? word.lastIndex : i + 1;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** The index after the quote closing the one at `start` (a doubled quote is an escaped one). */
function closing(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

function lineEnd(sql: string, start: number): number {
  const newline = sql.indexOf('\n', start);
  return newline < 0 ? sql.length : newline + 1;
}
