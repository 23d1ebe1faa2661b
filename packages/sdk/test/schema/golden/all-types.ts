// Generated from table main.default.all_types by zerobus generate-proto --lang ts; do not edit.

import { TableProperties } from '@zerobus/sdk';
import type { TableSchema } from '@zerobus/sdk/schema';

/** The table the records go to. */
export const tableName = 'main.default.all_types';

/** A record (one row) of table main.default.all_types. */
export interface AllTypes {
  /**
   * BIGINT
   * Row key; it is "unique".
   */
  id: bigint | number;
  /** TINYINT: -128 to 127 */
  tiny?: number | null;
  /** SMALLINT: -32768 to 32767 */
  small?: number | null;
  /** INT */
  num: number;
  /** FLOAT */
  ratio?: number | null;
  /** DOUBLE */
  amount?: number | null;
  /** BOOLEAN */
  ok?: boolean | null;
  /** STRING */
  name?: string | null;
  /** STRING */
  code?: string | null;
  /** STRING */
  initial?: string | null;
  /** BINARY */
  payload?: Uint8Array | null;
  /** DATE: days since 1970-01-01 when a number */
  day?: Date | number | null;
  /** TIMESTAMP: microseconds since the epoch when a number or bigint */
  ts: Date | bigint | number;
  /** TIMESTAMP_NTZ: microseconds since 1970-01-01 00:00:00 (wall-clock time, no time zone) when a number or bigint */
  local_ts?: Date | bigint | number | null;
  /** DECIMAL(10,2): exact decimal text when a string, e.g. "12.34" */
  price?: string | number | bigint | null;
  /** DECIMAL(38,18): exact decimal text when a string, e.g. "12.34" */
  big_price: string | number | bigint;
  /** VARIANT: JSON text */
  attrs?: string | null;
  /**
   * STRUCT<model:STRING,firmware:INT,location:STRUCT<lat:DOUBLE,lon:DOUBLE>>
   * Where the reading came from.
   * Second line.
   */
  device_info?: AllTypes_DeviceInfo | null;
  /** ARRAY<STRUCT<at:TIMESTAMP,value:DOUBLE>> */
  readings?: AllTypes_Readings[] | null;
  /** ARRAY<STRING> */
  tags: string[];
  /** MAP<STRING,INT> */
  counts?: Map<string, number> | Record<string, number> | null;
  /** MAP<BIGINT,STRUCT<name:STRING,since:DATE>> */
  owners?: Map<bigint | number, AllTypes_Owners> | Record<string, AllTypes_Owners> | null;
}

/** Column device_info. */
export interface AllTypes_DeviceInfo {
  /** STRING */
  model: string;
  /** INT */
  firmware?: number | null;
  /** STRUCT<lat:DOUBLE,lon:DOUBLE> */
  location?: AllTypes_DeviceInfo_Location | null;
}

/** Column device_info.location. */
export interface AllTypes_DeviceInfo_Location {
  /** DOUBLE */
  lat?: number | null;
  /** DOUBLE */
  lon?: number | null;
}

/** An element of column readings. */
export interface AllTypes_Readings {
  /** TIMESTAMP: microseconds since the epoch when a number or bigint */
  at: Date | bigint | number;
  /** DOUBLE */
  value?: number | null;
}

/** A value of column owners. */
export interface AllTypes_Owners {
  /** STRING */
  name?: string | null;
  /** DATE: days since 1970-01-01 when a number */
  since?: Date | number | null;
}

const descriptorBase64 =
  'CghBbGxUeXBlcxIOCgJpZBgBIAIoA1ICaWQSEgoEdGlueRgCIAEoBVIEdGlueRIUCgVzbWFsbBgDIAEoBVIFc21hbGwSEAoDbnVtGAQgAigFUgNudW0SFAoFcmF0aW8YBSABKAJSBXJhdGlvEhYKBmFtb3VudBgGIAEoAVIGYW1vdW50Eg4KAm9rGAcgASgIUgJvaxISCgRuYW1lGAggASgJUgRuYW1lEhIKBGNvZGUYCSABKAlSBGNvZGUSGAoHaW5pdGlhbBgKIAEoCVIHaW5pdGlhbBIYCgdwYXlsb2FkGAsgASgMUgdwYXlsb2FkEhAKA2RheRgMIAEoBVIDZGF5Eg4KAnRzGA0gAigDUgJ0cxIZCghsb2NhbF90cxgOIAEoA1IHbG9jYWxUcxIUCgVwcmljZRgPIAEoCVIFcHJpY2USGwoJYmlnX3ByaWNlGBAgAigJUghiaWdQcmljZRIUCgVhdHRycxgRIAEoCVIFYXR0cnMSNQoLZGV2aWNlX2luZm8YEiABKAsyFC5BbGxUeXBlcy5EZXZpY2VJbmZvUgpkZXZpY2VJbmZvEi4KCHJlYWRpbmdzGBMgAygLMhIuQWxsVHlwZXMuUmVhZGluZ3NSCHJlYWRpbmdzEhIKBHRhZ3MYFCADKAlSBHRhZ3MSLQoGY291bnRzGBUgAygLMhUuQWxsVHlwZXMuQ291bnRzRW50cnlSBmNvdW50cxItCgZvd25lcnMYFiADKAsyFS5BbGxUeXBlcy5Pd25lcnNFbnRyeVIGb3duZXJzGjkKC0NvdW50c0VudHJ5EhAKA2tleRgBIAEoCVIDa2V5EhQKBXZhbHVlGAIgASgFUgV2YWx1ZToCOAEaSwoLT3duZXJzRW50cnkSEAoDa2V5GAEgASgDUgNrZXkSJgoFdmFsdWUYAiABKAsyEC5BbGxUeXBlcy5Pd25lcnNSBXZhbHVlOgI4ARqpAQoKRGV2aWNlSW5mbxIUCgVtb2RlbBgBIAIoCVIFbW9kZWwSGgoIZmlybXdhcmUYAiABKAVSCGZpcm13YXJlEjkKCGxvY2F0aW9uGAMgASgLMh0uQWxsVHlwZXMuRGV2aWNlSW5mby5Mb2NhdGlvblIIbG9jYXRpb24aLgoITG9jYXRpb24SEAoDbGF0GAEgASgBUgNsYXQSEAoDbG9uGAIgASgBUgNsb24aMAoIUmVhZGluZ3MSDgoCYXQYASACKANSAmF0EhQKBXZhbHVlGAIgASgBUgV2YWx1ZRoyCgZPd25lcnMSEgoEbmFtZRgBIAEoCVIEbmFtZRIUCgVzaW5jZRgCIAEoBVIFc2luY2U=';

/** The record message as serialized google.protobuf.DescriptorProto (self-contained), for proto streams. */
export const descriptorProto: Uint8Array = Uint8Array.from(atob(descriptorBase64), (c) => c.charCodeAt(0));

/** The table's columns, for client-side checks and conversions. */
export const tableSchema: TableSchema = {
  fields: [
    { name: 'id', type: { kind: 'primitive', name: 'long' }, nullable: false, comment: 'Row key; it is "unique".' },
    { name: 'tiny', type: { kind: 'primitive', name: 'byte' }, nullable: true },
    { name: 'small', type: { kind: 'primitive', name: 'short' }, nullable: true },
    { name: 'num', type: { kind: 'primitive', name: 'integer' }, nullable: false },
    { name: 'ratio', type: { kind: 'primitive', name: 'float' }, nullable: true },
    { name: 'amount', type: { kind: 'primitive', name: 'double' }, nullable: true },
    { name: 'ok', type: { kind: 'primitive', name: 'boolean' }, nullable: true },
    { name: 'name', type: { kind: 'primitive', name: 'string' }, nullable: true },
    { name: 'code', type: { kind: 'primitive', name: 'string' }, nullable: true },
    { name: 'initial', type: { kind: 'primitive', name: 'string' }, nullable: true },
    { name: 'payload', type: { kind: 'primitive', name: 'binary' }, nullable: true },
    { name: 'day', type: { kind: 'primitive', name: 'date' }, nullable: true },
    { name: 'ts', type: { kind: 'primitive', name: 'timestamp' }, nullable: false },
    { name: 'local_ts', type: { kind: 'primitive', name: 'timestamp_ntz' }, nullable: true },
    { name: 'price', type: { kind: 'decimal', precision: 10, scale: 2 }, nullable: true },
    { name: 'big_price', type: { kind: 'decimal', precision: 38, scale: 18 }, nullable: false },
    { name: 'attrs', type: { kind: 'primitive', name: 'variant' }, nullable: true },
    {
      name: 'device_info',
      type: {
        kind: 'struct',
        fields: [
          { name: 'model', type: { kind: 'primitive', name: 'string' }, nullable: false },
          { name: 'firmware', type: { kind: 'primitive', name: 'integer' }, nullable: true },
          {
            name: 'location',
            type: {
              kind: 'struct',
              fields: [
                { name: 'lat', type: { kind: 'primitive', name: 'double' }, nullable: true },
                { name: 'lon', type: { kind: 'primitive', name: 'double' }, nullable: true },
              ],
            },
            nullable: true,
          },
        ],
      },
      nullable: true,
      comment: 'Where the reading came from.\nSecond line.',
    },
    {
      name: 'readings',
      type: {
        kind: 'array',
        elementType: {
          kind: 'struct',
          fields: [
            { name: 'at', type: { kind: 'primitive', name: 'timestamp' }, nullable: false },
            { name: 'value', type: { kind: 'primitive', name: 'double' }, nullable: true },
          ],
        },
        containsNull: true,
      },
      nullable: true,
    },
    {
      name: 'tags',
      type: { kind: 'array', elementType: { kind: 'primitive', name: 'string' }, containsNull: true },
      nullable: false,
    },
    {
      name: 'counts',
      type: {
        kind: 'map',
        keyType: { kind: 'primitive', name: 'string' },
        valueType: { kind: 'primitive', name: 'integer' },
        valueContainsNull: true,
      },
      nullable: true,
    },
    {
      name: 'owners',
      type: {
        kind: 'map',
        keyType: { kind: 'primitive', name: 'long' },
        valueType: {
          kind: 'struct',
          fields: [
            { name: 'name', type: { kind: 'primitive', name: 'string' }, nullable: true },
            { name: 'since', type: { kind: 'primitive', name: 'date' }, nullable: true },
          ],
        },
        valueContainsNull: true,
      },
      nullable: true,
    },
  ],
};

/** Ready to pass to `createStream`: its streams take `AllTypes` records, checked at compile time. */
export const tableProperties = new TableProperties<AllTypes>(tableName, descriptorProto, {
  schema: tableSchema,
});
