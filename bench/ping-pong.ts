/**
 * The latency floor for sequential ingestion on this machine: round trips of a 30-byte message
 * between two Node processes on loopback, over raw TCP and over one HTTP/2 stream (what gRPC
 * runs on). The echo server is a child process, as the bench's server is.
 *
 *   npx tsx bench/ping-pong.ts [--rounds 20000]
 */
import { spawn } from 'node:child_process';
import { connect as connectHttp2 } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20000' } } });
const ROUNDS = Number(values.rounds);
const MESSAGE = Buffer.alloc(30, 1);

// Echo servers for both transports, in a plain node child (no tsx), printing their ports.
const SERVER = `
const net = require('node:net'), http2 = require('node:http2');
const tcp = net.createServer({ noDelay: true }, (c) => c.on('data', (d) => c.write(d)));
const h2 = http2.createServer();
h2.on('stream', (s) => { s.respond({ ':status': 200 }); s.on('data', (d) => s.write(d)); });
tcp.listen(0, '127.0.0.1', () => h2.listen(0, '127.0.0.1', () =>
  console.log(JSON.stringify({ tcp: tcp.address().port, h2: h2.address().port }))));
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

async function measure(name: string, send: () => void, onReply: (listener: () => void) => void): Promise<void> {
  let resolve: () => void = () => {};
  onReply(() => resolve());
  const roundTrip = () =>
    new Promise<void>((r) => {
      resolve = r;
      send();
    });
  for (let i = 0; i < 1000; i++) await roundTrip();
  const start = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) await roundTrip();
  const micros = Number(process.hrtime.bigint() - start) / 1000 / ROUNDS;
  console.log(`${name.padEnd(10)} ${micros.toFixed(1).padStart(6)} µs per round trip, ${Math.round(1e6 / micros)} /s`);
}

const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
try {
  const line = await new Promise<string>((r) => createInterface({ input: child.stdout! }).once('line', r));
  const ports = JSON.parse(line) as { tcp: number; h2: number };

  const socket = connectTcp({ port: ports.tcp, host: '127.0.0.1', noDelay: true });
  await new Promise((r) => socket.once('connect', r));
  await measure(
    'raw TCP',
    () => socket.write(MESSAGE),
    (listener) => socket.on('data', listener),
  );
  socket.destroy();

  const session = connectHttp2(`http://127.0.0.1:${ports.h2}`);
  const stream = session.request({ ':method': 'POST', ':path': '/echo' });
  await measure(
    'HTTP/2',
    () => stream.write(MESSAGE),
    (listener) => stream.on('data', listener),
  );
  session.destroy();
} finally {
  child.stdin!.end();
}
