#!/usr/bin/env node
// The documentation's examples must exist and compile. Reads the JSON typedoc writes next to the
// HTML (typedoc.json's `json`), then:
//   1. every exported symbol, and every public method and accessor of an exported class, has an
//      `@example` (properties and constructors are shown by their owner's example);
//   2. every ```ts block of every `@example`, and of the READMEs, type-checks against the
//      packages' sources, strict, as an ES module with top-level await — with only the names in
//      doc-examples/globals.d.ts (sdk, stream, clientId, …) in scope, so anything else an example
//      uses it must import. A README block may declare what it assumes in an HTML comment just
//      above it, which readers do not see: <!-- example-prelude: declare const rows: object[]; -->
// A renamed option or a changed signature therefore fails `npm run docs` instead of leaving a
// page that no longer compiles. Usage: node scripts/check-doc-examples.mjs [reference.json]
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const referencePath = process.argv[2] ?? join(root, 'docs/api/reference.json');
const project = JSON.parse(readFileSync(referencePath, 'utf8'));

// typedoc's ReflectionKind values (typedoc/dist/lib/models/kind.js).
const Kind = { Module: 2, Namespace: 4, Class: 128, Method: 2048, Accessor: 262144 };
const TOP_LEVEL_EXEMPT = new Set([Kind.Module]);

/** The comments of a reflection: its own, each call signature's and the getter's. */
function commentsOf(reflection) {
  return [
    reflection.comment,
    ...(reflection.signatures ?? []).map((s) => s.comment),
    reflection.getSignature?.comment,
    reflection.setSignature?.comment,
  ].filter(Boolean);
}

/** The ```ts code blocks of every `@example` on the reflection. */
function examplesOf(reflection) {
  const blocks = [];
  for (const comment of commentsOf(reflection)) {
    for (const tag of comment.blockTags ?? []) {
      if (tag.tag !== '@example') continue;
      const text = tag.content.map((part) => part.text).join('');
      for (const match of text.matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)) blocks.push(match[1]);
    }
  }
  return blocks;
}

const required = []; // { name, blocks }
function visit(reflection, modulePath) {
  for (const child of reflection.children ?? []) {
    if (child.kind === Kind.Module) {
      visit(child, child.name);
      continue;
    }
    if (TOP_LEVEL_EXEMPT.has(child.kind)) continue;
    const name = `${modulePath}.${child.name}`;
    required.push({ name, blocks: examplesOf(child) });
    if (child.kind !== Kind.Class) continue;
    for (const member of child.children ?? []) {
      if (member.inheritedFrom || member.flags?.isPrivate || member.flags?.isProtected) continue;
      if (member.kind !== Kind.Method && member.kind !== Kind.Accessor) continue;
      required.push({ name: `${name}.${member.name}`, blocks: examplesOf(member) });
    }
  }
}
// With one package the project's children are the modules; with several, packages hold modules.
for (const pkg of project.children ?? []) visit(pkg, pkg.name);

const missing = required.filter((r) => r.blocks.length === 0).map((r) => r.name);

/** The ```ts blocks of a Markdown file, each with the prelude of the comment just above it. */
function markdownBlocks(file) {
  const text = readFileSync(file, 'utf8');
  const blocks = [];
  for (const match of text.matchAll(/(?:<!--\s*example-prelude:([\s\S]*?)-->\s*\n)?```ts\n([\s\S]*?)```/g)) {
    const line = text.slice(0, match.index).split('\n').length + (match[1] ? match[1].split('\n').length : 0);
    blocks.push({ line, prelude: (match[1] ?? '').trim(), code: match[2] });
  }
  return blocks;
}
const markdownFiles = [
  'README.md',
  ...readdirSync(join(root, 'packages')).map((pkg) => `packages/${pkg}/README.md`),
  'examples/README.md',
  'docs/architecture.md',
  'docs/workspace.md',
].filter((file) => existsSync(join(root, file)));

// Each example becomes one module under node_modules/.cache, where `@zerobus/*` resolve through
// the workspace links to the packages' src/ (the `source` export condition).
// One directory per run, so that two runs at once do not remove each other's files.
const workDir = join(root, `node_modules/.cache/doc-examples-${process.pid}`);
mkdirSync(workDir, { recursive: true });
const files = new Map(); // file path -> symbol name
// `export {}` makes every example a module: its own top-level names shadow the globals.
for (const { name, blocks } of required) {
  blocks.forEach((code, i) => {
    // Numbered: names that differ only in case (`UcTypeName`, `ucTypeName`) must not share a file.
    const file = join(workDir, `${files.size}-${name.replace(/[^\w.-]+/g, '_')}.${i + 1}.ts`);
    writeFileSync(file, `${code}\nexport {};\n`);
    files.set(file, { label: blocks.length > 1 ? `${name} (example ${i + 1})` : name, firstLine: 1 });
  });
}
for (const markdown of markdownFiles) {
  for (const { line, prelude, code } of markdownBlocks(join(root, markdown))) {
    const file = join(workDir, `${markdown.replace(/[^\w.-]+/g, '_')}.${line}.ts`);
    // The prelude goes on the code's first line, so that line numbers stay the Markdown file's.
    writeFileSync(file, `${prelude} ${code}\nexport {};\n`);
    files.set(file, { label: markdown, firstLine: line + 1 });
  }
}

const base = ts.getParsedCommandLineOfConfigFile(
  join(root, 'tsconfig.base.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  },
);
const options = { ...base.options, noEmit: true, declaration: false, sourceMap: false, noUnusedLocals: false };
const program = ts.createProgram([...files.keys(), join(root, 'scripts/doc-examples/globals.d.ts')], options);
const errors = [];
for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
  const file = diagnostic.file?.fileName;
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ');
  if (file && files.has(file)) {
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const source = diagnostic.file.text.split('\n')[line];
    const { label, firstLine } = files.get(file);
    errors.push(`${label}, line ${firstLine + line}: ${message}\n    ${source.trim()}`);
  } else {
    errors.push(`${file ? relative(root, file) : '(global)'}: ${message}`);
  }
}

rmSync(workDir, { recursive: true, force: true });
const exampleCount = files.size;
if (missing.length > 0) {
  console.error(`${missing.length} public symbols have no @example:\n  ${missing.join('\n  ')}`);
}
if (errors.length > 0) console.error(`${errors.length} type errors in examples:\n${errors.join('\n')}`);
if (missing.length > 0 || errors.length > 0) process.exit(1);
console.log(
  `${required.length} public symbols, each with an example; ${exampleCount} examples (API reference and ` +
    `${markdownFiles.join(', ')}) type-check.`,
);
