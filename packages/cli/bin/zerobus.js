#!/usr/bin/env node
// The `zerobus` command's entry. A committed file rather than dist/main.js itself: npm links a
// workspace's commands into node_modules/.bin at install time, and skips one whose file does
// not exist yet — in a fresh clone, dist/ appears only after `npm run build`.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('zerobus: the CLI is not built yet: run `npm run build` at the repository root first\n');
  process.exit(1);
}
await import(main.href);
