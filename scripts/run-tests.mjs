#!/usr/bin/env node
// Runs every `*.test.ts` under test/ (cross-package tests) and packages/*/test (or the files/folders given) with Node's own test
// runner, straight from TypeScript sources: tsx compiles, and the `@zerobus/source` export condition makes
// workspace packages resolve to each other's src/ instead of their build output.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) {
      if (entry === 'node_modules' || entry === 'dist') continue;
      collect(join(path, entry), out);
    }
  } else if (path.endsWith('.test.ts')) {
    out.push(relative(process.cwd(), path));
  }
}

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const targets = args.filter((a) => !a.startsWith('--'));
const files = [];
if (targets.length === 0) {
  collect(join(root, 'test'), files);
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    const dir = join(root, 'packages', pkg, 'test');
    try {
      collect(dir, files);
    } catch {
      // a package without tests
    }
  }
} else {
  for (const target of targets) collect(target, files);
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    '--conditions=@zerobus/source',
    '--import',
    'tsx',
    '--import',
    new URL('./test-setup.mjs', import.meta.url).href,
    '--test',
    '--test-reporter=spec',
    ...flags,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, ZEROBUS_LOG: process.env.ZEROBUS_LOG ?? 'silent' } },
);
process.exit(result.status ?? 1);
