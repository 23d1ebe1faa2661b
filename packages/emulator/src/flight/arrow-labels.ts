/**
 * How error messages name Arrow types: the IPC format's names with their parameters
 * (`Int32`, `Timestamp(ns, tz=UTC)`, `Decimal128(10, 2)`, `List<Utf8>`), so that a message
 * about a schema mismatch names both sides in their own vocabulary.
 */

import { DataType, DateUnit, Precision, TimeUnit } from 'apache-arrow';

const UNIT: Record<number, string> = {
  [TimeUnit.SECOND]: 's',
  [TimeUnit.MILLISECOND]: 'ms',
  [TimeUnit.MICROSECOND]: 'us',
  [TimeUnit.NANOSECOND]: 'ns',
};

export function arrowTypeLabel(type: DataType): string {
  if (DataType.isNull(type)) return 'Null';
  if (DataType.isInt(type)) return `${type.isSigned ? 'Int' : 'Uint'}${type.bitWidth}`;
  if (DataType.isFloat(type)) {
    return type.precision === Precision.HALF ? 'Float16' : type.precision === Precision.SINGLE ? 'Float32' : 'Float64';
  }
  if (DataType.isBool(type)) return 'Bool';
  if (DataType.isUtf8(type)) return 'Utf8';
  if (DataType.isLargeUtf8(type)) return 'LargeUtf8';
  if (DataType.isUtf8View(type)) return 'Utf8View';
  if (DataType.isBinary(type)) return 'Binary';
  if (DataType.isLargeBinary(type)) return 'LargeBinary';
  if (DataType.isBinaryView(type)) return 'BinaryView';
  if (DataType.isFixedSizeBinary(type)) return `FixedSizeBinary(${type.byteWidth})`;
  if (DataType.isDate(type)) return type.unit === DateUnit.DAY ? 'Date32' : 'Date64';
  if (DataType.isTimestamp(type)) {
    const unit = UNIT[type.unit] ?? String(type.unit);
    return type.timezone ? `Timestamp(${unit}, tz=${type.timezone})` : `Timestamp(${unit})`;
  }
  if (DataType.isTime(type)) return `Time${type.bitWidth}(${UNIT[type.unit] ?? type.unit})`;
  if (DataType.isDuration(type)) return `Duration(${UNIT[type.unit] ?? type.unit})`;
  if (DataType.isDecimal(type)) return `Decimal${type.bitWidth}(${type.precision}, ${type.scale})`;
  if (DataType.isList(type)) return `List<${arrowTypeLabel(type.valueType)}>`;
  if (DataType.isLargeList(type)) return `LargeList<${arrowTypeLabel(type.valueType)}>`;
  if (DataType.isFixedSizeList(type)) return `FixedSizeList(${type.listSize})<${arrowTypeLabel(type.valueType)}>`;
  if (DataType.isMap(type)) {
    const [key, value] = type.children[0]?.type.children ?? [];
    return `Map<${key ? arrowTypeLabel(key.type) : '?'}, ${value ? arrowTypeLabel(value.type) : '?'}>`;
  }
  if (DataType.isStruct(type)) {
    const fields = type.children;
    const shown = fields.slice(0, 4).map((f) => `${f.name}: ${arrowTypeLabel(f.type)}`);
    return `Struct<${shown.join(', ')}${fields.length > 4 ? ', …' : ''}>`;
  }
  if (DataType.isDictionary(type)) {
    return `Dictionary<${arrowTypeLabel(type.indices)}, ${arrowTypeLabel(type.dictionary)}>`;
  }
  return String(type);
}
