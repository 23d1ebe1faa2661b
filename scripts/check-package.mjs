#!/usr/bin/env node
// After `npm run build`: the SDK package loads as ESM and as CommonJS from its dist/, both
// expose the same names, and the declaration files exist. Run by .ci/run.
import { existsSync } from 'node:fs';
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
