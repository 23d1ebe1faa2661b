/**
 * An ack-only local server for `zerobus bench` and `zerobus ingest --dry-run`: records are
 * acknowledged and dropped (`storeRecords: false`; tables that are not in its catalog are
 * auto-created schemaless tables), with OAuth on and the default principal, on ephemeral loopback
 * ports. In this process, or as a child process (`zerobus emulator --json --no-store-records
 * --auto-create-tables`) so that it does not share this process's CPU.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface LocalServer {
  readonly endpoint: string;
  readonly unityCatalogEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Where it runs: `in-process` or `child process <pid>`. */
  readonly where: string;
  close(): Promise<void>;
}

const PRINCIPAL = { clientId: 'emulator-client', clientSecret: 'emulator-secret' };

export async function startInProcessServer(): Promise<LocalServer> {
  const { startEmulator } = await import('@zerobus/emulator');
  const emulator = await startEmulator({
    storeRecords: false,
    autoCreateTables: true,
    shutdownGraceMs: 0,
    principals: [PRINCIPAL],
  });
  return {
    endpoint: emulator.endpoint,
    unityCatalogEndpoint: emulator.unityCatalogEndpoint,
    ...PRINCIPAL,
    where: 'in-process',
    close: () => emulator.close(),
  };
}

/** The same server in a child process: this command again (`process.argv[1]`), with the same Node flags. */
export async function startChildServer(): Promise<LocalServer> {
  const script = process.argv[1];
  if (script === undefined) throw new Error('cannot tell which script to run the local server with');
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      script,
      'emulator',
      '--json',
      '--no-store-records',
      '--auto-create-tables',
      '--principal',
      `${PRINCIPAL.clientId}:${PRINCIPAL.clientSecret}`,
    ],
    // The table it auto-creates is the one the user named: no need for its info line.
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ZEROBUS_LOG: process.env.ZEROBUS_LOG ?? 'warn' } },
  );
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', kill);
  try {
    const hello = await firstLine(child);
    const info = JSON.parse(hello) as { endpoint: string; unityCatalogEndpoint: string };
    return {
      endpoint: info.endpoint,
      unityCatalogEndpoint: info.unityCatalogEndpoint,
      ...PRINCIPAL,
      where: `child process ${child.pid}`,
      async close() {
        process.removeListener('exit', kill);
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        kill();
        await exited;
      },
    };
  } catch (error) {
    kill();
    throw error;
  }
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const exited = (code: number | null) =>
      reject(new Error(`the local server exited (code ${code}) before it was ready`));
    child.once('exit', exited);
    child.once('error', reject);
    lines.once('line', (line: string) => {
      child.removeListener('exit', exited);
      lines.close();
      resolve(line);
    });
  });
}
