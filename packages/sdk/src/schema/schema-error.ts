import { brandClass } from '../brand.js';
import { NonRetriableError } from '../errors.js';

/**
 * A table schema that cannot be used: malformed `type_text`, a Delta schema JSON the model cannot
 * hold, inconsistent Unity Catalog columns. Retrying cannot help, hence non-retriable. Its
 * `code` is `INVALID_SCHEMA`.
 *
 * @example
 * ```ts
 * import { parseTypeText, SchemaError } from '@zerobus/sdk/schema';
 *
 * const text = 'array<int';
 * try {
 *   parseTypeText(text);
 * } catch (error) {
 *   if (!(error instanceof SchemaError)) throw error;
 *   console.error(error.message); // invalid type 'array<int' at position 9: expected '>' but found end of input
 *   console.error(`${text}\n${' '.repeat(error.position ?? 0)}^`); // points at the problem
 * }
 * ```
 */
export class SchemaError extends NonRetriableError {
  static {
    brandClass(SchemaError, 'SchemaError');
  }

  /** `'SchemaError'`. */
  override readonly name: string = 'SchemaError';
  /** Offset (0-based, in UTF-16 code units) in the parsed text where the problem was found. */
  readonly position: number | undefined;
  /** Dotted path of the offending column or field, when the problem is in one. */
  readonly field: string | undefined;

  constructor(message: string, options: { position?: number; field?: string; cause?: unknown } = {}) {
    super('INVALID_SCHEMA', message, { cause: options.cause });
    this.position = options.position;
    this.field = options.field;
  }
}
