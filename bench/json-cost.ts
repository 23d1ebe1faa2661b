/**
 * Per-record cost of turning a JSON record into payload bytes, at the bench's record shape
 * (`{"id":N,"p":"xxx…"}`, exactly SIZE bytes) and a mixed one, for the SDK's serializer and the
 * alternatives: `Buffer.from(JSON.stringify(r))`, `JSON.stringify` then one write into a reused
 * buffer, and each step of the SDK's string path on its own. Variants run interleaved (one round
 * of each, in turn), so machine load hits them alike; the median of the rounds is reported, in
 * µs per record, with GC counted in (each round allocates as ingestion does). Not a test.
 *
 *   npx tsx bench/json-cost.ts [--sizes 750,10k] [--records 20000] [--rounds 7]
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { hasJsonEscapeByte, wordScan } from '../packages/sdk/src/records/json-escape.js';
import { encodeJsonRecord } from '../packages/sdk/src/records/json-record.js';
import { copyToSlab } from '../packages/sdk/src/records/payload-slab.js';
import { ProtoWriter } from '../packages/sdk/src/records/proto-writer.js';
import { median } from './measure.js';
import { jsonRecords } from './records.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '750,10k' },
    records: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '7' },
  },
});
const RECORDS = Number(values.records);
const ROUNDS = Number(values.rounds);

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

/** A record of several fields, some needing escapes and UTF-8, padded to about `size` bytes. */
function mixedRecords(size: number): (i: number) => object {
  const tail = 'é'.repeat(Math.max(0, Math.floor((size - 160) / 2)));
  return (i) => ({
    id: i,
    name: `device-${i % 1000}`,
    ok: i % 2 === 0,
    temp: 20.5 + (i % 7),
    tags: ['a', 'b "quoted"'],
    nested: { k: i % 5, when: 1_714_564_800_123 },
    text: tail,
  });
}

const writer = new ProtoWriter();
let sink = 0;

type Variant = (record: object, i: number) => void;

const variants: Record<string, Variant> = {
  sdk: (r, i) => {
    sink += encodeJsonRecord(r, i).length;
  },
  'stringify+Buffer.from': (r) => {
    sink += Buffer.from(JSON.stringify(r)).length;
  },
  'stringify+write+slab': (r) => {
    const text = JSON.stringify(r);
    writer.reset();
    writer.utf8(text);
    sink += writer.finish().length;
  },
};

/** Steps of the SDK's long-string path on the bench record's padding string, µs each. */
function steps(text: string): Record<string, Variant> {
  return {
    'step: isWellFormed': () => {
      sink += text.isWellFormed() ? 1 : 0;
    },
    'step: utf8 write (SDK)': () => {
      writer.reset();
      writer.utf8(text);
      sink += writer.pos;
    },
    'step: escape scan (JS words)': () => {
      sink += wordScan(writer.buf, writer.words, 0, text.length) ? 1 : 0;
    },
    'step: escape scan (SDK)': () => {
      sink += hasJsonEscapeByte(writer.buf, writer.words, 0, text.length) ? 1 : 0;
    },
    'step: latin1 write (for scale)': () => {
      writer.reset();
      writer.ensure(text.length);
      sink += writer.buf.write(text, 0, 'latin1');
    },
    'step: copy to slab': () => {
      sink += copyToSlab(writer.buf, text.length).length;
    },
  };
}

/** GC entries reach the observer asynchronously: let them in before and after a round. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

async function timeRound(variant: Variant, make: (i: number) => object): Promise<[number, number]> {
  await settle();
  const gcBefore = gcMs;
  const start = performance.now();
  for (let i = 0; i < RECORDS; i++) variant(make(i), i);
  const us = ((performance.now() - start) * 1000) / RECORDS;
  await settle();
  return [us, ((gcMs - gcBefore) * 1000) / RECORDS];
}

async function compare(title: string, all: Record<string, Variant>, make: (i: number) => object): Promise<void> {
  const names = Object.keys(all);
  const times = new Map(names.map((n) => [n, [] as number[]]));
  const gcs = new Map(names.map((n) => [n, [] as number[]]));
  for (const name of names) await timeRound(all[name]!, make); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const [us, gc] = await timeRound(all[name]!, make);
      times.get(name)!.push(us);
      gcs.get(name)!.push(gc);
    }
  }
  const base = median(times.get(names[0]!)!);
  console.log(`\n${title}`);
  for (const name of names) {
    const us = median(times.get(name)!);
    const gc = median(gcs.get(name)!);
    console.log(
      `  ${name.padEnd(32)} ${us.toFixed(2).padStart(7)} µs/record  (gc ${gc.toFixed(2)} µs)  ${(us / base).toFixed(2)}× ${names[0]}`,
    );
  }
}

const loadavg = (await import('node:os')).loadavg().map((l) => l.toFixed(2));
console.log(`# node ${process.version}, ${RECORDS} records × ${ROUNDS} rounds, load average ${loadavg.join(' ')}`);
for (const raw of values.sizes.split(',')) {
  const size = /k$/i.test(raw) ? Number(raw.slice(0, -1)) * 1024 : Number(raw);
  const bench = jsonRecords(size, RECORDS);
  const make = (i: number) => bench.record(i) as object;
  await compare(`${raw} B bench records {id, p}`, variants, make);
  await compare(`${raw} B mixed records`, variants, mixedRecords(size));
  const pad = (bench.record(RECORDS - 1) as { p: string }).p;
  await compare(`${raw} B: steps of the SDK's path on the ${pad.length}-char padding`, steps(pad), make);
}
if (sink === 42) console.log('');
