/**
 * The metadata of every call a stream opens, gRPC `EphemeralStream` and Arrow Flight `DoPut`
 * alike (PROTOCOL.md §3, §12): the headers provider is asked anew each time, and what it returns
 * is checked and completed in one place. It must give `authorization` (a call without it would
 * only fail on the server, or worse, be accepted by a permissive proxy); the table header is
 * always the stream's own table, and `x-zerobus-sdk` always this SDK's identity.
 */
import { NonRetriableError, ZerobusError } from '../errors.js';
import type { Logger } from '../logger.js';
import { SDK_USER_AGENT } from '../version.js';
import {
  AUTHORIZATION_HEADER,
  type Headers,
  type HeadersProvider,
  SDK_HEADER,
  TABLE_NAME_HEADER,
} from './headers-provider.js';

/** One stream's source of call headers; warns once per stream about a provider naming another table. */
export class CallHeaders {
  readonly #provider: HeadersProvider;
  readonly #tableName: string;
  readonly #logger: Logger;
  #warnedTable = false;

  constructor(provider: HeadersProvider, tableName: string, logger: Logger) {
    this.#provider = provider;
    this.#tableName = tableName;
    this.#logger = logger;
  }

  /**
   * The provider's headers for one call, names lower-cased, with the stream's table and the SDK
   * header set. A provider that throws gives a retriable AUTH_UNAVAILABLE (a fresh attempt may
   * succeed, as after a token endpoint hiccup); one that returns no `authorization` a
   * non-retriable INVALID_OPTIONS error naming the header, before any call is opened.
   */
  async get(signal: AbortSignal): Promise<Headers> {
    let headers: Headers;
    try {
      headers = await this.#provider.getHeaders(signal);
    } catch (error) {
      if (error instanceof ZerobusError) throw error;
      throw new ZerobusError('AUTH_UNAVAILABLE', `the headers provider failed: ${(error as Error)?.message ?? error}`, {
        cause: error,
      });
    }
    if (typeof headers !== 'object' || headers === null) {
      throw new NonRetriableError(
        'INVALID_OPTIONS',
        'the headers provider must return an object of header names to values',
      );
    }
    const lower: Headers = {};
    for (const [key, value] of Object.entries(headers)) lower[key.toLowerCase()] = String(value);
    if (!lower[AUTHORIZATION_HEADER]) {
      // Names only: a provider's values may be secrets.
      const names = Object.keys(lower);
      throw new NonRetriableError(
        'INVALID_OPTIONS',
        `the headers provider returned no "${AUTHORIZATION_HEADER}" header (it returned ${
          names.length === 0 ? 'none' : names.map((name) => JSON.stringify(name)).join(', ')
        }); it must return at least authorization: 'Bearer <token>'`,
      );
    }
    const named = lower[TABLE_NAME_HEADER];
    if (named !== undefined && named.toLowerCase() !== this.#tableName.toLowerCase() && !this.#warnedTable) {
      this.#warnedTable = true;
      this.#logger.warn(
        { table: this.#tableName, providerTable: named },
        `the headers provider's ${TABLE_NAME_HEADER} names another table; the stream's own table is sent`,
      );
    }
    lower[TABLE_NAME_HEADER] = this.#tableName;
    lower[SDK_HEADER] = SDK_USER_AGENT;
    return lower;
  }
}
