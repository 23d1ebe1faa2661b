/**
 * Checks a record batch's IPC layout against its schema before anything of it is read, so that
 * a batch whose buffers contradict themselves is refused instead of read as wrong values.
 * apache-arrow trusts the layout: a buffer region beyond the body is silently cut short, a
 * column shorter than the batch is padded with nulls, an offset past the data yields a shorter
 * string, a null count of 0 drops the validity bitmap. So every field node and buffer region is
 * walked here in the order apache-arrow's VectorLoader consumes them, and checked:
 *
 * - buffer regions 8-byte aligned inside the body (then decompressed, if compressed), field nodes
 *   with 0 ≤ null count ≤ length, exactly as many nodes and buffers as the schema needs;
 * - every column as long as the batch, struct children at least as long as their struct;
 * - validity bitmaps long enough, with as many null bits as the node's null count says;
 * - fixed-width values, booleans and views long enough for the length;
 * - offsets (32 or 64 bit) starting at ≥ 0, never decreasing, ending within the data buffer or
 *   the list's child; fixed-size lists' children long enough;
 * - Utf8View / BinaryView views within their variadic buffers, prefixes matching, UTF-8 valid
 *   for Utf8View (Utf8 / LargeUtf8 text is checked as it is read, see arrow-readers.ts);
 * - dictionary indices of valid slots within the dictionary sent before the batch.
 *
 * A failure throws `BatchLayoutError` naming the column (dotted path) and what is wrong.
 */

import { compressionRegistry, DataType, type Dictionary, type Field } from 'apache-arrow';

/** The parts of apache-arrow's record batch header (ipc/metadata/message.ts) the check reads. */
export interface BatchHeader {
  readonly length: number;
  readonly nodes: readonly { readonly length: number; readonly nullCount: number }[];
  readonly buffers: readonly { readonly offset: number; readonly length: number }[];
  readonly compression: { readonly type: number } | null;
  readonly variadicBufferCounts: readonly number[];
}

export class BatchLayoutError extends Error {
  constructor(column: string | undefined, problem: string) {
    super(column === undefined ? problem : `column "${column}": ${problem}`);
    this.name = 'BatchLayoutError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Body compression: a buffer starts with its uncompressed length (int64), -1 when stored as is. */
const NOT_COMPRESSED = -1n;

class LayoutCursor {
  private node = 0;
  private buffer = 0;
  private variadic = 0;

  constructor(
    private readonly header: BatchHeader,
    private readonly body: Uint8Array,
  ) {}

  nextNode(column: string): { length: number; nullCount: number } {
    const node = this.header.nodes[this.node++];
    if (!node) throw new BatchLayoutError(column, 'the batch has fewer field nodes than its schema has fields');
    const { length, nullCount } = node;
    if (!(Number.isSafeInteger(length) && length >= 0))
      throw new BatchLayoutError(column, `length ${length} is invalid`);
    if (!(Number.isSafeInteger(nullCount) && nullCount >= 0 && nullCount <= length)) {
      throw new BatchLayoutError(column, `null count ${nullCount} is not within its length ${length}`);
    }
    return { length, nullCount };
  }

  nextBuffer(column: string, what: string): Uint8Array {
    const index = this.buffer++;
    const region = this.header.buffers[index];
    if (!region) throw new BatchLayoutError(column, `the batch has no buffer for the ${what}`);
    const { offset, length } = region;
    const end = offset + length;
    if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0)) {
      throw new BatchLayoutError(column, `the ${what} buffer region (offset ${offset}, length ${length}) is invalid`);
    }
    if (offset % 8 !== 0) {
      // The IPC format aligns every buffer to 8 bytes; apache-arrow cannot view others as typed arrays.
      throw new BatchLayoutError(column, `the ${what} buffer starts at byte ${offset}, not a multiple of 8`);
    }
    if (end > this.body.length) {
      throw new BatchLayoutError(
        column,
        `the ${what} buffer (bytes ${offset} to ${end}) lies beyond the ${this.body.length}-byte body`,
      );
    }
    const bytes = this.body.subarray(offset, end);
    return this.header.compression ? decompress(bytes, this.header.compression.type, column, what) : bytes;
  }

  nextVariadicCount(): number {
    return this.header.variadicBufferCounts[this.variadic++] ?? 0;
  }

  /** Throws when nodes or buffers are left over: the header describes more than the schema. */
  finish(): void {
    if (this.node !== this.header.nodes.length || this.buffer !== this.header.buffers.length) {
      throw new BatchLayoutError(
        undefined,
        `the batch has ${this.header.nodes.length} field nodes and ${this.header.buffers.length} buffers, its schema needs ${this.node} and ${this.buffer}`,
      );
    }
  }
}

function decompress(bytes: Uint8Array, type: number, column: string, what: string): Uint8Array {
  if (bytes.length === 0) return bytes;
  if (bytes.length < 8) throw new BatchLayoutError(column, `the compressed ${what} buffer has no length prefix`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const declared = view.getBigInt64(0, true);
  const rest = bytes.subarray(8);
  if (declared === NOT_COMPRESSED) return rest;
  const codec = compressionRegistry.get(type);
  if (!codec?.decode) throw new BatchLayoutError(column, 'the batch is compressed with a codec the server lacks');
  let out: Uint8Array;
  try {
    out = codec.decode(rest);
  } catch (error) {
    throw new BatchLayoutError(column, `the ${what} buffer does not decompress (${(error as Error).message})`);
  }
  if (BigInt(out.length) !== declared) {
    throw new BatchLayoutError(column, `the ${what} buffer decompresses to ${out.length} bytes, not ${declared}`);
  }
  return out;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Whether slot `i` is valid; `bitmap` is undefined when the node has no nulls. */
function isValid(bitmap: Uint8Array | undefined, i: number): boolean {
  return bitmap === undefined || ((bitmap[i >> 3] as number) & (1 << (i & 7))) !== 0;
}

/** The validity bitmap of a node with nulls, checked; undefined when it has none (apache-arrow ignores it then). */
function checkBitmap(bytes: Uint8Array, node: { length: number; nullCount: number }, column: string) {
  // No nulls: writers omit the bitmap (an empty buffer); one that is there must agree.
  if (node.nullCount === 0 && bytes.length === 0) return undefined;
  if (bytes.length * 8 < node.length) {
    throw new BatchLayoutError(
      column,
      `the validity bitmap has ${bytes.length} bytes, ${node.length} rows need ${Math.ceil(node.length / 8)}`,
    );
  }
  const nulls = countNulls(bytes, node.length);
  if (nulls !== node.nullCount) {
    throw new BatchLayoutError(
      column,
      `the validity bitmap marks ${nulls} nulls, the null count says ${node.nullCount}`,
    );
  }
  return nulls === 0 ? undefined : bytes;
}

function needBytes(bytes: Uint8Array, need: number, column: string, what: string): void {
  if (bytes.length < need) {
    throw new BatchLayoutError(column, `the ${what} buffer has ${bytes.length} bytes, ${need} are needed`);
  }
}

/** Checks `length + 1` offsets of `width` bytes: from ≥ 0, never decreasing, ending at most at `limit`. */
function checkOffsets(bytes: Uint8Array, width: 4 | 8, length: number, limit: number, column: string, of: string) {
  if (length === 0 && bytes.length === 0) return;
  needBytes(bytes, (length + 1) * width, column, 'offsets');
  const v = view(bytes);
  const at = (i: number) => (width === 4 ? v.getInt32(i * 4, true) : Number(v.getBigInt64(i * 8, true)));
  let previous = at(0);
  if (previous < 0) throw new BatchLayoutError(column, `offset 0 is negative (${previous})`);
  for (let i = 1; i <= length; i++) {
    const next = at(i);
    if (next < previous) {
      throw new BatchLayoutError(column, `offsets decrease: offset ${i - 1} is ${previous}, offset ${i} is ${next}`);
    }
    previous = next;
  }
  if (previous > limit) {
    throw new BatchLayoutError(column, `offset ${length} is ${previous}, beyond the ${limit} ${of}`);
  }
}

/** Bits per value of a fixed-width type; undefined for the others. */
function fixedWidthBits(type: DataType): number | undefined {
  if (DataType.isInt(type) || DataType.isTime(type) || DataType.isDecimal(type)) return type.bitWidth;
  if (DataType.isFloat(type)) return [16, 32, 64][type.precision];
  if (DataType.isDate(type)) return type.unit === 0 ? 32 : 64;
  if (DataType.isTimestamp(type) || DataType.isDuration(type)) return 64;
  if (DataType.isInterval(type)) return [32, 64, 128][type.unit];
  if (DataType.isFixedSizeBinary(type)) return type.byteWidth * 8;
  return undefined;
}

/** Looks up how many values a dictionary id has (sent before the batch); undefined when none. */
export type DictionaryLengths = (id: number) => number | undefined;

class LayoutCheck {
  constructor(
    private readonly cursor: LayoutCursor,
    private readonly dictionaryLength: DictionaryLengths,
  ) {}

  /** Checks one field's nodes and buffers (and its children's); returns its length. */
  field(type: DataType, column: string): number {
    const { cursor } = this;
    const node = cursor.nextNode(column);
    const { length } = node;
    if (DataType.isNull(type)) return length;
    const bitmap = checkBitmap(cursor.nextBuffer(column, 'validity bitmap'), node, column);
    if (DataType.isDictionary(type)) {
      this.dictionaryIndices(type, cursor.nextBuffer(column, 'dictionary indices'), length, bitmap, column);
      return length;
    }
    const bits = fixedWidthBits(type);
    if (bits !== undefined) {
      needBytes(cursor.nextBuffer(column, 'values'), Math.ceil((length * bits) / 8), column, 'values');
    } else if (DataType.isBool(type)) {
      needBytes(cursor.nextBuffer(column, 'values'), Math.ceil(length / 8), column, 'values');
    } else if (
      DataType.isUtf8(type) ||
      DataType.isBinary(type) ||
      DataType.isLargeUtf8(type) ||
      DataType.isLargeBinary(type)
    ) {
      const width = DataType.isUtf8(type) || DataType.isBinary(type) ? 4 : 8;
      const offsets = cursor.nextBuffer(column, 'offsets');
      const data = cursor.nextBuffer(column, 'data');
      checkOffsets(offsets, width, length, data.length, column, 'bytes of its data buffer');
    } else if (DataType.isUtf8View(type) || DataType.isBinaryView(type)) {
      const views = cursor.nextBuffer(column, 'views');
      const buffers = Array.from({ length: cursor.nextVariadicCount() }, () =>
        cursor.nextBuffer(column, 'variadic data'),
      );
      checkViews(views, buffers, length, bitmap, DataType.isUtf8View(type), column);
    } else if (DataType.isList(type) || DataType.isLargeList(type) || DataType.isMap(type)) {
      const offsets = cursor.nextBuffer(column, 'offsets');
      const child = type.children[0] as Field;
      const childLength = this.field(child.type, `${column}.${child.name}`);
      checkOffsets(offsets, DataType.isLargeList(type) ? 8 : 4, length, childLength, column, 'values of its child');
    } else if (DataType.isFixedSizeList(type)) {
      const child = type.children[0] as Field;
      const childLength = this.field(child.type, `${column}.${child.name}`);
      if (childLength < length * type.listSize) {
        throw new BatchLayoutError(
          column,
          `its child has ${childLength} values, ${length} lists of ${type.listSize} need ${length * type.listSize}`,
        );
      }
    } else if (DataType.isStruct(type)) {
      for (const child of type.children) {
        const childColumn = `${column}.${child.name}`;
        const childLength = this.field(child.type, childColumn);
        if (childLength < length) {
          throw new BatchLayoutError(childColumn, `has ${childLength} values, its struct has ${length}`);
        }
      }
    } else {
      throw new BatchLayoutError(column, `Arrow type ${String(type)} cannot be checked by the server`);
    }
    return length;
  }

  private dictionaryIndices(
    type: Dictionary,
    bytes: Uint8Array,
    length: number,
    bitmap: Uint8Array | undefined,
    column: string,
  ): void {
    const indices = type.indices;
    if (!DataType.isInt(indices)) throw new BatchLayoutError(column, 'dictionary indices are not integers');
    const width = indices.bitWidth / 8;
    needBytes(bytes, length * width, column, 'dictionary indices');
    const size = this.dictionaryLength(type.id);
    if (size === undefined) {
      if (length > (bitmap ? countNulls(bitmap, length) : 0)) {
        throw new BatchLayoutError(column, `no dictionary batch with id ${type.id} was sent before this batch`);
      }
      return;
    }
    const v = view(bytes);
    for (let i = 0; i < length; i++) {
      if (!isValid(bitmap, i)) continue;
      const key = readInt(v, i, width, indices.isSigned);
      if (!(key >= 0 && key < size)) {
        throw new BatchLayoutError(
          column,
          `dictionary index ${key} (row ${i}) is out of range: dictionary ${type.id} has ${size} values`,
        );
      }
    }
  }
}

/** Set bits per byte value. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x !== 0; x >>= 1) n += x & 1;
  return n;
});

/** Zero bits among the first `length` bits: whole bytes by table, the last partial byte bit by bit. */
function countNulls(bitmap: Uint8Array, length: number): number {
  const whole = length >> 3;
  let valid = 0;
  for (let i = 0; i < whole; i++) valid += POPCOUNT[bitmap[i] as number] as number;
  for (let i = whole * 8; i < length; i++) if (isValid(bitmap, i)) valid++;
  return length - valid;
}

function readInt(v: DataView, i: number, width: number, signed: boolean): number {
  switch (width) {
    case 1:
      return signed ? v.getInt8(i) : v.getUint8(i);
    case 2:
      return signed ? v.getInt16(i * 2, true) : v.getUint16(i * 2, true);
    case 4:
      return signed ? v.getInt32(i * 4, true) : v.getUint32(i * 4, true);
    default:
      return Number(signed ? v.getBigInt64(i * 8, true) : v.getBigUint64(i * 8, true));
  }
}

/** Views: 16 bytes each, inline up to 12 bytes, else a prefix, a buffer index and an offset. */
function checkViews(
  views: Uint8Array,
  buffers: readonly Uint8Array[],
  length: number,
  bitmap: Uint8Array | undefined,
  text: boolean,
  column: string,
): void {
  needBytes(views, length * 16, column, 'views');
  const v = view(views);
  for (let i = 0; i < length; i++) {
    if (!isValid(bitmap, i)) continue;
    const base = i * 16;
    const size = v.getInt32(base, true);
    if (size < 0) throw new BatchLayoutError(column, `view ${i} has a negative length (${size})`);
    let value: Uint8Array;
    if (size <= 12) {
      value = views.subarray(base + 4, base + 4 + size);
    } else {
      const index = v.getInt32(base + 8, true);
      const offset = v.getInt32(base + 12, true);
      const buffer = buffers[index];
      if (!buffer || offset < 0 || offset + size > buffer.length) {
        throw new BatchLayoutError(
          column,
          `view ${i} (buffer ${index}, offset ${offset}, length ${size}) lies outside its data buffers`,
        );
      }
      value = buffer.subarray(offset, offset + size);
      for (let b = 0; b < 4; b++) {
        if (value[b] !== views[base + 4 + b])
          throw new BatchLayoutError(column, `view ${i}'s prefix does not match its data`);
      }
    }
    if (text) {
      try {
        utf8.decode(value);
      } catch {
        throw new BatchLayoutError(column, `value ${i} is not valid UTF-8`);
      }
    }
  }
}

/**
 * Checks a record (or dictionary) batch's layout against `fields`: throws BatchLayoutError.
 * `body` is the message body the header's buffer regions point into.
 */
export function checkBatchLayout(
  fields: readonly Field[],
  header: BatchHeader,
  body: Uint8Array,
  dictionaryLength: DictionaryLengths,
): void {
  if (!(Number.isSafeInteger(header.length) && header.length >= 0)) {
    throw new BatchLayoutError(undefined, `the batch length ${header.length} is invalid`);
  }
  const cursor = new LayoutCursor(header, body);
  const check = new LayoutCheck(cursor, dictionaryLength);
  for (const field of fields) {
    const length = check.field(field.type, field.name);
    if (length !== header.length) {
      throw new BatchLayoutError(field.name, `has ${length} values, the batch has ${header.length} rows`);
    }
  }
  cursor.finish();
}
