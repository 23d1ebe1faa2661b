/**
 * The three forms of `ZerobusSdk.createStream`, told apart by their arguments alone:
 *
 * - `(params)`: one plain object (not a TableProperties): the options-object form;
 * - `(clientId, clientSecret, tableProperties, options?, headersProvider?)`: the official
 *   positional form, whenever the second argument is a string or there are three or more;
 * - `(table, options?)`: a TableProperties or a table name, then at most the stream options (an
 *   object): the client credentials are the SDK's.
 *
 * A string first is a table name only in the last form, which a second string argument or a
 * third argument rules out: `createStream(id, secret, table)` can never be read as a table name.
 */
import { NonRetriableError } from './errors.js';
import type { CreateStreamParams } from './sdk-params.js';
import { TableProperties } from './table.js';

const FORMS =
  'createStream(table, options?), createStream(clientId, clientSecret, tableProperties, options?, headersProvider?) ' +
  'or createStream({ table, clientId?, clientSecret?, options?, headersProvider?, signal? })';

function formError(message: string, code: 'INVALID_OPTIONS' | 'INVALID_TABLE_NAME' = 'INVALID_OPTIONS') {
  return new NonRetriableError(code, `${message}; the forms are ${FORMS}`);
}

/** The options-object equivalent of a `createStream` call's arguments. */
export function createStreamParams(args: readonly unknown[]): CreateStreamParams {
  const [first, second] = args;
  // Trailing `undefined`s (an optional argument passed on) do not change the form.
  let count = args.length;
  while (count > 0 && args[count - 1] === undefined) count--;
  if (first instanceof TableProperties) return tableForm(first, second, count);
  if (typeof first === 'object' && first !== null) {
    if (count > 1) {
      throw formError('createStream({ ... }) takes one argument: its stream options go in the `options` field');
    }
    return first as CreateStreamParams;
  }
  if (typeof first !== 'string') {
    throw formError(
      `createStream's first argument must be a table, a client id or an options object, got ${kind(first)}`,
    );
  }
  if (count >= 3 && typeof second === 'object' && second !== null) {
    throw formError(
      'createStream(table, options?) takes at most two arguments, and createStream(clientId, clientSecret, ...) a string second',
    );
  }
  if (count >= 3 || typeof second === 'string') return positionalForm(args);
  if (!first.includes('.')) {
    // Not echoed: a string that is no table name may be a credential passed in the wrong place.
    throw formError(
      'createStream(table, options?) takes a table name catalog.schema.table, and its first argument has no dots',
      'INVALID_TABLE_NAME',
    );
  }
  return tableForm(first, second, count);
}

function tableForm(table: TableProperties | string, options: unknown, count: number): CreateStreamParams {
  if (count > 2) throw formError('createStream(table, options?) takes at most two arguments');
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw formError(`createStream(table, options?) takes the stream options as an object, got ${kind(options)}`);
  }
  return { table, ...(options !== undefined && { options: options as CreateStreamParams['options'] }) };
}

function positionalForm(args: readonly unknown[]): CreateStreamParams {
  const [clientId, clientSecret, table, options, headersProvider] = args;
  if (clientSecret !== undefined && typeof clientSecret !== 'string') {
    throw formError(
      `createStream(clientId, clientSecret, ...) takes clientSecret as a string, got ${kind(clientSecret)}`,
    );
  }
  if (table === undefined) {
    throw formError('createStream(clientId, clientSecret, tableProperties, ...) needs its tableProperties');
  }
  return {
    clientId: clientId as string,
    ...(clientSecret !== undefined && { clientSecret }),
    table: table as TableProperties,
    ...(options !== undefined && { options: options as CreateStreamParams['options'] }),
    ...(headersProvider !== undefined && { headersProvider: headersProvider as CreateStreamParams['headersProvider'] }),
  };
}

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
