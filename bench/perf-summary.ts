/**
 * Groups a Linux `perf report` flat listing by area — kernel, V8 (builtins, GC, compiler,
 * runtime), libc (memmove, malloc), nghttp2 / node C++, and JS by package — so the native time a
 * V8 CPU profile calls "(program)" is accounted for too. Percentages are perf's: of all samples
 * in the report's scope (all threads of the process, kernel included).
 *
 *   perf report -i perf.data --pid PID --time FROM,TO --no-children -g none \
 *     --sort dso,sym --percent-limit 0 --stdio | tsx bench/perf-summary.ts [--top N]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const RULES: readonly (readonly [string, (sym: string, dso: string, kernel: boolean) => boolean])[] = [
  ['kernel (syscalls, TCP loopback, scheduling)', (_s, _d, kernel) => kernel],
  ['nghttp2 / node::http2 (C++)', (s) => /nghttp2|http2::/.test(s)],
  ['JS @grpc/grpc-js', (s) => s.startsWith('JS:') && s.includes('grpc-js')],
  ['JS @zerobus/sdk', (s) => (s.startsWith('JS:') && s.includes('packages/sdk')) || s.startsWith('RegExp:')],
  ['JS node core (streams, http2, timers)', (s) => s.startsWith('JS:') && s.includes('node:')],
  ['JS bench harness', (s) => s.startsWith('JS:') && s.includes('bench/')],
  ['JS other', (s) => s.startsWith('JS:')],
  [
    'V8 GC',
    (s) =>
      /Scaveng|MarkCompact|ConcurrentMarking|Sweep|Heap|GCTracer|Marking|Evacuat|RememberedSet|MemoryAllocator|NewSpace|MinorMC/.test(
        s,
      ),
  ],
  ['V8 compiler', (s) => /compiler::|[Mm]aglev|Turbo|Compil|Parser|Bytecode|Deoptim/.test(s)],
  ['V8 builtins (called from JS)', (s) => s.startsWith('Builtins_')],
  ['libc memmove / memcpy / memset', (s) => /mem(move|cpy|set)/.test(s)],
  [
    'malloc / free',
    (s) => /malloc|free|calloc|realloc|unlink_chunk|_int_|consolidate|tcache|operator new|operator delete/.test(s),
  ],
  ['libuv', (s) => /\buv_|uv__/.test(s)],
  ['V8 runtime (other)', (s) => s.includes('v8::')],
  ['node C++ (other)', (s) => s.includes('node::')],
];

function areaOf(sym: string, dso: string, kernel: boolean): string {
  for (const [name, test] of RULES) if (test(sym, dso, kernel)) return name;
  return `other (${dso})`;
}

function summarise(report: string, top: number): string {
  const areas = new Map<string, { pct: number; syms: [number, string][] }>();
  for (const line of report.split('\n')) {
    // "   9.87%  libc.so.6   [.] __memmove_avx512_unaligned_erms"
    const m = /^\s*([\d.]+)%\s+(.*?)\s+\[([.k])\]\s+(.*)$/.exec(line);
    if (!m) continue;
    const pct = Number(m[1]);
    const sym = m[4]!.trim();
    const area = areaOf(sym, m[2]!, m[3] === 'k');
    const entry = areas.get(area) ?? { pct: 0, syms: [] };
    entry.pct += pct;
    entry.syms.push([pct, sym]);
    areas.set(area, entry);
  }
  const out: string[] = [];
  for (const [area, { pct, syms }] of [...areas].sort((a, b) => b[1].pct - a[1].pct)) {
    out.push(`${pct.toFixed(1).padStart(5)}%  ${area}`);
    for (const [p, sym] of syms.sort((a, b) => b[0] - a[0]).slice(0, top)) {
      out.push(`         ${p.toFixed(2).padStart(5)}%  ${sym.slice(0, 120)}`);
    }
  }
  return out.join('\n');
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string' } } });
const text = readFileSync(positionals[0] ?? 0, 'utf8');
console.log(summarise(text, Number(values.top ?? 5)));
