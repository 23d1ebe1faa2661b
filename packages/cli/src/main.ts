#!/usr/bin/env node
/**
 * The `zerobus` command. Each command's module is loaded only when it runs, so that a quick
 * command does not pay for the others (the local server, Parquet reading...).
 * Exit codes: 0 success, 1 any failure (bad usage included; failure.ts), 130 a second Ctrl+C.
 */
import { ReportedFailure, UsageError } from './args.js';
import { reportFailure } from './failure.js';
import { cliVersion } from './version.js';

interface Command {
  readonly summary: string;
  /** The command's function and its help text. */
  load(): Promise<{ run: (args: string[]) => Promise<void>; usage: string }>;
}

const COMMANDS: Record<string, Command> = {
  ingest: {
    summary: 'Stream an NDJSON, CSV or Parquet file (or stdin) into a table',
    load: async () => {
      const m = await import('./commands/ingest.js');
      return { run: m.runIngest, usage: m.INGEST_USAGE };
    },
  },
  tables: {
    summary: 'Create, show, list or delete Unity Catalog tables',
    load: async () => {
      const m = await import('./commands/tables.js');
      return { run: m.runTables, usage: m.TABLES_USAGE };
    },
  },
  'generate-proto': {
    summary: 'Write a proto2 schema (or TypeScript module) for a Unity Catalog table',
    load: async () => {
      const m = await import('./commands/generate-proto.js');
      return { run: m.runGenerateProto, usage: m.GENERATE_PROTO_USAGE };
    },
  },
  emulator: {
    summary: 'Run the local Zerobus-compatible server until interrupted',
    load: async () => {
      const m = await import('./commands/emulator.js');
      return { run: m.runEmulator, usage: m.EMULATOR_USAGE };
    },
  },
  query: {
    summary: "Run read-only SQL (DuckDB) over the local server's Delta tables",
    load: async () => {
      const m = await import('./commands/query.js');
      return { run: m.runQuery, usage: m.QUERY_USAGE };
    },
  },
  tail: {
    summary: 'Print the rows committed to a Delta table as they land, until Ctrl+C',
    load: async () => {
      const m = await import('./commands/tail.js');
      return { run: m.runTail, usage: m.TAIL_USAGE };
    },
  },
  bench: {
    summary: 'Quick ingestion benchmark against an ack-only local server',
    load: async () => {
      const m = await import('./commands/bench.js');
      return { run: m.runBench, usage: m.BENCH_USAGE };
    },
  },
};

const USAGE = `Usage: zerobus <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(16)} ${command.summary}`)
  .join('\n')}

Run "zerobus <command> --help" for a command's options.
Credentials come from --uc-endpoint, --client-id and --client-secret (or --client-secret-file
FILE), or from DATABRICKS_HOST, DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET; secrets are
never printed. The Zerobus endpoint comes from --endpoint or
ZEROBUS_ENDPOINT. ZEROBUS_LOG sets the SDK's log level (silent, error, warn, info, debug).

Options:
  -h, --help       show this help
  -V, --version    print the version of the zerobus command (also: zerobus version)

Exit codes: 0 success; 1 failure: bad usage (the message, then the help command to run), refused
credentials or table, an unreachable endpoint, bad data, a failed stream; 130 stopped by a second
Ctrl+C. With --json, a command that fails prints one line {"ok":false,"error":{"code","message",
"hint"}} on stdout (its text stays on stderr).
`;

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`zerobus ${cliVersion()}\n`);
    return;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  const { run } = await command.load();
  await run(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ReportedFailure) process.exit(error.exitCode);
  const [name, ...rest] = process.argv.slice(2);
  process.exit(reportFailure(error, name !== undefined && Object.hasOwn(COMMANDS, name) ? name : undefined, rest));
});
