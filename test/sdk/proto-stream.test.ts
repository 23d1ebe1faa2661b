import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, createFileRegistry, type DescMessage, toBinary } from '@bufbuild/protobuf';
import { DescriptorProtoSchema, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { InvalidRecordError, TableProperties } from '@zerobus/sdk';
import protobuf from 'protobufjs';
import { CLIENT_ID, CLIENT_SECRET, withHarness } from '../support/harness.js';

const PROTO = `
  syntax = "proto2";
  package telemetry.v1;
  message Location { optional double lat = 1; optional double lon = 2; }
  enum Kind { KIND_UNSPECIFIED = 0; SENSOR = 1; GATEWAY = 2; }
  message Reading {
    required string device_id = 1;
    optional int64 ts = 2;
    optional double temp = 3;
    optional Kind kind = 4;
    optional Location where = 5;
    repeated string tags = 6;
  }`;
const root = protobuf.parse(PROTO).root;
const Reading = root.lookupType('telemetry.v1.Reading');
const TABLE = 'main.telemetry.readings';

function decode(payload: string | Uint8Array): Record<string, unknown> {
  return Reading.toObject(Reading.decode(payload as Uint8Array), { longs: String, enums: String, defaults: false });
}

describe('protobuf stream over loopback gRPC', () => {
  it('encodes message objects with a protobufjs Type and sends a self-contained descriptor', async () => {
    await withHarness(async ({ emulator, sdk }) => {
      const stream = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE, Reading));
      await stream.ingestRecordOffset({
        device_id: 'a',
        ts: 1764000000000000n,
        temp: 21.5,
        kind: 'SENSOR',
        where: { lat: 1, lon: 2 },
      });
      await stream.ingestRecordsOffset([
        { deviceId: 'b', tags: ['x', 'y'] },
        Reading.encode({ deviceId: 'c' }).finish(),
      ]);
      await stream.close();
      assert.deepEqual(
        emulator.records(TABLE).map((r) => decode(r.payload)),
        [
          { deviceId: 'a', ts: '1764000000000000', temp: 21.5, kind: 'SENSOR', where: { lat: 1, lon: 2 } },
          { deviceId: 'b', tags: ['x', 'y'] },
          { deviceId: 'c' },
        ],
      );
      assert.equal(emulator.calls[0]?.recordType, 'proto');
    });
  });

  it('accepts serialized DescriptorProto bytes and protobuf-es schemas alike', async () => {
    // A protobuf-es schema for the same message, from a hand-built FileDescriptorProto.
    const file = create(FileDescriptorProtoSchema, {
      name: 'reading.proto',
      syntax: 'proto2',
      messageType: [
        {
          name: 'Reading',
          field: [
            { name: 'device_id', number: 1, label: 2, type: 9, jsonName: 'deviceId' },
            { name: 'temp', number: 3, label: 1, type: 1, jsonName: 'temp' },
          ],
        },
      ],
    });
    const schema = createFileRegistry(file, () => undefined).getMessage('Reading') as DescMessage;
    const bytes = toBinary(DescriptorProtoSchema, schema.proto);
    await withHarness(async ({ emulator, sdk }) => {
      for (const descriptor of [schema, bytes]) {
        const stream = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE, descriptor));
        await stream.ingestRecordOffset({ device_id: 'd', temp: 3.5 });
        await stream.close();
      }
      assert.deepEqual(
        emulator.records(TABLE).map((r) => decode(r.payload)),
        [
          { deviceId: 'd', temp: 3.5 },
          { deviceId: 'd', temp: 3.5 },
        ],
      );
    });
  });

  it('rejects objects that do not fit the descriptor, naming record and field; nothing else is lost', async () => {
    await withHarness(async ({ emulator, sdk }) => {
      const stream = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE, Reading));
      await stream.ingestRecordOffset({ device_id: 'ok-1' });
      assert.throws(
        () => stream.ingestRecordsNowait([{ device_id: 'x' }, { device_id: 'y', temp: 'hot' }]),
        (e: unknown) => {
          assert.ok(e instanceof InvalidRecordError);
          assert.equal(e.recordIndex, 1);
          assert.equal(e.field, 'temp');
          assert.match(e.message, /record 1: field "temp" expects double/);
          return true;
        },
      );
      assert.throws(() => stream.ingestRecordNowait({ temp: 1 }), /device_id/, 'a missing required field');
      assert.throws(() => stream.ingestRecordNowait({ device_id: 'z', tempp: 1 }), /tempp/, 'an unknown field');
      assert.throws(
        () => stream.ingestRecordNowait('{"device_id":"z"}'),
        InvalidRecordError,
        'a string in a proto stream',
      );
      await stream.ingestRecordOffset({ device_id: 'ok-2' });
      await stream.close();
      assert.deepEqual(
        emulator.records(TABLE).map((r) => decode(r.payload).deviceId),
        ['ok-1', 'ok-2'],
      );
      assert.equal(stream.lastOffset, 1);
    });
  });

  it('returns unacknowledged protobuf records as bytes after a failure', async () => {
    await withHarness(async ({ emulator, sdk }) => {
      const stream = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE, Reading), {
        recovery: false,
      });
      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ device_id: 'lost?' });
      await emulator.waitForRecords(TABLE, 1);
      emulator.faults.failActiveStreams('UNAVAILABLE');
      await assert.rejects(stream.flush());
      const [record] = stream.getUnackedRecords();
      assert.ok(record instanceof Uint8Array);
      assert.deepEqual(decode(record), { deviceId: 'lost?' });
    });
  });
});
