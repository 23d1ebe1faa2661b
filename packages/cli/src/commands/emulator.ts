/** `zerobus emulator`: runs the local Zerobus-compatible server until interrupted. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  type Emulator,
  type EmulatorOptions,
  type LocalTls,
  loadOrCreateLocalTls,
  startEmulator,
} from '@zerobus/emulator';
import { createConsoleLogger } from '@zerobus/sdk';
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
  --no-auth                   accept any bearer token (the web console opens without login)
  --console-remote            serve the web console (at / on the HTTP port) to every client,
                              not only to this machine's (loopback); with auth it needs a login
  --no-console                serve no web console
  --tls-cert FILE --tls-key FILE
                              serve gRPC and HTTP over TLS with this PEM certificate (chain)
                              and key
  --tls-self-signed FILE      serve over TLS with a certificate signed by a local CA whose
                              certificate is FILE: made on the first start, reused while valid
                              (its key and the server's certificate and key are kept beside it,
                              mode 0600), so clients that trust FILE keep trusting a restarted
                              server. Trust FILE with the SDK's tlsRootCerts (the CLI's
                              --tls-ca), NODE_EXTRA_CA_CERTS=FILE for other Node apps,
                              SSL_CERT_FILE=FILE for the official SDKs (rustls)
  --tls-name NAME             a host name or IP address the certificate also covers
                              (repeatable; localhost, 127.0.0.1, ::1 and --host always are)
  --rotation-interval-ms N    send every stream a close signal N ms after it opens
  --rotation-grace-ms N       end a rotated call this long after its signal (default 5000)
  --ack-delay-ms N            delay every acknowledgement
  --max-inflight-requests N   stop reading a stream with N unacknowledged requests
  --max-stream-records-per-sec N
                              limit each stream to N records/s, as the real service does
  --commit-interval-ms N      group commit: longest wait before a commit (default 20)
  --auto-create-tables        accept streams to tables that are not in Unity Catalog, as
                              schemaless in-memory tables (lost on exit; one log line each);
                              by default such streams fail with NOT_FOUND, as on the real service
  --max-message-bytes N       refuse a request (or Flight batch) over N bytes with
                              INVALID_ARGUMENT naming its offset (default 4194304: 4 MiB)
  --no-store-records          keep no in-memory copy of records sent to tables that are not in
                              the catalog: acknowledge and drop them (benchmarks)
  --json                      print the endpoints as one JSON line
  -h, --help                  show this help

Exit codes: 0 stopped (Ctrl+C, SIGTERM), 1 could not start (a port in use, an unreadable
certificate...) or bad usage.
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
      'console-remote': { type: 'boolean' },
      'no-console': { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-self-signed': { type: 'string' },
      'tls-name': { type: 'string', multiple: true },
      'rotation-interval-ms': { type: 'string' },
      'rotation-grace-ms': { type: 'string' },
      'ack-delay-ms': { type: 'string' },
      'max-inflight-requests': { type: 'string' },
      'max-stream-records-per-sec': { type: 'string' },
      'commit-interval-ms': { type: 'string' },
      'max-message-bytes': { type: 'string' },
      'no-store-records': { type: 'boolean' },
      'auto-create-tables': { type: 'boolean' },
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
  if (values['tls-name'] !== undefined && values['tls-self-signed'] === undefined) {
    throw new UsageError('--tls-name is for --tls-self-signed FILE');
  }
  let tls: EmulatorOptions['tls'];
  let localCa: LocalTls | undefined;
  if (values['tls-cert'] && values['tls-key']) {
    tls = { cert: await readFile(values['tls-cert']), key: await readFile(values['tls-key']) };
  } else if (values['tls-self-signed']) {
    // A listen-on-every-interface address is no name a client connects to.
    const host = values.host === undefined || ['0.0.0.0', '::'].includes(values.host) ? [] : [values.host];
    const names = [...(values['tls-name'] ?? []), ...host];
    localCa = await loadOrCreateLocalTls(values['tls-self-signed'], { names });
    tls = localCa;
  }
  const options: EmulatorOptions = {
    ...(values.host !== undefined && { host: values.host }),
    port: port(values.port, 'port'),
    httpPort: port(values['http-port'], 'http-port'),
    auth: values['no-auth'] !== true,
    ...(values['console-remote'] === true && { console: 'all' as const }),
    ...(values['no-console'] === true && { console: 'off' as const }),
    ...(values['no-store-records'] === true && { storeRecords: false }),
    ...(values['auto-create-tables'] === true && { autoCreateTables: true }),
    // Info level unless ZEROBUS_LOG says otherwise: the tables it creates are worth a line each.
    logger: createConsoleLogger(process.env.ZEROBUS_LOG ? undefined : 'info'),
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
    ...(integer('max-message-bytes') !== undefined && { maxMessageBytes: integer('max-message-bytes') }),
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
      consoleUrl: emulator.consoleUrl,
      dataDir: emulator.dataDir,
      ...(localCa && { tlsCaFile: localCa.files.caFile }),
      pid: process.pid,
      unavailableTables: unavailable.map((t) => ({ table: t.fullName, reason: t.reason })),
    };
    process.stdout.write(`${JSON.stringify(hello)}\n`);
  } else {
    // Secrets are never printed: the client ids, and where their secrets come from.
    const clientIds = emulator.principals.map((p) => p.clientId).join(', ');
    const secretSource =
      values.principal === undefined ? 'the default, see zerobus emulator --help' : 'as given to --principal';
    process.stdout.write(
      `Zerobus local server\n  server endpoint         ${emulator.endpoint}\n` +
        `  unity catalog endpoint  ${emulator.unityCatalogEndpoint}\n` +
        (emulator.consoleUrl ? `  web console             ${emulator.consoleUrl}\n` : '') +
        `  data directory          ${emulator.dataDir}\n` +
        `  client id               ${clientIds} (secret: ${secretSource})\n` +
        (localCa ? `  trust this CA           ${localCa.files.caFile} (${CA_STATE[localCa.created]})\n` : '') +
        (unavailable.length > 0
          ? `  unavailable tables      ${unavailable.map((t) => t.fullName).join(', ')} (see above)\n`
          : '') +
        `To point the zerobus command at it, in another shell:\n  ${exportLine(emulator)}\n` +
        "  and set DATABRICKS_CLIENT_SECRET (or give --client-secret-file) to that client's secret.\n" +
        'Press Ctrl+C to stop.\n',
    );
  }
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const CA_STATE: Record<LocalTls['created'], string> = {
  reused: 'reused',
  'new-certificate': 'reused; new server certificate',
  'new-ca': 'new: clients must trust it again',
};

/**
 * The variables that point the `zerobus` command (and the examples) at this server, as a shell
 * line: not the client secret, which is never printed.
 */
function exportLine(emulator: Emulator): string {
  const first = emulator.principals[0];
  const variables = [
    `ZEROBUS_ENDPOINT=${emulator.endpoint}`,
    `DATABRICKS_HOST=${emulator.unityCatalogEndpoint}`,
    ...(first ? [`DATABRICKS_CLIENT_ID=${first.clientId}`] : []),
  ];
  return `export ${variables.join(' ')}`;
}
