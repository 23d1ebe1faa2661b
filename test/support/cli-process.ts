/**
 * Runs the `zerobus` command as a process, from its TypeScript sources, without blocking this
 * process (which may be serving the command's requests with an in-process local server).
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';

export const CLI = new URL('../../packages/cli/src/main.ts', import.meta.url).pathname;
/** The command line that runs the CLI: node, its flags and the script. */
export const CLI_COMMAND = [process.execPath, '--conditions=@zerobus/source', '--import', 'tsx', CLI] as const;

/**
 * The flags that point a command at a local server as its admin principal: Unity Catalog and
 * credentials, and the Zerobus endpoint too unless `{ endpoint: false }` (commands that only
 * talk to Unity Catalog).
 */
export function serverFlags(
  server: { endpoint: string; unityCatalogEndpoint: string },
  { endpoint = true } = {},
): string[] {
  return [
    ...(endpoint ? ['--endpoint', server.endpoint] : []),
    '--uc-endpoint',
    server.unityCatalogEndpoint,
    '--client-id',
    'emulator-client',
    '--client-secret',
    'emulator-secret',
  ];
}

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function zerobus(
  args: readonly string[],
  options: { input?: string | Buffer; env?: Record<string, string> } = {},
): Promise<CliRun> {
  const { child, done } = startZerobus(args, options.env);
  child.stdin.end(options.input);
  return done;
}

/** Starts `zerobus …` with its standard input open, for the test to write to (and end). */
export function startZerobus(
  args: readonly string[],
  env: Record<string, string> = {},
): { child: ChildProcessWithoutNullStreams; done: Promise<CliRun> } {
  const [node, ...flags] = CLI_COMMAND;
  const child = spawn(node, [...flags, ...args], { env: { ...process.env, ...env } });
  child.stdin.on('error', () => {}); // the command may exit before reading all of its input
  const done = new Promise<CliRun>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
  return { child, done };
}

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Whether util-linux `script` (a pseudo-terminal for a command) is installed. */
export function hasScript(): Promise<boolean> {
  return new Promise((resolve) => execFile('script', ['--version'], (error) => resolve(!error)));
}

/**
 * Runs `zerobus …` under a pseudo-terminal (`script -qfec`), as if in a terminal: stdout and
 * stderr come back together, as the terminal would show them.
 */
export function zerobusInTerminal(args: readonly string[]): Promise<{ status: number; output: string }> {
  const command = [...CLI_COMMAND, ...args].map(shellQuote).join(' ');
  return new Promise((resolve) => {
    execFile('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8' }, (error, stdout) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, output: stdout }),
    );
  });
}

/**
 * `stderr` without the periodic progress lines (`zerobus: 1,234 records  56 kB  0.10 MB/s…`, every
 * 2 s off a terminal): how many a run prints depends on how loaded the machine is, not on the CLI.
 */
export function withoutProgress(stderr: string): string {
  return stderr.replace(/^zerobus: [\d,]+ records {2}.*\n/gm, '');
}
