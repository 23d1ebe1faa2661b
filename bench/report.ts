/** Output: one `BENCH {json}` line per cell (for scripts) and a table for people. */
import type { CellResult } from './cell.js';

export function sizeLabel(bytes: number): string {
  return bytes >= 1024 && bytes % 1024 === 0 ? `${bytes / 1024} KB` : `${bytes} B`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function sig(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '-';
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

/** The machine-readable line of a cell; numbers rounded to what is meaningful. */
export function benchLine(cell: CellResult): string {
  const out = {
    ...cell,
    seconds: round(cell.seconds, 4),
    mbPerSec: round(cell.mbPerSec, 3),
    recordsPerSec: Math.round(cell.recordsPerSec),
    p50AckMs: round(cell.p50AckMs, 3),
    p99AckMs: round(cell.p99AckMs, 3),
    peakRssMb: round(cell.peakRssMb, 1),
    startRssMb: round(cell.startRssMb, 1),
    cpuSeconds: round(cell.cpuSeconds, 3),
    serverCpuSeconds: cell.serverCpuSeconds === null ? null : round(cell.serverCpuSeconds, 2),
    runMbPerSec: cell.runMbPerSec.map((v) => round(v, 3)),
  };
  return `BENCH ${JSON.stringify(out)}`;
}

const HEADERS = [
  'client',
  'type',
  'size',
  'mode',
  'records',
  'MB/s',
  'records/s',
  'ack p50 ms',
  'ack p99 ms',
  'peak RSS MB',
  'client CPU s',
  'server CPU s',
];

/** Columns 0-3 are text (left-aligned), the rest numbers (right-aligned). */
export function table(cells: readonly CellResult[]): string {
  const rows = cells.map((c) => [
    c.client === 'native' ? 'native' : 'ours',
    c.type,
    sizeLabel(c.sizeBytes),
    c.mode,
    c.records.toLocaleString('en-US'),
    sig(c.mbPerSec),
    Math.round(c.recordsPerSec).toLocaleString('en-US'),
    sig(c.p50AckMs),
    sig(c.p99AckMs),
    sig(c.peakRssMb),
    sig(c.cpuSeconds),
    sig(c.serverCpuSeconds),
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: readonly string[]) =>
    `| ${cols.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < 4 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`;
  return [line(HEADERS), rule, ...rows.map(line)].join('\n');
}

/** Per cell run by both clients: MB/s of each and ours / native (`--vs-native`). */
export function ratioTable(cells: readonly CellResult[]): string {
  const key = (c: CellResult) => `${c.type} ${c.sizeBytes} ${c.mode}`;
  const native = new Map(cells.filter((c) => c.client === 'native').map((c) => [key(c), c]));
  const rows = cells.flatMap((ours) => {
    const other = ours.client === 'zerobus' ? native.get(key(ours)) : undefined;
    if (!other) return [];
    return [
      [
        ours.type,
        sizeLabel(ours.sizeBytes),
        ours.mode,
        sig(ours.mbPerSec),
        sig(other.mbPerSec),
        `${(ours.mbPerSec / other.mbPerSec).toFixed(2)}×`,
        sig(ours.cpuSeconds),
        sig(other.cpuSeconds),
        sig(ours.peakRssMb),
        sig(other.peakRssMb),
      ],
    ];
  });
  const headers = ['type', 'size', 'mode', 'ours MB/s', 'native MB/s', 'ratio', 'ours CPU s', 'native CPU s'];
  headers.push('ours RSS MB', 'native RSS MB');
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: readonly string[]) =>
    `| ${cols.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < 3 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}
