/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function (name + url),
 * total (inclusive) time per function, and self time per area (our SDK, grpc-js, node http2,
 * GC, ...). Percentages are of the non-idle time.
 *
 * A profile written by `npm run bench -- --cpu-prof-dir DIR` has a `windows.<pid>.json` next to
 * it with the measured runs' time windows; only samples inside them count (startup, warm-up and
 * stream setup are left out) unless `--all` is given.
 *
 *   tsx bench/profile-summary.ts DIR/CPU.<...>.<pid>.0.001.cpuprofile [--top N] [--all]
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Time windows (µs, the profile's clock) to keep samples from. */
type Windows = readonly (readonly [number, number])[];

/** Which part of the stack a function belongs to, from its url. */
function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : 'native (C++ / builtins)';
  if (url.includes('/packages/sdk/')) return 'sdk (@zerobus/sdk dist)';
  if (url.includes('@grpc/grpc-js')) return 'grpc-js';
  if (url.startsWith('node:internal/http2')) return 'node http2';
  if (/^node:(net|internal\/stream_base_commons|internal\/streams)/.test(url)) return 'node streams / net';
  if (url.startsWith('node:')) return 'node (other)';
  if (url.includes('/bench/')) return 'bench harness';
  if (url.includes('/tsx/') || url.includes('esbuild')) return 'tsx loader';
  return 'other';
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const pkg = url.indexOf('/packages/');
  if (pkg >= 0) return url.slice(pkg + 1);
  return url.replace(/^file:\/\/.*\/bench\//, 'bench/');
}

function keyOf(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  return frame.url ? `${name}  ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : name;
}

function summarise(profile: CpuProfile, top: number, windows?: Windows): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  const inWindow = (t: number) => !windows || windows.some(([from, to]) => t >= from && t <= to);
  let at = profile.startTime;
  // DevTools' convention: a sample lasts until the next one.
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (!inWindow(at)) continue;
    const node = byId.get(profile.samples[i]!)!;
    if (node.callFrame.functionName === '(idle)') continue;
    busy += us;
    add(self, keyOf(node.callFrame), us);
    add(areas, areaOf(node.callFrame), us);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const key = keyOf(byId.get(id)!.callFrame);
      if (!seen.has(key)) add(total, key, us);
      seen.add(key);
    }
  }
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  const rows = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, us]) => `${ms(us)} ${pct(us)}  ${key}`);
  const scope = windows ? `the ${windows.length} measured run(s)` : 'the whole process';
  return [
    `non-idle time in ${scope}: ${(busy / 1e6).toFixed(2)} s`,
    '',
    'self time by area:',
    ...rows(areas, 20),
    '',
    `top ${top} functions by self time:`,
    ...rows(self, top),
    '',
    `top ${top} functions by total (inclusive) time:`,
    ...rows(total, top),
  ].join('\n');
}

/** The measured windows written by bench/cell-process.ts for the profile's process, if any. */
function windowsFor(file: string): Windows | undefined {
  const pid = /^CPU\.\d+\.\d+\.(\d+)\./.exec(basename(file))?.[1];
  const sidecar = pid && join(dirname(file), `windows.${pid}.json`);
  return sidecar && existsSync(sidecar) ? (JSON.parse(readFileSync(sidecar, 'utf8')) as Windows) : undefined;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string' }, all: { type: 'boolean' } },
});
if (positionals.length !== 1) {
  console.error('usage: tsx bench/profile-summary.ts PROFILE.cpuprofile [--top N] [--all]');
  process.exit(2);
}
const file = positionals[0]!;
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
console.log(summarise(profile, Number(values.top ?? 30), values.all ? undefined : windowsFor(file)));
