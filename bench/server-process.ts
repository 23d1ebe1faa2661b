/**
 * Starts bench/server.ts in a child process, and makes sure the bench's child processes go away
 * with it: killed on normal exit, on errors and on SIGINT/SIGTERM; and since their stdin is a
 * pipe from us, they also exit by themselves if this process is killed outright.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ServerHello } from './server.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const START_TIMEOUT_MS = 20_000;

export interface BenchServer extends ServerHello {
  stop(): void;
}

export async function startServerProcess(args: readonly string[] = []): Promise<BenchServer> {
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

const children = new Set<ChildProcess>();
let hooked = false;

function killChild(child: ChildProcess): void {
  children.delete(child);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  child.stdin?.destroy();
}

/** Kills `child` when this process exits or is signalled; returns a function that kills it now. */
export function killWithUs(child: ChildProcess): () => void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!hooked) {
    hooked = true;
    const killAll = () => {
      for (const c of [...children]) killChild(c);
    };
    process.once('exit', killAll);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        killAll();
        process.exit(130);
      });
    }
  }
  return () => killChild(child);
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
