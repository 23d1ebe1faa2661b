/**
 * Checks on what a stream carries: the proto descriptor of create_stream and each record of an
 * ingest request. They catch client bugs (bytes that are not JSON, not protobuf) the way the real
 * service does, with a reason the error status can name. Checking proto records against their
 * descriptor's fields is left to the Delta-writing issue, which needs a full decoder anyway.
 */

import { WireDecodeError, WireReader } from '@zerobus/sdk/wire';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Walks a message's top-level fields; throws WireDecodeError on malformed bytes. */
function walkFields(
  bytes: Uint8Array,
  onField?: (field: number, wireType: number, reader: WireReader) => boolean,
): void {
  const reader = new WireReader(bytes);
  while (!reader.done) {
    const [field, wireType] = reader.tag();
    if (!onField?.(field, wireType, reader)) reader.skip(wireType);
  }
}

/** Why `bytes` is not a usable serialized `google.protobuf.DescriptorProto`, or undefined. */
export function checkDescriptor(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes || bytes.length === 0) return 'proto streams need descriptor_proto (the record message descriptor)';
  let name: string | undefined;
  try {
    walkFields(bytes, (field, wireType, reader) => {
      if (field !== 1) return false;
      reader.expect(2, wireType, 'DescriptorProto.name');
      name = reader.string();
      return true;
    });
  } catch (error) {
    return `descriptor_proto is not a valid DescriptorProto: ${reason(error)}`;
  }
  if (!name) return 'descriptor_proto has no message name';
  return undefined;
}

/** The JSON text of a record, or the reason it is not a JSON object. */
export function parseJsonRecord(bytes: Uint8Array): { text: string } | { error: string } {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { error: 'record is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `record is not valid JSON (${reason(error)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      error: `record must be a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    };
  }
  return { text };
}

/** Why `bytes` is not a well-formed protobuf message, or undefined. */
export function checkProtoRecord(bytes: Uint8Array): string | undefined {
  try {
    walkFields(bytes);
    return undefined;
  } catch (error) {
    return error instanceof WireDecodeError
      ? `record is not a valid protobuf message (${error.message})`
      : reason(error);
  }
}
