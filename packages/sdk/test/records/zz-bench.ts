import protobuf from 'protobufjs';
import { create, toBinary, createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, DescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { createRecordEncoder } from '../../src/records/encoder.js';
const text = `
syntax = "proto2";
package bench;
message Reading {
  optional string device_name = 1; optional double temp = 2; optional int32 humidity = 3; optional int64 timestamp = 4;
  repeated string tags = 5; optional Inner reading = 6; optional string location = 7; optional string note = 8; optional int64 seq = 9;
  message Inner { optional int32 co2 = 1; optional double pm25 = 2; optional bool ok = 3; }
}`;
const T = protobuf.parse(text, { keepCase: true }).root.lookupType('bench.Reading');
const rec = { device_name: 'sensor-0042-west-building', temp: 21.5, humidity: 48, timestamp: 1718000000000000,
  tags: ['alpha', 'beta', 'gamma'], reading: { co2: 415, pm25: 12.3, ok: true }, location: 'warehouse 7, aisle 12', note: 'all good here', seq: 12345 };
const enc = createRecordEncoder('proto', T);
const json = createRecordEncoder('json', undefined);
console.log('proto bytes', enc.encode(rec, 0).length, 'json bytes', json.encode(rec, 0).length);
const norm = fromBinary(DescriptorProtoSchema, enc.descriptorProto!);
const schema = createFileRegistry(create(FileDescriptorProtoSchema, { name: 'b.proto', syntax: 'proto2', messageType: [norm] }), () => undefined).getMessage('Reading')!;
const esMsg = create(schema, { ...rec, timestamp: BigInt(rec.timestamp), seq: 12345n } as never);
const esEnc = createRecordEncoder('proto', schema);
function bench(name: string, fn: () => unknown) {
  for (let i = 0; i < 200000; i++) fn();
  const N = 2000000; const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  const dt = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(name.padEnd(44), Math.round(N / dt).toLocaleString(), 'rec/s');
}
const strRec = JSON.stringify(rec);
bench('json: JSON.stringify only (baseline)', () => JSON.stringify(rec));
bench('json: JSON.stringify + Buffer.from (base)', () => Buffer.from(JSON.stringify(rec)));
bench('json: encoder.encode(object)', () => json.encode(rec, 0));
bench('json: encoder.encode(string)', () => json.encode(strRec, 0));
bench('proto: encoder.encode(object)', () => enc.encode(rec, 0));
bench('proto: protobufjs Type.encode().finish()', () => T.encode(rec).finish());
bench('proto: protobuf-es toBinary', () => toBinary(schema, esMsg));
bench('proto: encoder.encode(protobuf-es msg)', () => esEnc.encode(esMsg, 0));
