/**
 * `zerobus ingest`: streams an NDJSON, CSV or Parquet file (or standard input) into a table
 * through the SDK, with its back-pressure, reading the input as it goes. Records are checked
 * against the table's columns client-side; the first bad one — past `--max-bad-records`, which
 * sets bad ones aside in a reject file (ingest/rejects.ts) — stops the run after everything
 * before it is acknowledged, and the message says which input lines are in the table and the
 * `--skip` that resumes after them (ingest/report.ts). With `--arrow`, the records go as Arrow record batches over
 * the SDK's Arrow Flight stream instead (ingest/arrow-batch.ts, ingest/arrow-pump.ts), with the
 * same checks, messages and resume points.
 */
import { constants, createReadStream, fstatSync, type Stats } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import {
  type ArrowStream,
  createConsoleLogger,
  descriptorFromProtoFile,
  fetchTableSchema,
  type Logger,
  TableProperties,
  ZerobusSdk,
  type ZerobusStream,
} from '@zerobus/sdk';
import type { TableSchema } from '@zerobus/sdk/schema';
import { nonNegativeInteger, oneOf, positiveInteger, UsageError } from '../args.js';
import { credentialsFrom } from '../credentials.js';
import { CliError } from '../failure.js';
import { Progress } from '../ingest/progress.js';
import { type PumpResult, pump } from '../ingest/pump.js';
import { Rejects } from '../ingest/rejects.js';
import { report } from '../ingest/report.js';
import { csvSource, type InputFormat, type InputSource, ndjsonSource, parquetSource } from '../ingest/sources.js';
import { type LocalServer, startInProcessServer } from '../local-server.js';

export const INGEST_USAGE = `Usage: zerobus ingest --table CATALOG.SCHEMA.TABLE [options] FILE|-

Streams the records of an NDJSON, CSV or Parquet file (or standard input, "-") into a table.
The input is read as it is sent, never whole into memory (Parquet: one row group at a time),
with the SDK's in-flight window as back-pressure. Records are checked against the table's
columns before they are sent.

Input:
  --format ndjson|csv|parquet  default: from the file name (.ndjson, .jsonl, .json → ndjson;
                               .csv; .parquet), ndjson for "-"
  --delimiter C                CSV field separator (default ",")
  --skip N                     skip the first N input records — NDJSON lines, CSV data rows (after
                               the header), Parquet rows — to resume an interrupted run
  --max-bad-records N          set aside up to N records that cannot be read or do not fit the
                               table (default 0: the first one stops the load); the next one
                               stops it. A CSV syntax error always stops it. Needs:
  --reject-file FILE           where they go, one JSON line each: {"line"|"row", "reason", "raw"}
                               (raw: the NDJSON line, the CSV cells, the Parquet row); emptied by
                               a run from the start, added to by one resuming with --skip. The
                               summary counts them ("rejected" with --json).

  CSV: the header row names the columns. Cells convert to the column's type: integers, floats
  (also NaN, Infinity), booleans (true/false/1/0), DATE (YYYY-MM-DD or days), TIMESTAMP
  (ISO-8601, with an offset unless TIMESTAMP_NTZ; or microseconds), DECIMAL (exact text), BINARY
  (base64), VARIANT (JSON text), ARRAY/MAP/STRUCT (JSON text). An unquoted empty cell is NULL, a
  quoted empty cell ("") an empty string. NDJSON: one JSON object per line, BINARY as base64,
  numbers kept exact (BIGINT beyond 2^53, long decimals).

Records:
  --record-type json|proto     how records are sent (default json)
  --proto FILE                 proto: the record message from this .proto file (default: a
                               descriptor generated from the table's columns)
  --proto-msg NAME             the message in --proto FILE (default: its only top-level message)
  --arrow                      send Arrow record batches over Arrow Flight instead of single
                               records (any input format): the Arrow schema comes from the table's
                               columns; values are checked as records are, and kept exact
                               (TIMESTAMP microseconds, BIGINT, DECIMAL)
  --batch-rows N               --arrow: rows per record batch (default 10000); a batch is sent
                               when it is full or the input ends

Server and credentials:
  --endpoint URL               the Zerobus endpoint (env ZEROBUS_ENDPOINT); not needed with --dry-run
  --uc-endpoint URL            workspace URL or local server HTTP endpoint (env DATABRICKS_HOST)
  --client-id ID               OAuth client id (env DATABRICKS_CLIENT_ID)
  --client-secret SECRET       OAuth client secret (env DATABRICKS_CLIENT_SECRET)
  --client-secret-file FILE    the secret from this file (trailing newline trimmed), kept out
                               of the process list and shell history
  --tls-ca FILE                extra trusted CA certificate (PEM) for both endpoints

Output:
  --dry-run                    read and check every record against the table's columns, send
                               nothing: reports the first bad record (line or row, and field)
  --quiet                      no progress and no summary (errors are still reported)
  --json                       print the summary (or the failure) as one JSON line on stdout
  -h, --help                   show this help

Progress goes to stderr: one updating line on a terminal, a plain line every 2 s otherwise.

When a record cannot be read or does not fit (say line 5), every record before it is flushed
and acknowledged first, and the message says so: "lines 1–4 are in the table; rerun with
--skip 4 to resume". A stream failure reports the acknowledged lines the same way. With --arrow
too: the rows before the bad one are sent (the batch under way included) and acknowledged, and
after a stream failure the acknowledged rows are counted from the acknowledged batches (and the
rows of a partly acknowledged one).

With --json, a failure is one line on stdout too: the summary with "ok": false, "error":
{"code", "message", "hint"} and "resumeSkip"; a failure before the load starts (credentials
refused, table missing, endpoint unreachable) is {"ok":false,"error":{"code","message","hint"}}.

Exit codes: 0 every record is in the table (--dry-run: every record is valid), bad records set
aside within --max-bad-records aside; 1 a bad record, an unreadable input, a refused table or
credentials, a stream failure, an interruption, or bad usage.
`;

const FORMAT_BY_EXTENSION: Record<string, InputFormat> = {
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.json': 'ndjson',
  '.csv': 'csv',
  '.parquet': 'parquet',
  '.parq': 'parquet',
};

interface Settings {
  readonly file: string;
  readonly format: InputFormat;
  readonly table: string;
  readonly skip: number;
  readonly delimiter: string | undefined;
  readonly recordType: 'json' | 'proto';
  readonly proto: string | undefined;
  readonly protoMessage: string | undefined;
  readonly endpoint: string | undefined;
  readonly dryRun: boolean;
  readonly quiet: boolean;
  readonly json: boolean;
  readonly tlsCa: string | undefined;
  readonly credentials: ReturnType<typeof credentialsFrom>;
  /** Arrow record batches of this many rows; undefined: single records. */
  readonly arrowBatchRows: number | undefined;
  readonly maxBadRecords: number;
  readonly rejectFile: string | undefined;
}

const DEFAULT_BATCH_ROWS = 10_000;
/**
 * The Arrow stream's window counts batches (default 1,000: ten million rows at the default batch
 * size); it is sized for about this many rows instead, twice the record mode's window.
 */
const ARROW_INFLIGHT_ROWS = 100_000;

function settingsFrom(args: string[]): Settings | undefined {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      format: { type: 'string' },
      delimiter: { type: 'string' },
      skip: { type: 'string' },
      'max-bad-records': { type: 'string' },
      'reject-file': { type: 'string' },
      'record-type': { type: 'string' },
      proto: { type: 'string' },
      'proto-msg': { type: 'string' },
      endpoint: { type: 'string' },
      'uc-endpoint': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'client-secret-file': { type: 'string' },
      'tls-ca': { type: 'string' },
      'dry-run': { type: 'boolean' },
      arrow: { type: 'boolean' },
      'batch-rows': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const table = values.table;
  if (!table) throw new UsageError('--table is required');
  if (table.split('.').length !== 3 || table.split('.').some((part) => part === '')) {
    throw new UsageError(`--table takes catalog.schema.table, got ${JSON.stringify(table)}`);
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0 ? 'give the input FILE, or - for standard input' : 'give one input FILE',
    );
  }
  const file = positionals[0]!;
  let format: InputFormat;
  if (values.format !== undefined) {
    format = oneOf(values.format, ['ndjson', 'csv', 'parquet'] as const, 'format');
  } else if (file === '-') {
    format = 'ndjson';
  } else {
    const byName = FORMAT_BY_EXTENSION[extname(file).toLowerCase()];
    if (!byName)
      throw new UsageError(`cannot tell the format of ${file} from its name: give --format ndjson|csv|parquet`);
    format = byName;
  }
  if (format === 'parquet' && file === '-')
    throw new UsageError('Parquet cannot be read from standard input: give a file');
  if (values.delimiter !== undefined && (format !== 'csv' || values.delimiter.length !== 1)) {
    throw new UsageError('--delimiter takes one character, for CSV input');
  }
  if (values['proto-msg'] !== undefined && values.proto === undefined) {
    throw new UsageError('--proto-msg names a message of --proto FILE');
  }
  const recordType =
    values['record-type'] === undefined
      ? values.proto === undefined
        ? 'json'
        : 'proto'
      : oneOf(values['record-type'], ['json', 'proto'] as const, 'record-type');
  if (values.proto !== undefined && recordType !== 'proto') throw new UsageError('--proto is for --record-type proto');
  const arrow = values.arrow === true;
  if (arrow && (values['record-type'] !== undefined || values.proto !== undefined)) {
    throw new UsageError('--arrow sends Arrow record batches: --record-type and --proto are for single records');
  }
  if (values['batch-rows'] !== undefined && !arrow) throw new UsageError('--batch-rows is for --arrow');
  const maxBadRecords =
    values['max-bad-records'] === undefined ? 0 : nonNegativeInteger(values['max-bad-records'], 'max-bad-records');
  if (maxBadRecords > 0 && values['reject-file'] === undefined) {
    throw new UsageError('--max-bad-records needs --reject-file FILE, where the records set aside go');
  }
  if (values['reject-file'] !== undefined && values['max-bad-records'] === undefined) {
    throw new UsageError('--reject-file is for --max-bad-records N');
  }
  const dryRun = values['dry-run'] === true;
  const endpoint = values.endpoint ?? (process.env.ZEROBUS_ENDPOINT || undefined);
  if (endpoint === undefined && !dryRun) throw new UsageError('--endpoint (or ZEROBUS_ENDPOINT) is required');
  return {
    file,
    format,
    table,
    skip: values.skip === undefined ? 0 : nonNegativeInteger(values.skip, 'skip'),
    delimiter: values.delimiter,
    recordType,
    proto: values.proto,
    protoMessage: values['proto-msg'],
    endpoint,
    dryRun,
    quiet: values.quiet === true,
    json: values.json === true,
    tlsCa: values['tls-ca'],
    credentials: credentialsFrom(values),
    arrowBatchRows: arrow
      ? values['batch-rows'] === undefined
        ? DEFAULT_BATCH_ROWS
        : positiveInteger(values['batch-rows'], 'batch-rows')
      : undefined,
    maxBadRecords,
    rejectFile: values['reject-file'],
  };
}

async function tableProperties(settings: Settings, tlsRootCerts: Buffer | undefined): Promise<TableProperties> {
  const access = { ...settings.credentials, tlsRootCerts };
  if (settings.proto === undefined) {
    return TableProperties.fromTable(settings.table, { ...access, recordType: settings.recordType });
  }
  const [schema, descriptor] = await Promise.all([
    fetchTableSchema(settings.table, access),
    descriptorFromProtoFile(settings.proto, settings.protoMessage),
  ]);
  return new TableProperties(settings.table, descriptor, { schema });
}

function fstatOrUndefined(fd: number): Stats | undefined {
  try {
    return fstatSync(fd);
  } catch {
    return undefined;
  }
}

/** The input's size if it is a file (also standard input redirected from one); fails early if it cannot be read. */
async function inputSize(settings: Settings): Promise<number | undefined> {
  if (settings.file === '-') {
    const info = fstatOrUndefined(0);
    return info?.isFile() ? info.size : undefined;
  }
  try {
    const info = await stat(settings.file);
    if (!info.isFile()) throw new Error('not a file');
    await access(settings.file, constants.R_OK);
    return info.size;
  } catch (error) {
    throw new CliError('INPUT_UNREADABLE', `cannot read ${settings.file}: ${(error as Error).message}`);
  }
}

async function openSource(
  settings: Settings,
  schema: TableSchema,
  totalBytes: number | undefined,
): Promise<InputSource> {
  const stdin = settings.file === '-';
  const options = { name: stdin ? 'stdin' : settings.file, schema, skip: settings.skip, totalBytes };
  if (settings.format === 'parquet') {
    try {
      return await parquetSource(settings.file, options);
    } catch (error) {
      throw new CliError('INPUT_UNREADABLE', `cannot read ${settings.file} as Parquet: ${(error as Error).message}`);
    }
  }
  const input: Readable = stdin ? process.stdin : createReadStream(settings.file, { highWaterMark: 1 << 20 });
  return settings.format === 'csv'
    ? csvSource(input, { ...options, delimiter: settings.delimiter })
    : ndjsonSource(input, options);
}

/** A logger that first clears the progress line, so that log lines do not run into it. */
function loggerAround(progress: Progress | undefined): Logger {
  const base = createConsoleLogger();
  const level =
    (name: keyof Logger) =>
    (fields: object, message?: string): void => {
      progress?.clear();
      base[name](fields, message);
    };
  return { error: level('error'), warn: level('warn'), info: level('info'), debug: level('debug') };
}

export async function runIngest(args: string[]): Promise<void> {
  const settings = settingsFrom(args);
  if (!settings) {
    process.stdout.write(INGEST_USAGE);
    return;
  }
  const totalBytes = await inputSize(settings);
  const tlsRootCerts = settings.tlsCa === undefined ? undefined : await readFile(settings.tlsCa);
  const properties = await tableProperties(settings, tlsRootCerts);
  const source = await openSource(settings, properties.schema!, totalBytes);
  // A run resuming with --skip adds to the reject file; a run from the start empties it.
  const rejects = new Rejects(settings.maxBadRecords, settings.rejectFile, settings.skip > 0);

  const progress = settings.quiet
    ? undefined
    : new Progress({ tty: process.stderr.isTTY === true, totalBytes: source.totalBytes });
  const logger = loggerAround(progress);
  let server: LocalServer | undefined;
  let stream: ZerobusStream | ArrowStream | undefined;
  const interrupt = new AbortController();
  const onSigint = () => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort();
  };
  try {
    let sdk: ZerobusSdk;
    let clientId = settings.credentials.clientId;
    let clientSecret = settings.credentials.clientSecret;
    if (settings.dryRun) {
      // The SDK's own checks, exactly as a real run makes them, on the way to a local server
      // that acknowledges and drops everything: nothing reaches the Zerobus endpoint.
      server = await startInProcessServer();
      sdk = new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint, { logger, proxy: false }); // the in-process dry-run server
      ({ clientId, clientSecret } = server);
    } else {
      sdk = new ZerobusSdk(settings.endpoint!, settings.credentials.unityCatalogEndpoint, {
        logger,
        ...(tlsRootCerts && { tlsRootCerts }),
      });
    }
    let run: () => Promise<PumpResult & { readonly batches?: number }>;
    const batchRows = settings.arrowBatchRows;
    if (batchRows !== undefined) {
      // Loaded only here: apache-arrow is large, and record mode does not need it.
      const [{ ArrowBatchBuilder }, { arrowPump }] = await Promise.all([
        import('../ingest/arrow-batch.js'),
        import('../ingest/arrow-pump.js'),
      ]);
      const arrowStream = await sdk.createArrowStream({
        table: properties,
        clientId,
        clientSecret,
        options: { maxInflightBatches: Math.max(2, Math.ceil(ARROW_INFLIGHT_ROWS / batchRows)) },
      });
      stream = arrowStream;
      const builder = new ArrowBatchBuilder(properties.schema!, arrowStream.schema);
      run = () =>
        arrowPump(source, arrowStream, builder, {
          skip: settings.skip,
          batchRows,
          progress,
          signal: interrupt.signal,
          rejects,
        });
    } else {
      const recordStream = await sdk.createStream(clientId, clientSecret, properties, {
        recordType: settings.recordType,
      });
      stream = recordStream;
      run = () => pump(source, recordStream, settings.skip, progress, interrupt.signal, rejects);
    }
    process.on('SIGINT', onSigint);
    const started = performance.now();
    progress?.start();
    const result = await run();
    const seconds = (performance.now() - started) / 1000;
    progress?.stop();
    await stream.close().catch(() => {});
    stream = undefined;
    report(settings, source, rejects, result, seconds);
  } finally {
    rejects.close();
    process.removeListener('SIGINT', onSigint);
    progress?.stop(false);
    if (stream) await stream.close().catch(() => {});
    await server?.close();
  }
}
