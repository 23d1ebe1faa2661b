/**
 * The benchmark's server: an emulator in its own process, so that its CPU time and memory stay
 * out of the client's measurements. It runs ack-only (`storeRecords: false`), with auth on as
 * usual, prints its endpoints as one JSON line on stdout and exits when stdin closes (the bench
 * died or finished) or on SIGTERM. With `--durable`, Unity Catalog tables are real Delta tables
 * in a temporary data directory (removed at exit), for the end-to-end benchmark.
 *
 *   node --import tsx bench/server.ts [--durable] [--hold-acks] [--ingest-workers N] [--no-auth]
 */
import { startEmulator } from '@zerobus/emulator';

/** The one line this process prints once it listens. */
export interface ServerHello {
  readonly endpoint: string;
  readonly unityCatalogEndpoint: string;
  readonly pid: number;
}

// Ack-only for the client benchmark; with --durable, tables created through Unity Catalog are
// written to Delta (storeRecords only concerns the in-memory copy tests inspect).
// --stream-limit N: each stream limited to N records/s, as the real service limits streams.
const limitAt = process.argv.indexOf('--stream-limit');
const streamLimit = limitAt > 0 ? Number(process.argv[limitAt + 1]) : undefined;
// --ingest-workers N: threads encoding Delta data files (0: on the event loop, the default).
const workersAt = process.argv.indexOf('--ingest-workers');
const ingestWorkers = workersAt > 0 ? Number(process.argv[workersAt + 1]) : undefined;
// --no-auth: calls need no token (bench/transports.ts drives calls without the SDK's OAuth).
const emulator = await startEmulator({
  auth: !process.argv.includes('--no-auth'),
  storeRecords: false,
  // The client benchmarks write to any table name: schemaless tables, created on first use.
  autoCreateTables: true,
  shutdownGraceMs: 0,
  ...(streamLimit !== undefined && { maxStreamRecordsPerSecond: streamLimit }),
  ...(ingestWorkers !== undefined && { ingestWorkers }),
});
// --hold-acks: requests are read but never acknowledged, so everything sent stays in flight.
if (process.argv.includes('--hold-acks')) emulator.faults.stopAcking();
if (process.argv.includes('--durable')) process.stderr.write(`durable server: Delta tables in ${emulator.dataDir}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Never hang on a stuck connection: the process is going away either way.
  setTimeout(() => process.exit(0), 1000).unref();
  await emulator.close();
  process.exit(0);
}

process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();

const hello: ServerHello = {
  endpoint: emulator.endpoint,
  unityCatalogEndpoint: emulator.unityCatalogEndpoint,
  pid: process.pid,
};
process.stdout.write(`${JSON.stringify(hello)}\n`);
