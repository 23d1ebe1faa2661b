/**
 * Which OpenTelemetry meter a stream reports to, if any. The rule:
 *
 * 1. `meter: null` in the ZerobusSdk options: none.
 * 2. `meter: someMeter`: that one.
 * 3. Otherwise, when an OpenTelemetry global MeterProvider is registered at the time the stream
 *    is created (`metrics.setGlobalMeterProvider`, as the Node.js OpenTelemetry SDK does), the
 *    meter `@zerobus/sdk` from it.
 * 4. Otherwise none.
 *
 * `@opentelemetry/api` (an optional peer dependency) is imported only in case 3, when the
 * application evidently uses it; case 3 is detected without loading anything, through the
 * versioned global where every copy of the API keeps its registrations. The SDK's types
 * describe the few meter methods it calls, so its declarations never name the package either.
 */
import type { Logger } from '../logger.js';
import { SDK_VERSION } from '../version.js';

/** Attributes of a measurement. */
export type MetricAttributesLike = Record<string, string | number | boolean | undefined>;

export interface InstrumentOptionsLike {
  description?: string;
  unit?: string;
}

export interface CounterLike {
  add(value: number, attributes?: MetricAttributesLike): void;
}

export interface HistogramLike {
  record(value: number, attributes?: MetricAttributesLike): void;
}

export interface ObservableResultLike {
  observe(value: number, attributes?: MetricAttributesLike): void;
}

export interface ObservableLike {
  addCallback(callback: (result: ObservableResultLike) => void): void;
}

/**
 * The part of an OpenTelemetry `Meter` (`@opentelemetry/api`) the SDK uses; a real Meter fits.
 *
 * @example
 * ```ts
 * import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
 * import { ZerobusSdk } from '@zerobus/sdk';
 *
 * // A MeterProvider that is not registered globally: streams report to it through `meter` only.
 * const provider = new MeterProvider({
 *   readers: [new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: 60_000 })],
 * });
 * const sdk = new ZerobusSdk(serverEndpoint, unityCatalogEndpoint, { meter: provider.getMeter('ingest-service') });
 * // Each stream reports zerobus.stream.records.ingested, ...records.acked, ...ack.latency (ms), ...
 * // with the attribute zerobus.table.
 * ```
 */
export interface MeterLike {
  /** Creates a counter (`Meter.createCounter`). */
  createCounter(name: string, options?: InstrumentOptionsLike): CounterLike;
  /** Creates a histogram (`Meter.createHistogram`). */
  createHistogram(name: string, options?: InstrumentOptionsLike): HistogramLike;
  /** Creates an observable up-down counter (`Meter.createObservableUpDownCounter`). */
  createObservableUpDownCounter(name: string, options?: InstrumentOptionsLike): ObservableLike;
}

/** Where @opentelemetry/api 1.x keeps its global registrations (shared by every copy of it). */
const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** Whether a global MeterProvider is registered; looks without loading @opentelemetry/api. */
export function globalMeterProviderRegistered(): boolean {
  const registry = (globalThis as Record<symbol, unknown>)[OTEL_GLOBAL];
  return typeof registry === 'object' && registry !== null && (registry as { metrics?: unknown }).metrics != null;
}

/** Loads @opentelemetry/api; replaceable in tests. */
export type ApiLoader = () => Promise<{ metrics: { getMeter(name: string, version?: string): MeterLike } }>;

const loadApi: ApiLoader = () => import('@opentelemetry/api');

/** The meter a new stream reports to under the rule above, or undefined. */
export async function resolveMeter(
  option: MeterLike | null | undefined,
  logger: Logger,
  load: ApiLoader = loadApi,
): Promise<MeterLike | undefined> {
  if (option === null) return undefined;
  if (option !== undefined) return option;
  if (!globalMeterProviderRegistered()) return undefined;
  try {
    const api = await load();
    return api.metrics.getMeter('@zerobus/sdk', SDK_VERSION);
  } catch (error) {
    // Registered through a copy of the API this package cannot resolve: report nothing rather than fail.
    logger.debug(
      { error: error instanceof Error ? error.message : String(error) },
      'a global MeterProvider is registered but @opentelemetry/api could not be loaded; no metrics',
    );
    return undefined;
  }
}
