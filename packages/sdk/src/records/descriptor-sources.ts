/**
 * Record descriptors from where users keep their schemas, with no protoc involved:
 * - a `.proto` file or its text, parsed by protobufjs (an optional peer dependency, loaded only
 *   here, so it costs nothing to users who do not call this);
 * - a serialized `google.protobuf.FileDescriptorSet` (`protoc --descriptor_set_out`, `buf build
 *   -o`), read with @bufbuild/protobuf.
 * Both give a `DescriptorInput` that any stream takes. `TableProperties.fromTable` covers the
 * third source, the table itself.
 */
import { readFile } from 'node:fs/promises';
import { createFileRegistry, type DescMessage, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { NonRetriableError } from '../errors.js';
import type { ProtobufJsTypeLike } from './descriptor-protobufjs.js';

function descriptorError(message: string, cause?: unknown): NonRetriableError {
  return new NonRetriableError('INVALID_DESCRIPTOR', message, { cause });
}

/** The one message `wanted` names (a full name, or a short name that is unique), or the only one there is. */
function pick<T>(messages: ReadonlyMap<string, T>, wanted: string | undefined, where: string): T {
  const names = [...messages.keys()];
  if (wanted === undefined) {
    if (names.length === 1) return messages.get(names[0]!)!;
    throw descriptorError(
      `${where} defines ${names.length === 0 ? 'no message' : `${names.length} messages (${names.join(', ')})`}; name the record's message`,
    );
  }
  const exact = messages.get(wanted.replace(/^\./, ''));
  if (exact !== undefined) return exact;
  const bySuffix = names.filter((name) => name === wanted || name.endsWith(`.${wanted}`));
  if (bySuffix.length === 1) return messages.get(bySuffix[0]!)!;
  throw descriptorError(
    bySuffix.length > 1
      ? `${where}: message ${wanted} is ambiguous (${bySuffix.join(', ')}); give its full name`
      : `${where} has no message ${wanted} (it has ${names.join(', ') || 'none'})`,
  );
}

interface ProtobufJsModule {
  parse(source: string, options: { keepCase: boolean }): { root: ProtobufJsRoot };
}
interface ProtobufJsRoot {
  resolveAll(): unknown;
  nestedArray: readonly ProtobufJsNested[];
}
interface ProtobufJsNested {
  readonly fullName: string;
  readonly fields?: unknown;
  readonly nestedArray?: readonly ProtobufJsNested[];
}

async function loadProtobufJs(): Promise<ProtobufJsModule> {
  try {
    const module = (await import('protobufjs')) as unknown as { default?: ProtobufJsModule } & ProtobufJsModule;
    return module.default ?? module;
  } catch (cause) {
    throw descriptorError('reading .proto text needs the protobufjs package: npm install protobufjs', cause);
  }
}

/**
 * The message `messageName` of proto text (proto2 or proto3). Field names are kept as written
 * (`keepCase`): the server matches them to column names exactly. Imports are not followed; put
 * every type the record uses in the text.
 *
 * @example
 * ```ts
 * import { descriptorFromProtoText, TableProperties } from '@zerobus/sdk';
 *
 * const descriptor = await descriptorFromProtoText(
 *   `syntax = "proto2";
 *    message Reading {
 *      required string device_id = 1; // stays device_id, the column's name
 *      optional double temp = 2;
 *      optional int64 at = 3; // TIMESTAMP: microseconds since the epoch
 *    }`,
 *   'Reading',
 * );
 * const stream = await sdk.createStream(clientId, clientSecret, new TableProperties('main.iot.readings', descriptor));
 * stream.ingestRecordNowait({ device_id: 'pump-7', temp: 21.5, at: Date.now() * 1000 });
 * ```
 */
export async function descriptorFromProtoText(text: string, messageName?: string): Promise<ProtobufJsTypeLike> {
  const protobuf = await loadProtobufJs();
  let root: ProtobufJsRoot;
  try {
    root = protobuf.parse(text, { keepCase: true }).root;
    root.resolveAll();
  } catch (cause) {
    throw descriptorError(`the .proto text does not parse: ${(cause as Error).message}`, cause);
  }
  // Every message by full name; without a name asked for, only those not nested in another
  // message are candidates (nested ones are parts of a record).
  const messages = new Map<string, ProtobufJsNested>();
  const topLevel = new Map<string, ProtobufJsNested>();
  const visit = (items: readonly ProtobufJsNested[], insideMessage: boolean) => {
    for (const item of items) {
      const isMessage = item.fields !== undefined;
      if (isMessage) {
        const name = item.fullName.replace(/^\./, '');
        messages.set(name, item);
        if (!insideMessage) topLevel.set(name, item);
      }
      if (item.nestedArray) visit(item.nestedArray, insideMessage || isMessage);
    }
  };
  visit(root.nestedArray, false);
  const candidates = messageName === undefined ? topLevel : messages;
  return pick(candidates, messageName, 'the .proto text') as unknown as ProtobufJsTypeLike;
}

/**
 * The message `messageName` of a `.proto` file, read as {@link descriptorFromProtoText} reads
 * text: field names as written, imports not followed. Errors name the file.
 *
 * @example
 * ```ts
 * import { descriptorFromProtoFile, TableProperties } from '@zerobus/sdk';
 *
 * // Written by `zerobus generate-proto --table main.iot.readings --output readings.proto --proto-msg Reading`.
 * const descriptor = await descriptorFromProtoFile('readings.proto', 'Reading');
 * const table = new TableProperties('main.iot.readings', descriptor);
 * ```
 */
export async function descriptorFromProtoFile(path: string, messageName?: string): Promise<ProtobufJsTypeLike> {
  const text = await readFile(path, 'utf8');
  try {
    return await descriptorFromProtoText(text, messageName);
  } catch (error) {
    if (error instanceof NonRetriableError) {
      throw descriptorError(`${path}: ${error.message.replace(/^the \.proto text:? ?/, '')}`, error.cause);
    }
    throw error;
  }
}

/**
 * The message `messageName` of a serialized FileDescriptorSet holding its file and the files it
 * imports: the way to use a schema whose `.proto` files import others.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { descriptorFromFileDescriptorSet, TableProperties } from '@zerobus/sdk';
 *
 * // Written by `buf build -o readings.binpb`, or `protoc --include_imports --descriptor_set_out=readings.binpb ...`.
 * const descriptor = descriptorFromFileDescriptorSet(await readFile('readings.binpb'), 'acme.iot.v1.Reading');
 * const stream = await sdk.createStream(clientId, clientSecret, new TableProperties('main.iot.readings', descriptor));
 * ```
 */
export function descriptorFromFileDescriptorSet(bytes: Uint8Array, messageName?: string): DescMessage {
  let messages: Map<string, DescMessage>;
  try {
    const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes));
    messages = new Map([...registry].filter((d) => d.kind === 'message').map((d) => [d.typeName, d as DescMessage]));
  } catch (cause) {
    throw descriptorError(`not a usable FileDescriptorSet: ${(cause as Error).message}`, cause);
  }
  return pick(messages, messageName, 'the FileDescriptorSet');
}
