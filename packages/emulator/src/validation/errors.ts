/**
 * The two errors validation reports, and the internal one that builds a rejection's field path.
 *
 * A rejection must name the field (`reading.temp`, `items[2].x`, `m["k"]`): the caller turns it
 * into an INVALID_ARGUMENT the client shows the user, and "record 3 is invalid" alone sends
 * them hunting. Converters deep in a value do not know where they are, so they throw `Invalid`
 * with the problem, and each container it passes through on the way out adds its own segment.
 * Building the path only on failure keeps the success path free of string work.
 */

/** A record that does not fit the table; nothing of it may be written. */
export class RecordRejection extends Error {
  override readonly name = 'RecordRejection';
  /** Dotted path of the offending field (`reading.temp`, `items[2].x`), undefined for the record as a whole. */
  readonly field: string | undefined;
  /** The message without the field prefix: what was expected and what was received. */
  readonly detail: string;

  constructor(field: string | undefined, detail: string) {
    super(field === undefined ? detail : `field "${field}": ${detail}`);
    this.field = field;
    this.detail = detail;
  }
}

/** The stream's proto descriptor cannot describe the table (found when the stream is created). */
export class SchemaMismatch extends Error {
  override readonly name = 'SchemaMismatch';
  /** Dotted path of the table column (or descriptor field) concerned, if the problem has one. */
  readonly column: string | undefined;

  constructor(column: string | undefined, detail: string) {
    super(column === undefined ? detail : `column "${column}": ${detail}`);
    this.column = column;
  }
}

/**
 * A value problem on its way up to the record level. Segments are pushed innermost first, each
 * already in its printed form: `.name` for a field, `[2]` for an element, `["k"]` for a map key.
 */
export class Invalid extends Error {
  readonly segments: string[] = [];

  constructor(readonly detail: string) {
    super(detail);
  }

  /** Adds the segment of the container this problem is in (innermost first). */
  atSegment(segment: string): this {
    this.segments.push(segment);
    return this;
  }

  /** The printed path, outermost first, or undefined when the problem is the whole record. */
  path(): string | undefined {
    if (this.segments.length === 0) return undefined;
    let path = '';
    for (let i = this.segments.length - 1; i >= 0; i--) path += this.segments[i];
    return path.startsWith('.') ? path.slice(1) : path;
  }

  toRejection(): RecordRejection {
    return new RecordRejection(this.path(), this.detail);
  }
}

/** Adds `segment` to an `Invalid` passing through a container, and throws it on. */
export function rethrowAt(error: unknown, segment: string): never {
  if (error instanceof Invalid) error.segments.push(segment);
  throw error;
}

/** Path segment of a struct field or column. */
export function fieldSegment(name: string): string {
  return `.${name}`;
}

/** Path segment of a map entry: `["k"]` for string keys, `[5]` for integral ones. */
export function keySegment(key: unknown): string {
  return typeof key === 'string' ? `[${JSON.stringify(key)}]` : `[${String(key)}]`;
}

/** Ends a decode: an `Invalid` becomes the public `RecordRejection`, anything else is a bug and goes on as is. */
export function asRejection(error: unknown): unknown {
  return error instanceof Invalid ? error.toRejection() : error;
}
