/** The CLI's version, from its package.json (next to src/ and dist/ alike), for `zerobus --version`. */
import { readFileSync } from 'node:fs';

export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}
