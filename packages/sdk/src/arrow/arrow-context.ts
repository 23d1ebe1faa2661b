/**
 * What an Arrow stream is built from (ArrowStreamContext) and the states it goes through
 * (ArrowStreamState), apart from the stream itself so that its module stays about behaviour.
 */
import type { Schema } from 'apache-arrow';
import type { HeadersProvider } from '../auth/headers-provider.js';
import type { StreamState } from '../engine/engine-context.js';
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
 * Where an Arrow stream is in its life: the states of a gRPC stream but `paused` (Arrow Flight
 * has no close signal): `opening`, `open`, `recovering` (reconnecting), `closing` (`close()`
 * under way), then `closed` or `failed` (both final).
 *
 * @example
 * ```ts
 * import type { ArrowStreamState } from '@zerobus/sdk';
 *
 * // Log the transitions an Arrow stream goes through, as its events tell them.
 * const log = (state: ArrowStreamState) => console.info(`Arrow stream to ${arrowStream.tableName}: ${state}`);
 * arrowStream.on('recovering', () => log(arrowStream.state));
 * arrowStream.on('recovered', () => log(arrowStream.state));
 * arrowStream.on('error', () => log(arrowStream.state));
 * ```
 */
export type ArrowStreamState = Exclude<StreamState, 'paused'>;
