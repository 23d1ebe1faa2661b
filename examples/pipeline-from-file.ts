/**
 * A file into a table with Node.js streams: `pipeline(file, lines → records, stream.writable())`.
 * The writable applies the stream's back-pressure (the file is read only as fast as records are
 * acknowledged) and finishes once every record written is durable.
 *
 *   npx tsx examples/pipeline-from-file.ts [readings.ndjson]   (default: a sample file it writes)
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { TableProperties } from '@zerobus/sdk';
import { connect } from './_connect.js';

await using zerobus = await connect('main.examples.readings', [
  { name: 'device', type_text: 'string', nullable: false },
  { name: 'temp', type_text: 'double' },
]);
const { sdk, clientId, clientSecret, table } = zerobus;

const file = process.argv[2] ?? (await writeSampleFile(1000));

/** Text chunks in, one parsed record per non-empty line out. */
async function* ndjsonRecords(chunks: AsyncIterable<string>) {
  let rest = '';
  for await (const chunk of chunks) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? ''; // a line cut at the chunk's end waits for the next chunk
    for (const line of lines) if (line.trim()) yield JSON.parse(line);
  }
  if (rest.trim()) yield JSON.parse(rest);
}

const stream = await sdk.createStream(clientId, clientSecret, new TableProperties(table), { recordType: 'json' });
await pipeline(createReadStream(file, 'utf8'), ndjsonRecords, stream.writable({ close: true }));

console.log(`${stream.lastOffset + 1} lines of ${file} durable, last offset ${stream.lastOffset}`);
if (!process.argv[2]) await rm(dirname(file), { recursive: true }); // the sample's temporary directory

/** Writes `count` readings, one JSON object per line, to a new temporary directory. */
async function writeSampleFile(count: number): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'zerobus-example-')), 'readings.ndjson');
  const lines = Array.from({ length: count }, (_, i) => JSON.stringify({ device: `sensor-${i % 10}`, temp: i / 10 }));
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}
