/** Runs one cell in its own client process (bench/cell-process.ts) and returns its result. */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CellJob, CellResult } from './cell.js';
import { killWithUs, ROOT } from './server-process.js';

const CELL = fileURLToPath(new URL('./cell-process.ts', import.meta.url));
const PREFIX = 'CELL ';

export function runCellProcess(job: CellJob): Promise<CellResult> {
  const { cpuProfDir, nodeFlags } = job.config;
  const flags = ['--expose-gc', '--import', 'tsx', ...nodeFlags];
  if (cpuProfDir) {
    mkdirSync(cpuProfDir, { recursive: true });
    flags.push('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`);
  }
  const child = spawn(process.execPath, [...flags, CELL, JSON.stringify(job)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
    // @zerobus/sdk must resolve to the built dist: no `--conditions=@zerobus/source` slipping in.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  killWithUs(child);
  let result: CellResult | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith(PREFIX)) result = JSON.parse(line.slice(PREFIX.length)) as CellResult;
    else process.stderr.write(`${line}\n`);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0 && result) resolve(result);
      else
        reject(
          new Error(`cell ${job.spec.type} ${job.spec.size} ${job.spec.mode} failed (code ${code}, signal ${signal})`),
        );
    });
  });
}
