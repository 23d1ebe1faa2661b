/**
 * The console page's static files, shipped as they are in the package's `console/` folder (plain
 * HTML, JavaScript and CSS: nothing to build, nothing fetched from a CDN). Only the files listed
 * here are served, so no request path can reach anything else on disk.
 */

import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

const FILES: Readonly<Record<string, string>> = {
  '/index.html': 'text/html; charset=utf-8',
  '/console.js': 'text/javascript; charset=utf-8',
  '/console.css': 'text/css; charset=utf-8',
};

/** `console/` beside `dist/` (the built bundle) or two levels up from `src/console/` (sources). */
function pageDir(): string | undefined {
  for (const relative of ['../console/', '../../console/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

let dir: string | undefined;
const cache = new Map<string, Buffer>();

export function servePageFile(path: string, res: ServerResponse): void {
  const type = FILES[path];
  dir ??= pageDir();
  if (!type || !dir) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(dir ? 'not found' : 'the console page is missing from this installation of @zerobus/emulator');
    return;
  }
  let body = cache.get(path);
  if (!body) {
    body = readFileSync(`${dir}${path.slice(1)}`);
    cache.set(path, body);
  }
  res.writeHead(200, {
    'content-type': type,
    'content-length': body.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    // The page loads nothing from elsewhere, and only this server answers its requests.
    'content-security-policy': "default-src 'self'; style-src 'self'; img-src 'self' data:",
  });
  res.end(body);
}
