/** `zerobus emulator`: runs the local Zerobus-compatible server until interrupted. */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { type Emulator, type EmulatorOptions, generateSelfSignedCertificate, startEmulator } from '@zerobus/emulator';
import { nonNegativeInteger, port, principal, UsageError } from '../args.js';

export const EMULATOR_USAGE = `Usage: zerobus emulator [options]

Runs the local Zerobus-compatible server (gRPC ingestion, OAuth, Unity Catalog REST, Delta
tables) until interrupted.

Options:
  --host HOST                 interface to listen on (default 127.0.0.1)
  --port N                    gRPC (Zerobus) port (default 0: any free port)
  --http-port N               OAuth / Unity Catalog HTTP port (default 0: any free port)
  --data-dir DIR              where the Delta tables live (default: a temporary directory,
                              removed on exit); a restart with the same DIR serves the same tables.
                              A table whose Delta log cannot be read is reported at start and
                              refused (FAILED_PRECONDITION); the others are served. Records
                              written to Delta tables are never kept in memory.
  --principal ID:SECRET       an OAuth client allowed on every table (repeatable; default
                              emulator-client:emulator-secret)
  --no-auth                   accept any bearer token
  --tls-cert FILE --tls-key FILE
                              serve gRPC and HTTP over TLS with this PEM certificate and key
  --tls-self-signed FILE      serve over TLS with a new self-signed certificate, written to FILE
                              for clients to trust (the SDK's tlsRootCerts)
  --rotation-interval-ms N    send every stream a close signal N ms after it opens
  --rotation-grace-ms N       end a rotated call this long after its signal (default 5000)
  --ack-delay-ms N            delay every acknowledgement
  --max-inflight-requests N   stop reading a stream with N unacknowledged requests
  --max-stream-records-per-sec N
                              limit each stream to N records/s, as the real service does
  --commit-interval-ms N      group commit: longest wait before a commit (default 20)
  --no-store-records          keep no in-memory copy of records sent to tables that are not in
                              the catalog: acknowledge and drop them (benchmarks)
  --json                      print the endpoints as one JSON line
  -h, --help                  show this help

Exit codes: 0 stopped (Ctrl+C, SIGTERM), 1 could not start (a port in use, an unreadable
certificate...), 2 bad usage.
`;

export async function runEmulator(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'http-port': { type: 'string' },
      'data-dir': { type: 'string' },
      principal: { type: 'string', multiple: true },
      'no-auth': { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-self-signed': { type: 'string' },
      'rotation-interval-ms': { type: 'string' },
      'rotation-grace-ms': { type: 'string' },
      'ack-delay-ms': { type: 'string' },
      'max-inflight-requests': { type: 'string' },
      'max-stream-records-per-sec': { type: 'string' },
      'commit-interval-ms': { type: 'string' },
      'no-store-records': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(EMULATOR_USAGE);
    return;
  }
  const integer = (name: keyof typeof values) => {
    const value = values[name];
    return typeof value === 'string' ? nonNegativeInteger(value, name) : undefined;
  };
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together');
  }
  let tls: EmulatorOptions['tls'];
  if (values['tls-cert'] && values['tls-key']) {
    tls = { cert: await readFile(values['tls-cert']), key: await readFile(values['tls-key']) };
  } else if (values['tls-self-signed']) {
    const pair = await generateSelfSignedCertificate(values.host ? [values.host] : []);
    await writeFile(values['tls-self-signed'], pair.cert);
    tls = pair;
  }
  const options: EmulatorOptions = {
    ...(values.host !== undefined && { host: values.host }),
    port: port(values.port, 'port'),
    httpPort: port(values['http-port'], 'http-port'),
    auth: values['no-auth'] !== true,
    ...(values['no-store-records'] === true && { storeRecords: false }),
    ...(values['data-dir'] !== undefined && { dataDir: values['data-dir'] }),
    ...(values.principal !== undefined && { principals: values.principal.map(principal) }),
    ...(tls && { tls }),
    ...(integer('rotation-interval-ms') !== undefined && { rotationIntervalMs: integer('rotation-interval-ms') }),
    ...(integer('rotation-grace-ms') !== undefined && { rotationGraceMs: integer('rotation-grace-ms') }),
    ...(integer('ack-delay-ms') !== undefined && { ackDelayMs: integer('ack-delay-ms') }),
    ...(integer('max-inflight-requests') !== undefined && { maxInflightRequests: integer('max-inflight-requests') }),
    ...(integer('max-stream-records-per-sec') !== undefined && {
      maxStreamRecordsPerSecond: integer('max-stream-records-per-sec'),
    }),
    ...(integer('commit-interval-ms') !== undefined && { commitIntervalMs: integer('commit-interval-ms') }),
  };
  const emulator = await startEmulator(options);
  const unavailable = emulator.unavailableTables();
  for (const table of unavailable) {
    // The server's own log: the directory helps whoever repairs it (clients never see it).
    process.stderr.write(
      `zerobus emulator: table ${table.fullName} is unavailable, streams to it are refused: ${table.reason} (directory ${table.dir}); drop and recreate it, or repair its _delta_log\n`,
    );
  }
  if (values.json) {
    const hello = {
      endpoint: emulator.endpoint,
      unityCatalogEndpoint: emulator.unityCatalogEndpoint,
      dataDir: emulator.dataDir,
      pid: process.pid,
      unavailableTables: unavailable.map((t) => ({ table: t.fullName, reason: t.reason })),
    };
    process.stdout.write(`${JSON.stringify(hello)}\n`);
  } else {
    const principals = emulator.principals.map((p) => `${p.clientId} / ${p.clientSecret}`).join(', ');
    process.stdout.write(
      `Zerobus local server\n  server endpoint         ${emulator.endpoint}\n` +
        `  unity catalog endpoint  ${emulator.unityCatalogEndpoint}\n` +
        `  data directory          ${emulator.dataDir}\n` +
        `  client id / secret      ${principals}\n` +
        (unavailable.length > 0
          ? `  unavailable tables      ${unavailable.map((t) => t.fullName).join(', ')} (see above)\n`
          : '') +
        (values['tls-self-signed'] ? `  trust this certificate  ${values['tls-self-signed']}\n` : '') +
        `To point the zerobus command at it, in another shell:\n  ${exportLine(emulator)}\n` +
        'Press Ctrl+C to stop.\n',
    );
  }
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** The variables that point the `zerobus` command (and the examples) at this server, as a shell line. */
function exportLine(emulator: Emulator): string {
  const first = emulator.principals[0];
  const variables = [
    `ZEROBUS_ENDPOINT=${emulator.endpoint}`,
    `DATABRICKS_HOST=${emulator.unityCatalogEndpoint}`,
    ...(first ? [`DATABRICKS_CLIENT_ID=${first.clientId}`, `DATABRICKS_CLIENT_SECRET=${first.clientSecret}`] : []),
  ];
  return `export ${variables.join(' ')}`;
}
