#!/usr/bin/env node
// After the SDK's build: its type declarations import the optional peer `apache-arrow` (the
// Arrow stream's types). In an app without apache-arrow and without `skipLibCheck`, that import
// would fail the app's type-check (TS2307) though the app never uses Arrow. Each such import
// gets a `@ts-ignore`: without the package, its types are `any`; with it, nothing changes.
// Usage (from packages/sdk): node ../../scripts/optional-peer-types.mjs
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OPTIONAL_PEERS = ['apache-arrow'];
const MARK = '// @ts-ignore: optional peer; without it installed its types are `any`';
const dist = join(process.cwd(), 'dist');
let marked = 0;
for (const name of readdirSync(dist)) {
  if (!/\.d\.c?ts$/.test(name)) continue;
  const path = join(dist, name);
  const lines = readFileSync(path, 'utf8').split('\n');
  const out = [];
  for (const [i, line] of lines.entries()) {
    const peer = OPTIONAL_PEERS.some((p) => new RegExp(`^import .* from '${p}';$`).test(line));
    if (peer && lines[i - 1] !== MARK) {
      out.push(MARK);
      marked++;
    }
    out.push(line);
  }
  writeFileSync(path, out.join('\n'));
}
if (process.env.npm_config_loglevel !== 'silent') {
  console.log(`optional peer imports marked in the SDK's declarations: ${marked}`);
}
