/**
 * One cell in a fresh client process (spawned by bench/cell-runner.ts): so each cell's peak
 * RSS is its own, not what earlier cells left in the heap, and no cell runs on code that other
 * record types or modes made polymorphic. Prints one `CELL {json}` line on stdout.
 *
 *   node --expose-gc --import tsx bench/cell-process.ts '<CellJob JSON>'
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZerobusSdk } from '@zerobus/sdk';
import { type CellJob, type RunOnce, runCell } from './cell.js';
import { procCpuSeconds } from './measure.js';
import { runOnce } from './modes.js';
import { runOnceNative } from './native-modes.js';
import { findNativeModule, loadNativeModule, nativeMissingMessage } from './native-sdk.js';

/** How this process runs a mode: with this SDK, or with the official SDK's native core. */
function runner(job: CellJob): RunOnce {
  const { endpoint, unityCatalogEndpoint } = job.server;
  if (job.client === 'native') {
    const path = findNativeModule();
    if (!path) throw new Error(nativeMissingMessage());
    const native = loadNativeModule(path);
    const sdk = new native.ZerobusSdk(endpoint, unityCatalogEndpoint);
    return (mode, input) => runOnceNative(mode, { ...input, native, sdk });
  }
  const sdk = new ZerobusSdk(endpoint, unityCatalogEndpoint, { grpcChannelOptions: job.config.grpcOptions });
  return (mode, input) => runOnce(mode, { ...input, sdk });
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as CellJob;
  // The bench died: stop rather than run on against its server.
  process.stdin.on('close', () => process.exit(1));
  process.stdin.resume();
  const result = await runCell(job.client, runner(job), job.spec, job.config, () => procCpuSeconds(job.server.pid));
  const profDir = job.config.cpuProfDir;
  // Next to this process's CPU profile: the measured runs' time windows, for bench/profile-summary.ts.
  if (profDir) writeFileSync(join(profDir, `windows.${process.pid}.json`), JSON.stringify(result.runWindowsUs));
  process.stdout.write(`CELL ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
