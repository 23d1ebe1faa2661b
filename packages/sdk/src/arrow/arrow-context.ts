/**
 * What an Arrow stream is built from (ArrowStreamContext) and the states it goes through
 * (ArrowStreamState), apart from the stream itself so that its module stays about behaviour.
 */
import type { Schema } from 'apache-arrow';
import type { HeadersProvider } from '../auth/headers-provider.js';
import type { Logger } from '../logger.js';
import type { Channel } from '../transport/channel.js';
import type { Arrow } from './arrow-module.js';
import type { ResolvedArrowOptions } from './arrow-options.js';

export interface ArrowStreamContext {
  readonly arrow: Arrow;
  readonly channel: Channel;
  readonly tableName: string;
  readonly schema: Schema;
  readonly headersProvider: HeadersProvider;
  readonly options: ResolvedArrowOptions;
  readonly logger: Logger;
}

/**
 * Where an Arrow stream is in its life: `opening`, `open`, `recovering` (reconnecting), `closing`
 * (`close()` under way), then `closed` or `failed` (both final).
 *
 * @example
 * ```ts
 * import type { ArrowStreamState } from '@zerobus/sdk';
 *
 * // An Arrow stream emits no events: log its transitions by polling.
 * let last: ArrowStreamState = arrowStream.state;
 * setInterval(() => {
 *   const now = arrowStream.state;
 *   if (now !== last) console.info(`Arrow stream to ${arrowStream.tableName}: ${last} → ${now}`);
 *   last = now;
 * }, 1_000).unref();
 * ```
 */
export type ArrowStreamState = 'opening' | 'open' | 'recovering' | 'closing' | 'closed' | 'failed';
