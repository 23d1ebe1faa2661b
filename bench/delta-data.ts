/** A 10-column table whose rows average ~220 bytes of values, for throughput measurements. */

import type { ColumnBatch } from '../packages/emulator/src/tables/delta/delta-table.js';

export const SCHEMA_COLUMNS = [
  { name: 'id', type_text: 'bigint', nullable: false },
  { name: 'event_time', type_text: 'timestamp', nullable: false },
  { name: 'device_id', type_text: 'string', nullable: false },
  { name: 'event_type', type_text: 'string', nullable: true },
  { name: 'payload', type_text: 'string', nullable: true },
  { name: 'reading', type_text: 'double', nullable: true },
  { name: 'count', type_text: 'int', nullable: true },
  { name: 'ok', type_text: 'boolean', nullable: true },
  { name: 'day', type_text: 'date', nullable: true },
  { name: 'amount', type_text: 'decimal(18,2)', nullable: true },
];

const EVENTS = ['click', 'view', 'purchase', 'scroll', 'hover', 'login', 'logout', 'search'];
const WORDS =
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(
    ' ',
  );

/** Deterministic rows: ids from `start`, text that varies like real events (partly repetitive). */
export function makeBatch(rows: number, start: number): ColumnBatch {
  let seed = start + 1;
  // mulberry32: small, fast and good enough that the text does not repeat in short cycles.
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const columns: unknown[][] = Array.from({ length: 10 }, () => new Array(rows));
  const base = 1_767_225_600_000_000n; // 2026-01-01 in µs
  for (let r = 0; r < rows; r++) {
    const id = start + r;
    const words: string[] = [];
    while (words.join(' ').length < 100) words.push(WORDS[Math.floor(rand() * WORDS.length)] as string);
    (columns[0] as unknown[])[r] = BigInt(id);
    (columns[1] as unknown[])[r] = base + BigInt(id) * 1_000n + BigInt(Math.floor(rand() * 1000));
    (columns[2] as unknown[])[r] = `device-${String(Math.floor(rand() * 5000)).padStart(13, '0')}`;
    (columns[3] as unknown[])[r] = `${EVENTS[Math.floor(rand() * EVENTS.length)]}:${Math.floor(rand() * 1e12)
      .toString(36)
      .padStart(32, 'x')}`;
    (columns[4] as unknown[])[r] = words.join(' ').slice(0, 100);
    (columns[5] as unknown[])[r] = rand() * 1000;
    (columns[6] as unknown[])[r] = Math.floor(rand() * 100000);
    (columns[7] as unknown[])[r] = rand() < 0.5;
    (columns[8] as unknown[])[r] = 20454 + Math.floor(id / 86400);
    (columns[9] as unknown[])[r] = BigInt(Math.floor(rand() * 1e8));
  }
  return { columns, rowCount: rows };
}
