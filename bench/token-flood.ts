/**
 * Memory of the token endpoint under a flood of large refused requests: N token requests with
 * valid client credentials and a malformed `authorization_details` of B bytes, against the
 * local server in its own process (`zerobus emulator`). Prints the server's RSS (Linux:
 * /proc/<pid>/status) before, at the end of the flood and after an idle second, and how many
 * requests `tokenRequests` would hold.
 *
 *   npm run bench:token-flood [-- --requests 2000 --bytes 900000 --concurrency 8]
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { startEmulatorProcess } from '../test/support/emulator-process.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    bytes: { type: 'string', default: '900000' },
    concurrency: { type: 'string', default: '8' },
  },
});
const REQUESTS = Number(values.requests);
const BYTES = Number(values.bytes);
const CONCURRENCY = Number(values.concurrency);

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return line ? Math.round(Number(line[1]) / 1024) : Number.NaN;
}

const server = await startEmulatorProcess([]);
const pid = server.child.pid as number;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const body = `grant_type=client_credentials&authorization_details=%5B${'x'.repeat(Math.max(0, BYTES - 60))}`;
const authorization = `Basic ${Buffer.from('emulator-client:emulator-secret').toString('base64')}`;
const post = () =>
  new Promise<number>((resolve, reject) => {
    const headers = { authorization, 'content-type': 'application/x-www-form-urlencoded' };
    const req = request(`${server.unityCatalogEndpoint}/oidc/v1/token`, { method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });

try {
  await new Promise((r) => setTimeout(r, 500));
  const before = rssMb(pid);
  const statuses = new Map<number, number>();
  let sent = 0;
  let peak = before;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent < REQUESTS) {
        sent++;
        const status = await post();
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (sent % 100 === 0) peak = Math.max(peak, rssMb(pid));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const atEnd = rssMb(pid);
  await new Promise((r) => setTimeout(r, 1_000));
  const idle = rssMb(pid);
  const answers = [...statuses].map(([status, n]) => `${n} × ${status}`).join(', ');
  console.log(`${REQUESTS} requests of ${BYTES} B in ${seconds.toFixed(1)} s: ${answers}`);
  console.log(`server RSS: ${before} MB before, ${Math.max(peak, atEnd)} MB peak, ${idle} MB 1 s after`);
  console.log(`BENCH ${JSON.stringify({ requests: REQUESTS, bytes: BYTES, seconds, before, peak, atEnd, idle })}`);
} finally {
  agent.destroy();
  await server.kill();
}
