import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import {
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
} from '@bufbuild/protobuf/wkt';
import { startEmulator } from '@zerobus/emulator';
import {
  type DescriptorInput,
  descriptorFromFileDescriptorSet,
  descriptorFromProtoFile,
  descriptorFromProtoText,
  NonRetriableError,
  TableProperties,
  ZerobusSdk,
} from '@zerobus/sdk';
import { readDeltaTable } from '../support/delta-reader.js';

const COLUMNS = [
  { name: 'device_name', type_text: 'string', nullable: false },
  { name: 'reading', type_text: 'struct<temp_c:double>' },
];

const PROTO = `
syntax = "proto2";
package acme.v1;
message Reading { optional double temp_c = 1; }
message Event {
  required string device_name = 1;
  optional Reading reading = 2;
}`;

/** Ingests one record through a stream built from `descriptor`; returns what DuckDB reads back. */
async function roundTrip(descriptor: DescriptorInput): Promise<readonly unknown[]> {
  await using emulator = await startEmulator({ commitIntervalMs: 5 });
  await emulator.createDeltaTable('main.s.events', COLUMNS);
  const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
  const stream = await sdk.createStream(
    'emulator-client',
    'emulator-secret',
    new TableProperties('main.s.events', descriptor),
  );
  await stream.ingestRecordOffset({ device_name: 'pump-7', reading: { temp_c: 21.5 } });
  await stream.close();
  return (await readDeltaTable(emulator.catalog.table('main.s.events')!.delta.dir)).rows;
}

const expectedRows = [{ device_name: 'pump-7', reading: { temp_c: 21.5 } }];

function descriptorError(pattern: RegExp) {
  return (e: unknown) => e instanceof NonRetriableError && e.code === 'INVALID_DESCRIPTOR' && pattern.test(e.message);
}

describe('descriptors from .proto text and files, with field names kept as written', () => {
  it('ingests with a message picked by short or full name', async () => {
    assert.deepEqual(await roundTrip(await descriptorFromProtoText(PROTO, 'Event')), expectedRows);
    assert.deepEqual(await roundTrip(await descriptorFromProtoText(PROTO, 'acme.v1.Event')), expectedRows);
  });

  it('reads a file, and needs a name only when there is a choice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zerobus-proto-'));
    try {
      const file = join(dir, 'event.proto');
      await writeFile(file, 'syntax = "proto2"; message Event { required string device_name = 1; message Inner {} }');
      const descriptor = await descriptorFromProtoFile(file);
      assert.equal((descriptor as { name: string }).name, 'Event', 'nested messages are not candidates');
      await writeFile(file, PROTO);
      await assert.rejects(
        descriptorFromProtoFile(file),
        descriptorError(/2 messages \(acme\.v1\.Reading, acme\.v1\.Event\)/),
      );
      await assert.rejects(descriptorFromProtoFile(join(dir, 'missing.proto')), { code: 'ENOENT' });
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('names what is wrong: syntax errors, unknown and ambiguous messages', async () => {
    await assert.rejects(descriptorFromProtoText('message {', 'X'), descriptorError(/does not parse/));
    await assert.rejects(descriptorFromProtoText(PROTO, 'Nope'), descriptorError(/has no message Nope/));
    const twice = 'package a; message M {} message N { message M {} }';
    await assert.rejects(descriptorFromProtoText(twice, 'M'), descriptorError(/M is ambiguous \(a\.M, a\.N\.M\)/));
  });
});

describe('descriptors from a FileDescriptorSet', () => {
  // Two files, the record's message importing a type from the other, as protoc or buf write them.
  const common = create(FileDescriptorProtoSchema, {
    name: 'acme/common.proto',
    package: 'acme.common',
    messageType: [
      { name: 'Reading', field: [{ name: 'temp_c', number: 1, label: Label.OPTIONAL, type: Type.DOUBLE }] },
    ],
  });
  const events = create(FileDescriptorProtoSchema, {
    name: 'acme/events.proto',
    package: 'acme.events',
    dependency: ['acme/common.proto'],
    messageType: [
      {
        name: 'Event',
        field: [
          { name: 'device_name', number: 1, label: Label.REQUIRED, type: Type.STRING },
          { name: 'reading', number: 2, label: Label.OPTIONAL, type: Type.MESSAGE, typeName: '.acme.common.Reading' },
        ],
      },
    ],
  });
  const set = toBinary(FileDescriptorSetSchema, create(FileDescriptorSetSchema, { file: [common, events] }));

  it('ingests with a message that uses a type from an imported file', async () => {
    assert.deepEqual(await roundTrip(descriptorFromFileDescriptorSet(set, 'acme.events.Event')), expectedRows);
    assert.equal(descriptorFromFileDescriptorSet(set, 'Event').typeName, 'acme.events.Event');
  });

  it('refuses bytes that are no FileDescriptorSet, and asks for a name when there is a choice', () => {
    assert.throws(() => descriptorFromFileDescriptorSet(new Uint8Array([0xff, 0xff])), descriptorError(/not a usable/));
    assert.throws(() => descriptorFromFileDescriptorSet(set), descriptorError(/2 messages/));
  });
});
