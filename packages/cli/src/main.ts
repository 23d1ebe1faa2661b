#!/usr/bin/env node
/**
 * The `zerobus` command: the local server and schema generation; ingest, tables and bench come
 * with the next issues. Exit codes: 0 success, 1 runtime failure, 2 bad usage.
 */
import { UsageError } from './args.js';
import { EMULATOR_USAGE, runEmulator } from './commands/emulator.js';
import { GENERATE_PROTO_USAGE, runGenerateProto } from './commands/generate-proto.js';

const COMMAND_USAGE: Record<string, string> = {
  emulator: EMULATOR_USAGE,
  'generate-proto': GENERATE_PROTO_USAGE,
};

const USAGE = `Usage: zerobus <command> [options]

Commands:
  emulator         Run the local Zerobus-compatible server until interrupted
  generate-proto   Write a proto2 schema (or TypeScript module) for a Unity Catalog table

Run "zerobus <command> --help" for a command's options.
Exit codes: 0 success, 1 runtime failure, 2 bad usage.
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'emulator':
      return runEmulator(rest);
    case 'generate-proto':
      return runGenerateProto(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // parseArgs reports unknown or malformed options with ERR_PARSE_ARGS_* codes: usage errors too.
  const code = (error as { code?: string }).code ?? '';
  if (error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
    const usage = COMMAND_USAGE[process.argv[2] ?? ''] ?? USAGE;
    process.stderr.write(`zerobus: ${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  process.stderr.write(`zerobus: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
