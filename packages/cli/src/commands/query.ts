/** `zerobus query "SQL"`: read-only DuckDB SQL over Delta tables, on a data directory or a running local server. */
import { parseArgs } from 'node:util';
import { positiveInteger, UsageError } from '../args.js';
import { SOURCE_FLAGS, SOURCE_OPTIONS, tableSource } from '../console-source.js';

export const QUERY_USAGE = `Usage: zerobus query "SQL" [options]

Runs a read-only SQL query (DuckDB: SELECT, WITH, EXPLAIN, DESCRIBE, SHOW, SUMMARIZE) over the
local server's Delta tables, named by their three-part names:
  zerobus query --data-dir ./lake "SELECT device, avg(temp) FROM main.iot.readings GROUP BY 1"
Needs DuckDB (the optional dependency @duckdb/node-api).

Options:
${SOURCE_OPTIONS}
  --json                  one JSON object per row (NDJSON)
  --csv                   CSV with a header line
  --max-rows N            print at most N rows (default 1000)
  -h, --help              show this help

Exit codes: 0 done, 1 the query failed (the message says why) or bad usage (the message, then how to get help).
`;

export async function runQuery(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...SOURCE_FLAGS,
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      'max-rows': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(QUERY_USAGE);
    return;
  }
  if (positionals.length !== 1) throw new UsageError('give the SQL query as one argument, in quotes');
  if (values.json && values.csv) throw new UsageError('give --json or --csv, not both');
  const maxRows = values['max-rows'] === undefined ? 1_000 : positiveInteger(values['max-rows'], 'max-rows');
  const source = await tableSource(values);
  const result = await source.query(positionals[0] as string, maxRows);
  const names = result.columns.map((c) => c.name);
  if (values.json) {
    for (const row of result.rows) {
      process.stdout.write(`${JSON.stringify(Object.fromEntries(names.map((n, i) => [n, row[i] ?? null])))}\n`);
    }
  } else if (values.csv) {
    process.stdout.write(`${names.map(csvField).join(',')}\n`);
    for (const row of result.rows) process.stdout.write(`${row.map(csvField).join(',')}\n`);
  } else {
    process.stdout.write(textTable(names, result.rows));
    process.stderr.write(`${result.rows.length} row(s)${result.truncated ? `, truncated at ${maxRows}` : ''}\n`);
  }
  if (result.truncated && (values.json || values.csv)) {
    process.stderr.write(`zerobus query: only the first ${maxRows} rows were printed (--max-rows)\n`);
  }
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function csvField(value: unknown): string {
  const text = cellText(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Columns aligned, numbers to the right; NULL shown as NULL. */
export function textTable(names: readonly string[], rows: readonly unknown[][]): string {
  const cells = rows.map((row) => names.map((_, i) => (row[i] === null ? 'NULL' : cellText(row[i]))));
  const widths = names.map((name, i) => Math.max(name.length, ...cells.map((r) => (r[i] as string).length)));
  const numeric = names.map(
    (_, i) => rows.length > 0 && rows.every((r) => r[i] === null || /^-?[\d.]+$/.test(cellText(r[i]))),
  );
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(names), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n').concat('\n');
}
