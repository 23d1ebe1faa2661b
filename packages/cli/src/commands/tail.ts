/** `zerobus tail TABLE`: prints a Delta table's rows as they commit, like `tail -f`, until interrupted. */
import { parseArgs } from 'node:util';
import { positiveInteger, UsageError } from '../args.js';
import { SOURCE_FLAGS, SOURCE_OPTIONS, tableSource } from '../console-source.js';

export const TAIL_USAGE = `Usage: zerobus tail CATALOG.SCHEMA.TABLE [options]

Prints the rows committed to a Delta table from now on, one JSON object per line (NDJSON), as
the local server commits them, until Ctrl+C. Compactions (rows rewritten) print nothing.

Options:
${SOURCE_OPTIONS}
  --from-start            print the rows already in the table first
  --interval-ms N         how often to look for new commits (default 500)
  -h, --help              show this help

Exit codes: 0 stopped (Ctrl+C), 1 the table cannot be read (the message says why) or bad usage (the message, then how to get help).
`;

export async function runTail(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...SOURCE_FLAGS,
      'from-start': { type: 'boolean' },
      'interval-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(TAIL_USAGE);
    return;
  }
  const table = positionals[0];
  if (positionals.length !== 1 || !table || table.split('.').length !== 3) {
    throw new UsageError('give one table, as CATALOG.SCHEMA.TABLE');
  }
  const intervalMs = values['interval-ms'] === undefined ? 500 : positiveInteger(values['interval-ms'], 'interval-ms');
  const source = await tableSource(values);
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // -1: before the first commit, so that every row the table holds is printed.
  let version = values['from-start'] ? -1 : (await source.changes(table, undefined)).version;
  // On stderr, so that stdout stays NDJSON; scripts (and tests) may wait for it.
  process.stderr.write(`zerobus tail: ${table} after version ${version}; Ctrl+C to stop\n`);
  while (!stopped) {
    const changes = await source.changes(table, version);
    for (const row of changes.rows) process.stdout.write(`${JSON.stringify(row)}\n`);
    version = changes.version;
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, intervalMs);
    });
  }
}
