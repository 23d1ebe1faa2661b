#!/usr/bin/env node
// After `npm run build`: the SDK package loads as ESM and as CommonJS from its dist/, both
// expose the same names, and the declaration files exist; then every package's tarball passes
// publint (package.json fields point at files it ships, in the right format) and, for the
// packages one imports, arethetypeswrong (their types resolve for TypeScript consumers). Run by
// .ci/run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const esm = await import('@zerobus/sdk');
const cjs = require('@zerobus/sdk');
const esmNames = Object.keys(esm).sort();
const cjsNames = Object.keys(cjs)
  .filter((name) => name !== 'default' && name !== '__esModule')
  .sort();
if (JSON.stringify(esmNames) !== JSON.stringify(cjsNames)) {
  console.error('ESM and CJS exports differ:', { esmNames, cjsNames });
  process.exit(1);
}
for (const name of ['ZerobusSdk', 'ZerobusStream', 'TableProperties', 'ZerobusError', 'NonRetriableError']) {
  if (typeof esm[name] !== 'function') {
    console.error(`@zerobus/sdk does not export ${name}`);
    process.exit(1);
  }
}
if (!(new cjs.ZerobusError('TIMEOUT', 'x') instanceof cjs.ZerobusError)) process.exit(1);
for (const file of ['index.d.ts', 'index.d.cts', 'wire.d.ts', 'index.cjs', 'index.js']) {
  if (!existsSync(new URL(`../packages/sdk/dist/${file}`, import.meta.url))) {
    console.error(`packages/sdk/dist/${file} is missing`);
    process.exit(1);
  }
}
await import('@zerobus/emulator');
console.log(`@zerobus/sdk dist OK: ${esmNames.length} exports, ESM and CJS`);

// publint --strict fails on warnings too. attw profiles: the SDK ships ESM and CommonJS for Node
// 20+ (node16: `moduleResolution: node10` cannot see subpath exports, and no Node 20 needs it);
// the emulator is ESM-only, required from CommonJS through require(esm) (its `engines`). The CLI
// is a command with nothing to import, so attw has no entry point to check there.
const packageChecks = [
  ['sdk', ['--profile', 'node16']],
  ['emulator', ['--profile', 'esm-only']],
  ['cli', null],
];
const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;
const failed = [];
for (const [pkg, attwArgs] of packageChecks) {
  const dir = new URL(`../packages/${pkg}`, import.meta.url).pathname;
  const runs = [[bin('publint'), [dir, '--strict']]];
  if (attwArgs) runs.push([bin('attw'), ['--pack', dir, ...attwArgs, '--format', 'ascii', '--no-color']]);
  for (const [command, args] of runs) {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) {
      failed.push(`${command.split('/').pop()} ${pkg}`);
      process.stderr.write(`${result.stdout}${result.stderr}\n`);
    }
  }
}

// publint skips conditions it does not know, such as @zerobus/source: every path package.json
// names (any export condition, main, module, types, bin) must be a file the tarball ships.
const packs = JSON.parse(
  spawnSync('npm', ['pack', '--dry-run', '--json', ...packageChecks.flatMap(([pkg]) => ['-w', `packages/${pkg}`])], {
    cwd: new URL('..', import.meta.url).pathname,
    encoding: 'utf8',
  }).stdout,
);
const pathsIn = (value) =>
  typeof value === 'string' ? [value] : Object.values(value ?? {}).flatMap((inner) => pathsIn(inner));
for (const pack of packs) {
  const shipped = new Set(pack.files.map((file) => file.path));
  const manifest = JSON.parse(
    readFileSync(new URL(`../packages/${pack.name.split('/')[1]}/package.json`, import.meta.url)),
  );
  const named = pathsIn([manifest.exports, manifest.main, manifest.module, manifest.types, manifest.bin]);
  for (const path of named.map((p) => p.replace(/^\.\//, ''))) {
    if (!shipped.has(path)) failed.push(`${pack.name} names ${path}, which its tarball does not ship`);
  }
}
if (failed.length > 0) {
  console.error(`package checks failed: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`publint and arethetypeswrong: ${packageChecks.map(([pkg]) => `@zerobus/${pkg}`).join(', ')} OK`);
