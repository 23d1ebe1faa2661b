/**
 * How encoders report a record that does not fit: a cheap internal error that collects the
 * field path while it unwinds, turned into the public `InvalidRecordError` at the top.
 */

import { InvalidRecordError } from '../errors.js';
import { describeValue } from './value-describe.js';

const MAX_KEY = 40;

/**
 * Raised deep inside the encoders and caught by `encode()`, which turns it into an
 * `InvalidRecordError`. Each enclosing message or array adds its segment while the error
 * unwinds, so the success path never builds paths.
 */
export class RecordFault extends Error {
  /** Path segments, innermost first: `["temp", "reading"]` for `reading.temp`. */
  readonly segments: string[] = [];

  constructor(
    /** The complete message once the path is known; `{path}` marks where the path goes. */
    readonly template: string,
  ) {
    super(template);
  }

  static mismatch(expected: string, value: unknown): RecordFault {
    return new RecordFault(`field "{path}" expects ${expected}, got ${describeValue(value)}`);
  }

  /** `field "<path>": expected <what>, got <value><why>`: how the schema checks (schema-check.ts) refuse a value. */
  static expected(this: void, what: string, value: unknown, why = ''): RecordFault {
    return new RecordFault(`field "{path}": expected ${what}, got ${describeValue(value)}${why}`);
  }

  /** The dotted path, with array indices and map keys in brackets: `items[2].value`. */
  path(): string {
    let out = '';
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const seg = this.segments[i]!;
      out += seg.startsWith('[') || out === '' ? seg : `.${seg}`;
    }
    return out;
  }

  render(recordIndex: number): string {
    return `record ${recordIndex}: ${this.template.replace('{path}', () => this.path())}`;
  }
}

/** Adds an enclosing segment to a fault passing through; other errors pass untouched. */
export function addSegment(error: unknown, segment: string): unknown {
  if (error instanceof RecordFault) error.segments.push(segment);
  return error;
}

/** `[3]` for array items, `["key"]` for map entries (keys truncated). */
export function indexSegment(index: number | string): string {
  return typeof index === 'number'
    ? `[${index}]`
    : `[${JSON.stringify(index.length > MAX_KEY ? `${index.slice(0, MAX_KEY)}…` : index)}]`;
}

/** The public error for a fault (or for anything else a user callback such as `toJSON` threw). */
export function toRecordError(error: unknown, recordIndex: number): InvalidRecordError {
  if (error instanceof InvalidRecordError) return error;
  if (error instanceof RecordFault) {
    const field = error.path();
    return new InvalidRecordError(error.render(recordIndex), { recordIndex, field: field || undefined });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new InvalidRecordError(`record ${recordIndex} could not be encoded: ${reason}`, { recordIndex, cause: error });
}
