/**
 * The gate behind `npm run docs` (scripts/check-doc-examples.mjs): it must fail on a public
 * symbol without an example and on an example that does not compile, naming both, and pass on
 * good ones. Fed a small reference in typedoc's JSON shape rather than a typedoc run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const SCRIPT = new URL('../../scripts/check-doc-examples.mjs', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;
const KIND = { Project: 1, Module: 2, Function: 64, Class: 128, Method: 2048 };

const example = (code: string) => ({
  summary: [],
  blockTags: [{ tag: '@example', content: [{ kind: 'code', text: `\`\`\`ts\n${code}\n\`\`\`` }] }],
});
const fn = (name: string, code?: string) => ({
  name,
  kind: KIND.Function,
  signatures: [{ name, comment: code === undefined ? { summary: [] } : example(code) }],
});

function reference(children: object[]) {
  return { name: 'fixture', kind: KIND.Project, children: [{ name: '@zerobus/sdk', kind: KIND.Module, children }] };
}

async function check(children: object[]) {
  const dir = await mkdtemp(join(tmpdir(), 'doc-examples-'));
  try {
    const file = join(dir, 'reference.json');
    await writeFile(file, JSON.stringify(reference(children)));
    return spawnSync(process.execPath, [SCRIPT, file], { encoding: 'utf8' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('check-doc-examples', () => {
  it('passes when every symbol has an example that compiles, checking the READMEs and docs/*.md too', async () => {
    const result = await check([
      fn(
        'good',
        "import { ZerobusSdk } from '@zerobus/sdk';\nconst s = new ZerobusSdk(serverEndpoint, unityCatalogEndpoint);\nconsole.log(s);",
      ),
      fn('usesGlobals', 'await stream.flush();'),
    ]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^2 public symbols, each with an example; \d+ examples/);
    // The Markdown checked along: the READMEs and every page of docs/ (moved examples stay checked).
    const pages = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md'));
    assert.ok(pages.includes('options.md'), pages.join(', '));
    for (const markdown of ['README.md', ...pages.map((name) => `docs/${name}`)]) {
      assert.ok(result.stdout.includes(markdown), `${markdown} is not checked: ${result.stdout}`);
    }
  });

  it('fails naming a symbol or a class method without an example, and an example that does not compile', async () => {
    const result = await check([
      fn('undocumented'),
      fn('broken', 'await stream.noSuchMethod();'),
      fn('unimported', "new TableProperties('main.iot.readings');"),
      {
        name: 'Widget',
        kind: KIND.Class,
        comment: example('console.log(1);'),
        children: [{ name: 'spin', kind: KIND.Method, signatures: [{ name: 'spin', comment: { summary: [] } }] }],
      },
    ]);
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      /2 public symbols have no @example:\n {2}@zerobus\/sdk\.undocumented\n {2}@zerobus\/sdk\.Widget\.spin/,
    );
    assert.match(
      result.stderr,
      /@zerobus\/sdk\.broken, line 1: Property 'noSuchMethod' does not exist on type 'ZerobusStream(<unknown>)?'/,
    );
    assert.match(result.stderr, /@zerobus\/sdk\.unimported, line 1: Cannot find name 'TableProperties'/);
  });
});
