/**
 * The `zerobus` command. This first version runs the local server; ingest, tables,
 * generate-proto and bench come with the next issues.
 */
import { parseArgs } from 'node:util';
import { startEmulator } from '@zerobus/emulator';

const USAGE = `Usage: zerobus <command> [options]

Commands:
  emulator   Run the local Zerobus-compatible server until interrupted

Options of "emulator":
  --host HOST        interface to listen on (default 127.0.0.1)
  --port N           gRPC (Zerobus) port (default 0: any free port)
  --http-port N      OAuth / Unity Catalog HTTP port (default 0: any free port)
  --data-dir DIR     where the Delta tables live (default: a temporary directory,
                     removed on exit); a restart with the same DIR serves the same tables
  --commit-interval-ms N
                     group commit: longest wait before a commit (default 20)
  --no-auth          accept any bearer token
  --json             print the endpoints as one JSON line
  -h, --help         show this help

Exit codes: 0 success, 1 runtime failure, 2 bad usage.
`;

function fail(message: string): never {
  process.stderr.write(`zerobus: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function port(value: string | undefined, name: string): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`--${name} must be a port number, got ${JSON.stringify(value)}`);
  return n;
}

function nonNegativeInteger(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

async function runEmulator(args: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'http-port': { type: 'string' },
        'data-dir': { type: 'string' },
        'commit-interval-ms': { type: 'string' },
        'no-auth': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const emulator = await startEmulator({
    ...(typeof values.host === 'string' && { host: values.host }),
    port: port(values.port as string | undefined, 'port'),
    httpPort: port(values['http-port'] as string | undefined, 'http-port'),
    auth: values['no-auth'] !== true,
    ...(typeof values['data-dir'] === 'string' && { dataDir: values['data-dir'] }),
    ...(typeof values['commit-interval-ms'] === 'string' && {
      commitIntervalMs: nonNegativeInteger(values['commit-interval-ms'], 'commit-interval-ms'),
    }),
  });
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ endpoint: emulator.endpoint, unityCatalogEndpoint: emulator.unityCatalogEndpoint, dataDir: emulator.dataDir, pid: process.pid })}\n`,
    );
  } else {
    const [principal] = emulator.principals;
    process.stdout.write(
      `Zerobus local server\n  server endpoint         ${emulator.endpoint}\n` +
        `  unity catalog endpoint  ${emulator.unityCatalogEndpoint}\n` +
        `  data directory          ${emulator.dataDir}\n` +
        `  client id / secret      ${principal?.clientId} / ${principal?.clientSecret}\n` +
        'Press Ctrl+C to stop.\n',
    );
  }
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'emulator':
      return runEmulator(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      fail(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`zerobus: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
