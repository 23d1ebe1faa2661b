/**
 * Memory with a full window: 50,000 records of 750 B in flight (sent, never acknowledged: the
 * server, in its own process, holds its acks). Prints peak RSS next to the bound issue 6 sets:
 * twice the payload in flight plus 100 MB.
 *
 * The measured client runs in plain `node`, as applications run the SDK: bench/inflight-client.ts
 * is bundled with esbuild first (workspace packages and dependencies stay external, so the SDK is
 * its built dist). Under tsx the same client starts ~40 MB higher: tsx's loader thread.
 *
 *   npm run bench:inflight [-- --records 50000 --size 750 --type json|proto]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startServerProcess } from './server-process.js';

const client = fileURLToPath(new URL('./.build/inflight-client.mjs', import.meta.url));
await build({
  entryPoints: [fileURLToPath(new URL('./inflight-client.ts', import.meta.url))],
  outfile: client,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
const server = await startServerProcess(['--hold-acks']);
const endpoints = ['--endpoint', server.endpoint, '--uc-endpoint', server.unityCatalogEndpoint];
const run = spawnSync(process.execPath, [client, ...endpoints, ...process.argv.slice(2)], { stdio: 'inherit' });
server.stop();
process.exit(run.status ?? 1);
