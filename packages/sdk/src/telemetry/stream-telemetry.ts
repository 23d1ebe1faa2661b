/**
 * OpenTelemetry instruments for streams, created once per meter and shared by its streams, with
 * the table name as the attribute `zerobus.table`:
 *
 *   zerobus.stream.records.ingested  Counter                 {record}
 *   zerobus.stream.bytes.ingested    Counter                 By
 *   zerobus.stream.records.acked     Counter                 {record}
 *   zerobus.stream.bytes.acked       Counter                 By
 *   zerobus.stream.reconnects        Counter                 {reconnect}
 *   zerobus.stream.inflight.requests ObservableUpDownCounter {request}
 *   zerobus.stream.ack.latency       Histogram               ms
 *
 * The ingest path pays nothing: the counters are brought up to date from each stream's own
 * totals when the meter collects (OpenTelemetry runs observable callbacks before reading the
 * other instruments) and once more when a stream ends. Only the latency histogram is recorded
 * as acknowledgements arrive, one measurement per acknowledged request.
 */
import { attachMetricsSink, type MeasuredStream, streamTotals } from '../engine/internal-symbols.js';
import type { StreamTotals } from '../engine/stream-metrics.js';
import type { Logger } from '../logger.js';
import type { CounterLike, HistogramLike, MeterLike, MetricAttributesLike, ObservableResultLike } from './meter.js';

type Counted = 'recordsIngested' | 'bytesIngested' | 'recordsAcked' | 'bytesAcked' | 'reconnects';

interface BoundStream {
  readonly stream: MeasuredStream;
  readonly table: string;
  readonly attributes: MetricAttributesLike;
  /** What the counters already hold for this stream. */
  readonly reported: Record<Counted, number>;
}

class MeterInstruments {
  readonly #counters: Record<Counted, CounterLike>;
  readonly #latency: HistogramLike;
  readonly #live = new Set<BoundStream>();

  constructor(meter: MeterLike) {
    const counter = (name: string, unit: string, description: string) =>
      meter.createCounter(`zerobus.stream.${name}`, { unit, description });
    this.#counters = {
      recordsIngested: counter('records.ingested', '{record}', 'Records taken by ingest calls'),
      bytesIngested: counter('bytes.ingested', 'By', 'Encoded payload bytes taken by ingest calls'),
      recordsAcked: counter('records.acked', '{record}', 'Records acknowledged as durable'),
      bytesAcked: counter('bytes.acked', 'By', 'Payload bytes acknowledged as durable'),
      reconnects: counter('reconnects', '{reconnect}', 'New connections after the first (recovery, rotation)'),
    };
    this.#latency = meter.createHistogram('zerobus.stream.ack.latency', {
      unit: 'ms',
      description: "From a request's first send to the acknowledgement covering it",
    });
    meter
      .createObservableUpDownCounter('zerobus.stream.inflight.requests', {
        unit: '{request}',
        description: 'Requests taken and not yet acknowledged',
      })
      .addCallback((result) => this.#collect(result));
  }

  add(stream: MeasuredStream): void {
    const table = stream.tableName;
    const bound: BoundStream = {
      stream,
      table,
      attributes: { 'zerobus.table': table },
      reported: { recordsIngested: 0, bytesIngested: 0, recordsAcked: 0, bytesAcked: 0, reconnects: 0 },
    };
    this.#live.add(bound);
    const latency = this.#latency;
    const attributes = bound.attributes;
    stream[attachMetricsSink]({
      latency: (ms) => latency.record(ms, attributes),
      ended: () => {
        this.#report(bound, stream[streamTotals]());
        this.#live.delete(bound);
      },
    });
  }

  /** Adds what each counter gained since the last report. */
  #report(bound: BoundStream, totals: StreamTotals): void {
    for (const name of Object.keys(this.#counters) as Counted[]) {
      const delta = totals[name] - bound.reported[name];
      if (delta > 0) {
        this.#counters[name].add(delta, bound.attributes);
        bound.reported[name] = totals[name];
      }
    }
  }

  #collect(result: ObservableResultLike): void {
    // One observation per table: several streams to one table are summed, not overwritten.
    const inflight = new Map<string, { value: number; attributes: MetricAttributesLike }>();
    for (const bound of this.#live) {
      const totals = bound.stream[streamTotals]();
      this.#report(bound, totals);
      const entry = inflight.get(bound.table);
      if (entry) entry.value += totals.inflightRequests;
      else inflight.set(bound.table, { value: totals.inflightRequests, attributes: bound.attributes });
    }
    for (const { value, attributes } of inflight.values()) result.observe(value, attributes);
  }
}

const byMeter = new WeakMap<MeterLike, MeterInstruments>();

/** Reports `stream` to `meter` until it closes or fails. A meter that throws only costs the metrics. */
export function bindStreamTelemetry(stream: MeasuredStream, meter: MeterLike, logger: Logger): void {
  try {
    let instruments = byMeter.get(meter);
    if (!instruments) {
      instruments = new MeterInstruments(meter);
      byMeter.set(meter, instruments);
    }
    instruments.add(stream);
  } catch (error) {
    logger.warn(
      { error: error instanceof Error ? error.message : String(error) },
      'could not set up OpenTelemetry instruments; the stream reports no metrics',
    );
  }
}
