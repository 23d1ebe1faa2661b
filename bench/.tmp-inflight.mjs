// bench/inflight-memory.ts
import { parseArgs } from 'node:util';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';

// bench/records.ts
import protobuf from 'protobufjs';

var PROTO_POOL = 1024;
var RecordProto = protobuf
  .parse('syntax = "proto2"; message R { optional int64 id = 1; optional string p = 2; }')
  .root.lookupType('R');
var JSON_OVERHEAD = 14;
function digits(n) {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1e3) return 3;
  if (n < 1e4) return 4;
  if (n < 1e5) return 5;
  if (n < 1e6) return 6;
  return String(n).length;
}
function jsonRecords(size, count) {
  const maxDigits = digits(Math.max(0, count - 1));
  if (size - JSON_OVERHEAD - maxDigits < 0) {
    throw new Error(`a ${size} B JSON record cannot hold ids up to ${count - 1}`);
  }
  const pads = [''];
  for (let d = 1; d <= maxDigits; d++) pads.push('x'.repeat(size - JSON_OVERHEAD - d));
  for (const id of [0, count - 1]) {
    const length = Buffer.byteLength(JSON.stringify({ id, p: pads[digits(id)] }));
    if (length !== size) throw new Error(`JSON record ${id} is ${length} B, not ${size} B`);
  }
  return {
    kind: 'json',
    size,
    descriptor: void 0,
    record: (index) => ({ id: index, p: pads[digits(index)] }),
  };
}
function encodeExact(id, size) {
  let pad = Math.max(0, size - 6);
  for (let attempt = 0; attempt < 8; attempt++) {
    const bytes = RecordProto.encode(RecordProto.create({ id, p: 'x'.repeat(pad) })).finish();
    if (bytes.length === size) return bytes;
    pad += size - bytes.length;
    if (pad < 0) break;
  }
  throw new Error(`cannot encode message ${id} in exactly ${size} B`);
}
function protoRecords(size) {
  const pool = [];
  for (let id = 0; id < PROTO_POOL; id++) pool.push(encodeExact(id, size));
  return {
    kind: 'proto',
    size,
    descriptor: RecordProto,
    record: (index) => pool[index % PROTO_POOL],
  };
}

// bench/server-process.ts
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

var ROOT = fileURLToPath(new URL('..', import.meta.url));
var SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
var START_TIMEOUT_MS = 2e4;
async function startServerProcess(args = []) {
  const profile = process.env.BENCH_SERVER_CPU_PROF_DIR;
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', SERVER, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    // The server must resolve @zerobus/* to the built dist like the client: no source condition.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const stop = killWithUs(child);
  try {
    const hello = await readHello(child);
    return { ...hello, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
var children = /* @__PURE__ */ new Set();
var hooked = false;
function killChild(child) {
  children.delete(child);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  child.stdin?.destroy();
}
function killWithUs(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!hooked) {
    hooked = true;
    const killAll = () => {
      for (const c of [...children]) killChild(c);
    };
    process.once('exit', killAll);
    for (const signal of ['SIGINT', 'SIGTERM']) {
      process.once(signal, () => {
        killAll();
        process.exit(130);
      });
    }
  }
  return () => killChild(child);
}
function readHello(child) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error('bench server did not start in time')), START_TIMEOUT_MS);
    const fail = (why) => {
      clearTimeout(timer);
      reject(new Error(`bench server ${why}`));
    };
    child.once('error', (error) => fail(`failed to start: ${error.message}`));
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`bench server printed ${JSON.stringify(line)} instead of its endpoints`));
      }
    });
  });
}

// bench/inflight-memory.ts
var { values } = parseArgs({
  options: {
    records: { type: 'string', default: '50000' },
    size: { type: 'string', default: '750' },
    type: { type: 'string', default: 'json' },
    'settle-ms': { type: 'string', default: '2000' },
  },
});
var RECORDS = Number(values.records);
var SIZE = Number(values.size);
var TYPE = values.type === 'proto' ? 'proto' : 'json';
var server = await startServerProcess(['--hold-acks']);
var peakRss = 0;
var sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
};
var sampler = setInterval(sample, 20);
try {
  const sdk = new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint);
  const source = TYPE === 'json' ? jsonRecords(SIZE, RECORDS) : protoRecords(SIZE);
  const stream = await sdk.createStream(
    'emulator-client',
    'emulator-secret',
    new TableProperties('bench.memory.t', source.descriptor),
    {
      recordType: TYPE,
      maxInflightRecords: RECORDS,
      // Nothing is ever acknowledged; the watchdog must not recover the stream while we look.
      serverLackOfAckTimeoutMs: 6e5,
    },
  );
  const startRss = process.memoryUsage.rss();
  for (let i = 0; i < RECORDS; i++) {
    if (!stream.ingestRecordNowait(source.record(i))) break;
  }
  await new Promise((resolve) => setTimeout(resolve, Number(values['settle-ms'])));
  sample();
  if (process.env.MEMDBG) {
    console.error(process.memoryUsage());
    globalThis.gc?.();
    console.error(process.memoryUsage());
  }
  const inFlight = stream.pendingRequests;
  const mb = (bytes) => +(bytes / 1e6).toFixed(1);
  const payload = inFlight * SIZE;
  const bound = 2 * payload + 1e8;
  console.log(
    JSON.stringify({
      type: TYPE,
      sizeBytes: SIZE,
      inFlightRecords: inFlight,
      inFlightPayloadMb: mb(payload),
      startRssMb: mb(startRss),
      peakRssMb: mb(peakRss),
      boundMb: mb(bound),
      withinBound: peakRss <= bound,
    }),
  );
} finally {
  clearInterval(sampler);
  server.stop();
  process.exit(0);
}
