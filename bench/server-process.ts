/**
 * Starts bench/server.ts in a child process and guarantees it goes away with the bench: killed
 * on normal exit, on errors and on SIGINT/SIGTERM; and since its stdin is a pipe from us, it
 * also exits by itself if this process is killed outright.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ServerHello } from './server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const START_TIMEOUT_MS = 20_000;

export interface BenchServer extends ServerHello {
  /** CPU seconds (user + system) the server process used so far; undefined off Linux. */
  cpuSeconds(): number | undefined;
  stop(): void;
}

export async function startServerProcess(): Promise<BenchServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    // The server must resolve @zerobus/* to the built dist like the client: no source condition.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const stop = () => killChild(child);
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stop();
      process.exit(130);
    });
  }
  try {
    const hello = await readHello(child);
    return { ...hello, cpuSeconds: () => procCpuSeconds(hello.pid), stop };
  } catch (error) {
    stop();
    throw error;
  }
}

function killChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  child.stdin?.destroy();
}

function readHello(child: ChildProcess): Promise<ServerHello> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error('bench server did not start in time')), START_TIMEOUT_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`bench server ${why}`));
    };
    child.once('error', (error) => fail(`failed to start: ${error.message}`));
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      try {
        resolve(JSON.parse(line) as ServerHello);
      } catch {
        reject(new Error(`bench server printed ${JSON.stringify(line)} instead of its endpoints`));
      }
    });
  });
}

/** utime + stime of a process from /proc (clock ticks: 100 per second on Linux). */
function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
