/**
 * The local server as a separate process (`zerobus emulator --json`), for tests that kill it
 * with SIGKILL and restart it on the same data directory and port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface EmulatorProcess {
  readonly endpoint: string;
  readonly unityCatalogEndpoint: string;
  readonly port: number;
  readonly httpPort: number;
  readonly child: ChildProcess;
  /** The server's first line (`--json`): endpoints, data directory, pid, unavailable tables. */
  readonly hello: Readonly<Record<string, unknown>>;
  /** What the server wrote to stderr so far (it is passed on to this process's stderr too). */
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const CLI = new URL('../../packages/cli/src/main.ts', import.meta.url).pathname;

export async function startEmulatorProcess(args: string[]): Promise<EmulatorProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=@zerobus/source', '--import', 'tsx', CLI, 'emulator', '--json', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    process.stderr.write(text);
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => String(line)),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the emulator process exited with ${code} before it was ready`);
    }),
  ]);
  const info = JSON.parse(first) as { endpoint: string; unityCatalogEndpoint: string };
  return {
    ...info,
    hello: info,
    stderr: () => stderr,
    port: Number(new URL(info.endpoint).port),
    httpPort: Number(new URL(info.unityCatalogEndpoint).port),
    child,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
