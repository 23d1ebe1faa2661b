/**
 * Property: whatever a random corruption does to a valid record batch (a byte of its body
 * overwritten, its body cut short, a field node's length or null count or a buffer region's
 * offset or length changed in its header), the server never acknowledges values the bytes do
 * not hold. Either the call ends with INVALID_ARGUMENT, or the rows it stored are exactly what
 * a strict reading of the corrupted bytes by the Arrow spec gives (buffers 8-byte aligned) (a small independent reader
 * below, for this schema: id Int64 NOT NULL, name Utf8), and when the change touched no byte a
 * row depends on, that is the original rows. Seeded, bounded runs on loopback.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { type Emulator, startEmulator } from '@zerobus/emulator';
import { encodeBatchMetadata } from '@zerobus/sdk/wire';
import { Int64, Utf8, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { arrowTable, fixedVector } from './support/arrow-data.js';
import { FlightClient, tableMessages } from './support/flight-client.js';
import { type BatchParts, batchMessage, batchParts } from './support/ipc-surgery.js';

type Row = { id: bigint; name: string | null };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The rows the parts hold by the Arrow spec, or undefined when they are not a valid batch. */
function strictRows(parts: BatchParts): Row[] | undefined {
  const { length, nodes, buffers, body } = parts;
  if (nodes.length !== 2 || buffers.length !== 5) return undefined;
  const region = (i: number) => {
    const b = buffers[i] as { offset: number; length: number };
    if (b.offset < 0 || b.offset % 8 !== 0 || b.length < 0 || b.offset + b.length > body.length) return undefined;
    return body.subarray(b.offset, b.offset + b.length);
  };
  const [idBits, idValues, nameBits, nameOffsets, nameData] = [0, 1, 2, 3, 4].map(region);
  if (!idBits || !idValues || !nameBits || !nameOffsets || !nameData) return undefined;
  const valid = (bits: Uint8Array, nullCount: number, n: number): ((i: number) => boolean) | undefined => {
    if (nullCount === 0 && bits.length === 0) return () => true;
    if (bits.length * 8 < n) return undefined;
    const at = (i: number) => ((bits[i >> 3] as number) & (1 << (i & 7))) !== 0;
    let nulls = 0;
    for (let i = 0; i < n; i++) if (!at(i)) nulls++;
    return nulls === nullCount ? at : undefined;
  };
  const [idNode, nameNode] = nodes;
  if (!idNode || !nameNode || idNode.length !== length || nameNode.length !== length) return undefined;
  if (idNode.nullCount < 0 || idNode.nullCount > length || nameNode.nullCount < 0 || nameNode.nullCount > length) {
    return undefined;
  }
  const idValid = valid(idBits, idNode.nullCount, length);
  const nameValid = valid(nameBits, nameNode.nullCount, length);
  if (!idValid || !nameValid || idNode.nullCount > 0) return undefined; // id is NOT NULL
  if (idValues.length < length * 8) return undefined;
  const offsetsView = new DataView(nameOffsets.buffer, nameOffsets.byteOffset, nameOffsets.byteLength);
  const ids = new DataView(idValues.buffer, idValues.byteOffset, idValues.byteLength);
  if (length > 0 && nameOffsets.length < (length + 1) * 4) return undefined;
  const offset = (i: number) => offsetsView.getInt32(i * 4, true);
  const rows: Row[] = [];
  if (length > 0 && offset(0) < 0) return undefined;
  for (let i = 0; i < length; i++) {
    const start = offset(i);
    const end = offset(i + 1);
    if (end < start || end > nameData.length) return undefined;
    let name: string | null = null;
    if (nameValid(i)) {
      try {
        name = utf8.decode(nameData.subarray(start, end));
      } catch {
        return undefined;
      }
    }
    rows.push({ id: ids.getBigInt64(i * 8, true), name });
  }
  return rows;
}

type Corruption =
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'node'; index: number; field: 'length' | 'nullCount'; value: number }
  | { kind: 'region'; index: number; field: 'offset' | 'length'; value: number };

function apply(parts: BatchParts, c: Corruption): boolean {
  switch (c.kind) {
    case 'byte': {
      const at = c.at % parts.body.length;
      parts.body[at] = c.value;
      // Did it touch a byte some buffer region covers (a byte a row may depend on)?
      return parts.buffers.some((b) => at >= b.offset && at < b.offset + b.length);
    }
    case 'truncate':
      parts.body = parts.body.slice(0, c.keep % parts.body.length);
      return true;
    case 'node':
      (parts.nodes[c.index % parts.nodes.length] as Record<string, number>)[c.field] = c.value;
      return true;
    case 'region':
      (parts.buffers[c.index % parts.buffers.length] as Record<string, number>)[c.field] = c.value;
      return true;
  }
}

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({
    kind: fc.constant('node' as const),
    index: fc.nat(),
    field: fc.constantFrom('length' as const, 'nullCount' as const),
    value: fc.integer({ min: -1, max: 8 }),
  }),
  fc.record({
    kind: fc.constant('region' as const),
    index: fc.nat(),
    field: fc.constantFrom('offset' as const, 'length' as const),
    value: fc.integer({ min: -8, max: 160 }),
  }),
);

const names = fc.array(fc.option(fc.string({ unit: 'grapheme', maxLength: 6 }), { nil: null }), {
  minLength: 1,
  maxLength: 6,
});

describe('a corrupted record batch is refused or read exactly as its bytes say', () => {
  let emulator: Emulator;
  let client: FlightClient;
  let run = 0;
  before(async () => {
    emulator = await startEmulator({ autoCreateTables: true });
    client = new FlightClient(emulator);
  });
  after(async () => {
    client.close();
    await emulator.close();
  });

  it('never acknowledges values the bytes do not hold (seeded)', async () => {
    await fc.assert(
      fc.asyncProperty(names, corruption, async (values, change) => {
        const original: Row[] = values.map((name, i) => ({ id: BigInt(i), name }));
        const table = arrowTable(
          {
            id: fixedVector(
              new Int64(),
              original.map((r) => r.id),
            ),
            name: vectorFromArray(values, new Utf8()),
          },
          ['id'],
        );
        const { schema, batches } = tableMessages(table);
        const parts = batchParts(batches[0] as NonNullable<(typeof batches)[0]>);
        const touched = apply(parts, change);
        const expected = strictRows(parts);
        const name = `main.prop.t${run++}`;
        const put = client.open(name);
        put.schema(schema);
        put.message(batchMessage(parts), { appMetadata: encodeBatchMetadata(0) });
        put.end();
        const ended = await put.status;
        if (ended.code !== status.OK) {
          assert.equal(ended.code, status.INVALID_ARGUMENT, ended.details);
          assert.equal(expected, undefined, `refused a valid batch: ${ended.details}`);
          assert.equal(emulator.records(name).length, 0);
          return;
        }
        assert.ok(expected, 'acknowledged a batch whose bytes are not a valid batch');
        const stored = emulator.records(name).map((r) => ({ id: r.row?.id, name: r.row?.name }));
        assert.deepEqual(stored, expected);
        if (!touched) assert.deepEqual(stored, original);
      }),
      { seed: 20261207, numRuns: 100 },
    );
  });
});
