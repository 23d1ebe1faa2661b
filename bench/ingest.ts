/**
 * Ingestion benchmark of @zerobus/sdk: record type × payload size × ingest mode against an
 * ack-only emulator in a separate process (bench/server.ts). See bench/README.md.
 *
 *   npm run bench                       (builds, then runs the full matrix)
 *   npm run bench -- --quick            (smoke test)
 *   npm run bench -- --help
 */
import { cpus, loadavg } from 'node:os';
import { type BenchConfig, parseConfig, USAGE } from './args.js';
import type { CellResult, CellSpec, Client } from './cell.js';
import { runCellProcess } from './cell-runner.js';
import { findNativeModule, nativeMissingMessage } from './native-sdk.js';
import { benchLine, ratioTable, sizeLabel, table } from './report.js';
import { type BenchServer, startServerProcess } from './server-process.js';

/** The machine is shared: every result says how busy it was. */
function loadText(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

async function runClientCell(
  client: Client,
  spec: CellSpec,
  config: BenchConfig,
  server: BenchServer,
  label: string,
): Promise<CellResult> {
  const { endpoint, unityCatalogEndpoint, pid } = server;
  const started = performance.now();
  process.stderr.write(
    `${label} ${spec.type} ${sizeLabel(spec.size)} ${spec.mode}${client === 'native' ? ' (native)' : ''} ... `,
  );
  const cell = await runCellProcess({ client, spec, config, server: { endpoint, unityCatalogEndpoint, pid } });
  const took = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(`${cell.mbPerSec.toFixed(2)} MB/s, ${Math.round(cell.recordsPerSec)} records/s (${took} s)\n`);
  console.log(benchLine(cell));
  return cell;
}

async function runMatrix(config: BenchConfig, server: BenchServer): Promise<CellResult[]> {
  const cells: CellResult[] = [];
  const total = config.types.length * config.sizes.length * config.modes.length;
  let index = 0;
  for (const type of config.types) {
    for (const size of config.sizes) {
      for (const mode of config.modes) {
        const spec = { type, size, mode };
        const label = `[${++index}/${total}]`;
        if (!config.vsNative) {
          cells.push(await runClientCell('zerobus', spec, config, server, label));
          continue;
        }
        // Both clients against the same server, one after the other; which goes first alternates,
        // so neither always gets the server (and the machine) fresher.
        const order: Client[] = index % 2 === 1 ? ['zerobus', 'native'] : ['native', 'zerobus'];
        const pair: CellResult[] = [];
        for (const client of order) pair.push(await runClientCell(client, spec, config, server, label));
        const ours = pair.find((c) => c.client === 'zerobus')!;
        const native = pair.find((c) => c.client === 'native')!;
        process.stderr.write(`${label} ours / native: ${(ours.mbPerSec / native.mbPerSec).toFixed(2)}×\n`);
        cells.push(ours, native);
      }
    }
  }
  return cells;
}

async function main(): Promise<void> {
  const config = parseConfig(process.argv.slice(2));
  if (!config) {
    console.log(USAGE);
    return;
  }
  if (config.vsNative && !findNativeModule()) {
    console.error(nativeMissingMessage());
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const server = await startServerProcess();
  try {
    console.log(
      `# @zerobus/sdk ingest bench: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); ` +
        `${config.records.toLocaleString('en-US')} records per run (sequential: ${config.sequentialRecords.toLocaleString('en-US')}), ` +
        `${config.runs} run(s) per cell after a warm-up, median reported; one client process per cell; ` +
        `load average ${loadText()}`,
    );
    const cells = await runMatrix(config, server);
    const minutes = (performance.now() - started) / 60_000;
    console.log(`\n${table(cells)}\n`);
    if (config.vsNative) console.log(`ours / official native SDK, same server, same run:\n\n${ratioTable(cells)}\n`);
    if (config.modes.includes('sequential')) {
      console.log(
        `sequential cells ingest ${config.sequentialRecords.toLocaleString('en-US')} records per run ` +
          `(other modes ${config.records.toLocaleString('en-US')}); their rates are measured on those records, not extrapolated.`,
      );
    }
    console.log(
      `MB = 10^6 payload bytes. Total time ${minutes.toFixed(1)} min. Load average at the end ${loadText()}.`,
    );
  } finally {
    server.stop();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
