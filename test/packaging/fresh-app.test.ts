/**
 * A newcomer's first hour: the README's install block and quick starts, run as written against
 * the packed tarballs in a fresh `npm init -y` app outside the repository (so nothing resolves
 * through the workspace's node_modules or its `@zerobus/source` condition). The blocks are read
 * from README.md by their `<!-- quickstart: NAME … -->` markers: changing one changes what runs
 * here. Needs the build (`npm run build`; CI builds before `npm test`) and the npm cache or
 * registry for the packages' dependencies.
 */
import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BUILT = ['sdk/dist/index.js', 'sdk/dist/index.cjs', 'emulator/dist/index.js', 'cli/dist/main.js'];
/** The repository's own tools: the fresh app installs only what the README tells it to. */
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const TSC = join(ROOT, 'node_modules/.bin/tsc');

/** The fenced block right after `<!-- quickstart: NAME … -->` in README.md. */
function readmeBlock(name: string): string {
  const match = README.match(new RegExp(`<!-- quickstart: ${name}\\b[^>]*-->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``));
  assert.ok(match?.[1], `README.md has no block marked <!-- quickstart: ${name} --> (the test runs it)`);
  return match[1];
}

/** Replaces `from` with `to` in `text`, failing when the README no longer says `from`. */
function substitute(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `the README's install block no longer contains ${JSON.stringify(from)}`);
  return text.replaceAll(from, to);
}

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Dependencies from the npm cache when it has them; no network round trips that say nothing.
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    // npx runs the app's own command or fails: it never fetches another `zerobus` from the registry.
    npm_config_yes: 'false',
  };
  delete env.NODE_OPTIONS;
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
}

function assertSucceeded(result: SpawnSyncReturns<string>, what: string): void {
  assert.equal(
    result.status,
    0,
    `${what} failed (${result.error ?? `exit ${result.status}`}):\n${result.stdout}\n${result.stderr}`,
  );
}

describe('the README in a fresh app, from the packed tarballs', { timeout: 180_000 }, () => {
  let scratch: string;
  let app: string;

  before(() => {
    const missing = BUILT.filter((file) => !existsSync(join(ROOT, 'packages', file)));
    assert.deepEqual(
      missing,
      [],
      `packages are not built (missing ${missing.join(', ')}): run \`npm run build\` first`,
    );
    scratch = mkdtempSync(join(tmpdir(), 'zerobus-fresh-app-'));
    app = join(scratch, 'my-app');
    // The install block as written, but for the build CI already did and the directories: the
    // tarballs and the app go to this test's own temporary directory.
    let install = substitute(readmeBlock('install'), 'npm ci && npm run build && ', '');
    install = substitute(install, '/tmp/zerobus', join(scratch, 'tarballs'));
    install = substitute(install, '../my-app', app);
    assertSucceeded(run('sh', ['-e', '-c', install], ROOT), 'the README install block');
    assert.equal(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).type ?? 'commonjs', 'commonjs');
  });

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('runs the local quick start (quickstart.mts with tsx)', () => {
    writeFileSync(join(app, 'quickstart.mts'), readmeBlock('local-esm'));
    const result = run(TSX, ['quickstart.mts'], app);
    assertSucceeded(result, 'the ESM quick start');
    assert.match(result.stdout, /sensor-1/, 'it prints the record the local server stored');
  });

  it('runs the CommonJS quick start (require)', () => {
    writeFileSync(join(app, 'quickstart.cjs'), readmeBlock('local-cjs'));
    const result = run(process.execPath, ['quickstart.cjs'], app);
    assertSucceeded(result, 'the CommonJS quick start');
    assert.match(result.stdout, /record 0 committed/);
  });

  it('type-checks the quick start against the published declarations (strict, nodenext)', () => {
    writeFileSync(join(app, 'typecheck.mts'), readmeBlock('local-esm'));
    const result = run(
      TSC,
      ['--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', 'typecheck.mts'],
      app,
    );
    assertSucceeded(result, 'tsc over the quick start');
  });

  it('has a zerobus command (npx zerobus --help)', () => {
    const result = run('npx', ['zerobus', '--help'], app);
    assertSucceeded(result, 'npx zerobus --help');
    assert.match(result.stdout, /emulator/);
  });
});
