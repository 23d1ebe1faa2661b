/**
 * One record per round trip with the SDK, against the raw HTTP/2 ping-pong of the same run: the
 * issue's "round trip ≤ 1.25× raw HTTP/2" target. Each build named by `--builds` is a checkout
 * with its packages built (`npm run build`); each gets its own ack-only server (its own
 * bench/server.ts and emulator dist, in its own process), and in every round each build's client
 * runs in a fresh process (its own SDK dist), builds alternating, then a raw HTTP/2 echo of 30
 * bytes between two processes (bench/ping-pong.ts's). Medians over the rounds, and ratios.
 *
 * Modes, each a JSON record of SIZE bytes at a time, the next only once it is acknowledged:
 * - `ack`: `await (await stream.ingestRecord(r)).waitForAck()` (bench/modes.ts's `sequential`);
 * - `offset`: `await stream.waitForOffset(await stream.ingestRecordOffset(r))`.
 *
 *   npx tsx bench/round-trip.ts [--builds DIR,DIR] [--rounds 3] [--round-trips 10000] [--sizes 20,220]
 *
 * `--builds` defaults to this checkout; a `client@server` pair (`DIR@DIR`) runs one build's
 * client against another's server, to tell the two sides' shares apart. Every client also runs
 * `bare`: the build's own transport (`Channel`, from its sources) with no engine, one
 * pre-encoded `ingest_record` and its ack at a time, as bench/transports.ts does. The servers run
 * without auth (the SDK still fetches its token). CPU rows: µs of CPU per round trip, all threads,
 * kernel included; the raw line gives the same for the ping-pong. `RT_ONLY=ack|offset|bare`
 * runs one mode; `node --cpu-prof-dir=DIR` on a client (see --client below) writes the measured
 * windows next to its profile for bench/profile-summary.ts. Not a test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect as connectHttp2 } from 'node:http2';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median, procCpuSeconds } from './measure.js';
import type { ServerHello } from './server.js';
import { killWithUs, ROOT } from './server-process.js';

const MODES = ['ack', 'offset'] as const;
const WARM_UP = 2000;

/** One client run: µs per round trip for every mode × size. */
type ClientResult = Record<string, number>;

// --- the client, in a child process: `round-trip.ts --client BUILD_DIR SERVER_HELLO N SIZES` ---

/** `RT_ONLY=ack|offset|bare` runs one mode (e.g. to profile it). */
const only = process.env.RT_ONLY;

async function runClient(root: string, server: ServerHello, n: number, sizes: number[]): Promise<void> {
  const { endpoint, unityCatalogEndpoint } = server;
  const { TableProperties, ZerobusSdk } = (await import(
    pathToFileURL(resolve(root, 'packages/sdk/dist/index.js')).href
  )) as typeof import('@zerobus/sdk');
  const sdk = new ZerobusSdk(endpoint, unityCatalogEndpoint);
  const out: ClientResult = {};
  const windows: [number, number][] = [];

  async function measure(key: string, one: (i: number) => Promise<void>, warmUpOnly: boolean): Promise<void> {
    for (let i = 0; i < WARM_UP; i++) await one(i);
    if (warmUpOnly) return;
    const serverCpu = procCpuSeconds(server.pid) ?? Number.NaN;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await one(i);
    const end = process.hrtime.bigint();
    const used = process.cpuUsage(cpu);
    windows.push([Number(start / 1000n), Number(end / 1000n)]);
    out[key] = Number(end - start) / 1000 / n;
    out[`${key} client CPU`] = (used.user + used.system) / n;
    out[`${key} server CPU`] = (((procCpuSeconds(server.pid) ?? Number.NaN) - serverCpu) * 1e6) / n;
  }

  // Whatever ran first in a fresh process paid for the process's own warm-up (heap growth, the
  // JIT reaching code every mode shares): 220 B measured first came out ~20% slower than 20 B,
  // and the other way round. So every mode and size runs once unmeasured before any is measured.
  for (const warmUpOnly of [true, false]) await runModes(warmUpOnly);

  async function runModes(warmUpOnly: boolean): Promise<void> {
    for (const size of sizes) {
      const pad = 'x'.repeat(size - 16);
      // {"id":N,"p":"…"} of exactly `size` bytes for ids of 2 digits (the id cycles through 10..99)
      const record = (i: number) => ({ id: 10 + (i % 90), p: pad });
      for (const mode of MODES) {
        if (only && only !== mode) continue;
        const table = new TableProperties(`main.bench.rt_${mode}_${size}`);
        const stream = await sdk.createStream('emulator-client', 'emulator-secret', table, { recordType: 'json' });
        await measure(
          `${mode} ${size}`,
          mode === 'ack'
            ? async (i) => {
                const ack = await stream.ingestRecord(record(i));
                await ack.waitForAck();
              }
            : async (i) => {
                await stream.waitForOffset(await stream.ingestRecordOffset(record(i)));
              },
          warmUpOnly,
        );
        await stream.close();
      }
      if (!only || only === 'bare') {
        const bare = await bareCall(root, endpoint, size);
        await measure(`bare ${size}`, bare.one, warmUpOnly);
        bare.close();
      }
    }
  }
  // With `node --cpu-prof-dir=DIR`: the measured windows, for bench/profile-summary.ts.
  const profDir = process.execArgv.find((a) => a.startsWith('--cpu-prof-dir='))?.slice('--cpu-prof-dir='.length);
  if (profDir) {
    mkdirSync(profDir, { recursive: true });
    writeFileSync(resolve(profDir, `windows.${process.pid}.json`), JSON.stringify(windows));
  }
  process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
}

/**
 * The transport alone, for reference: the build's own `Channel` (transport/channel.ts, from its
 * sources) driven as transports.ts drives it, one pre-encoded `ingest_record` and its ack at a time.
 */
async function bareCall(
  root: string,
  endpoint: string,
  size: number,
): Promise<{ one: (i: number) => Promise<void>; close: () => void }> {
  type Channel = typeof import('../packages/sdk/src/transport/channel.js');
  type Codec = typeof import('../packages/sdk/src/transport/codec.js');
  const { Channel, parseEndpoint } = (await import(
    pathToFileURL(resolve(root, 'packages/sdk/src/transport/channel.ts')).href
  )) as Channel;
  const codec = (await import(pathToFileURL(resolve(root, 'packages/sdk/src/transport/codec.ts')).href)) as Codec;
  const table = `main.bench.rt_bare_${size}`;
  let acked = -1;
  let wake: (() => void) | undefined;
  const channel = new Channel(parseEndpoint(endpoint));
  const call = channel.openCall(
    { 'x-databricks-zerobus-table-name': table, authorization: 'Bearer bench' },
    {
      onResponse(response) {
        if (response.kind === 'ack') acked = response.ackUpToOffset;
        if (response.kind !== 'undecodable') wake?.();
      },
      onEnd() {},
    },
  );
  const next = () =>
    new Promise<void>((r) => {
      wake = r;
    });
  const created = next();
  call.write(codec.encodeRequest({ kind: 'createStream', tableName: table, recordType: codec.WireRecordType.JSON }));
  await created;
  const payload = Buffer.from(`{"id":10,"p":"${'x'.repeat(size - 16)}"}`);
  let offsetId = 0;
  const one = async () => {
    const offset = offsetId++;
    const records = [payload];
    call.write(
      codec.encodeRequest({ kind: 'ingestRecord', offsetId: offset, recordType: codec.WireRecordType.JSON, records }),
    );
    while (acked < offset) await next();
  };
  return { one, close: () => channel.close() };
}

// --- the driver ---------------------------------------------------------------------------------

const ECHO_SERVER = `
const h2 = require('node:http2').createServer();
h2.on('stream', (s) => { s.respond({ ':status': 200 }); s.on('data', (d) => s.write(d)); });
h2.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: h2.address().port })));
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

async function firstLine(child: ChildProcess, prefix = ''): Promise<string> {
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) if (line.startsWith(prefix)) return line.slice(prefix.length);
  throw new Error('the child process ended without its line');
}

async function startServer(root: string): Promise<{ hello: ServerHello; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'bench/server.ts'), '--no-auth'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const stop = killWithUs(child);
  return { hello: JSON.parse(await firstLine(child)) as ServerHello, stop };
}

/** µs per round trip of 30 bytes on one HTTP/2 stream to an echo server in another process. */
async function rawHttp2(n: number): Promise<{ us: number; clientCpuUs: number; serverCpuUs: number }> {
  const child = spawn(process.execPath, ['-e', ECHO_SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const stop = killWithUs(child);
  try {
    const { port } = JSON.parse(await firstLine(child)) as { port: number };
    const session = connectHttp2(`http://127.0.0.1:${port}`);
    const stream = session.request({ ':method': 'POST', ':path': '/echo' });
    const message = Buffer.alloc(30, 1);
    let wake: () => void = () => {};
    stream.on('data', () => wake());
    const once = () =>
      new Promise<void>((r) => {
        wake = r;
        stream.write(message);
      });
    for (let i = 0; i < WARM_UP; i++) await once();
    const serverCpu = procCpuSeconds(child.pid!) ?? Number.NaN;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await once();
    const us = Number(process.hrtime.bigint() - start) / 1000 / n;
    const used = process.cpuUsage(cpu);
    const serverUs = (((procCpuSeconds(child.pid!) ?? Number.NaN) - serverCpu) * 1e6) / n;
    session.destroy();
    return { us, clientCpuUs: (used.user + used.system) / n, serverCpuUs: serverUs };
  } finally {
    stop();
  }
}

async function runBuild(clientRoot: string, server: ServerHello, n: number, sizes: string): Promise<ClientResult> {
  const self = fileURLToPath(import.meta.url);
  const args = ['--import', 'tsx', self, '--client', clientRoot, JSON.stringify(server)];
  const child = spawn(process.execPath, [...args, String(n), sizes], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const stop = killWithUs(child);
  try {
    return JSON.parse(await firstLine(child, 'RESULT ')) as ClientResult;
  } finally {
    stop();
  }
}

const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      builds: { type: 'string', default: ROOT },
      rounds: { type: 'string', default: '3' },
      'round-trips': { type: 'string', default: '10000' },
      sizes: { type: 'string', default: '20,220' },
    },
  });
  const n = Number(values['round-trips']);
  const builds = values.builds.split(',').map((spec) => {
    const [client, server = client] = spec.split('@').map((dir) => resolve(dir!));
    return { name: spec, client: client!, server: server! };
  });
  const servers = new Map<string, { hello: ServerHello; stop: () => void }>();
  for (const { server } of builds) if (!servers.has(server)) servers.set(server, await startServer(server));
  const results = new Map<string, ClientResult[]>(builds.map((b) => [b.name, []]));
  const raw: { us: number; clientCpuUs: number; serverCpuUs: number }[] = [];
  console.log(`load average at the start: ${loadAverage()}`);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const build of builds) {
      const result = await runBuild(build.client, servers.get(build.server)!.hello, n, values.sizes);
      results.get(build.name)!.push(result);
      const shown = JSON.stringify(result, (_, v) => (typeof v === 'number' ? +v.toFixed(1) : v));
      console.log(`round ${round + 1} ${build.name}: ${shown}`);
    }
    const r = await rawHttp2(n);
    raw.push(r);
    const cpu = `CPU µs client ${r.clientCpuUs.toFixed(1)}, server ${r.serverCpuUs.toFixed(1)}`;
    console.log(`round ${round + 1} raw HTTP/2: ${r.us.toFixed(1)} µs, ${cpu}`);
  }
  for (const server of servers.values()) server.stop();
  console.log(`\nload average at the end: ${loadAverage()}`);
  const rawUs = raw.map((r) => r.us);
  console.log(`raw HTTP/2 ping-pong: ${median(rawUs).toFixed(1)} µs (${rawUs.map((r) => r.toFixed(1)).join(' / ')})`);
  const rawClient = median(raw.map((r) => r.clientCpuUs)).toFixed(1);
  console.log(
    `raw HTTP/2 CPU per round trip: client ${rawClient} µs, server ${median(raw.map((r) => r.serverCpuUs)).toFixed(1)} µs\n`,
  );
  // Each round's round trip over that round's raw ping-pong, then the median of those ratios.
  const cell = (name: string, key: string) => {
    const runs = results.get(name)!.map((r) => r[key]!);
    if (key.endsWith('CPU')) return median(runs).toFixed(1);
    return `${median(runs).toFixed(1)} (${median(runs.map((us, i) => us / rawUs[i]!)).toFixed(2)}×)`;
  };
  const versus = builds.length > 1 ? ' first ÷ each |' : '';
  console.log(`| µs per round trip (× raw HTTP/2) | ${builds.map((b) => b.name).join(' | ')} |${versus}`);
  for (const key of Object.keys(results.get(builds[0]!.name)![0]!)) {
    const medians = builds.map((b) => median(results.get(b.name)!.map((r) => r[key]!)));
    const ratios = medians.slice(1).map((m) => `${(medians[0]! / m).toFixed(2)}×`);
    console.log(
      `| ${key} | ${builds.map((b) => cell(b.name, key)).join(' | ')} |${versus && ` ${ratios.join(' ')} |`}`,
    );
  }
}

if (process.argv[2] === '--client') {
  const [, , , sdkDir, server, n, sizes] = process.argv;
  await runClient(sdkDir!, JSON.parse(server!) as ServerHello, Number(n), sizes!.split(',').map(Number));
  process.exit(0);
} else {
  await main();
}
