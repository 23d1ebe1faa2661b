/**
 * What an Arrow stream gained by running on the same engine as a gRPC stream: typed events,
 * `stats()`, OpenTelemetry metrics, `writable()`, `ingestAll()`, `sdk.recreateStream`, and the
 * warning for a headers provider that names another table — each against the real local server
 * over loopback, with the rows read back from the Delta table.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { type DataPoint, type Histogram, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { type ArrowStream, InvalidRecordError, type RecoveringEvent, ZerobusError, ZerobusSdk } from '@zerobus/sdk';
import { Table } from 'apache-arrow';
import { CLIENT_ID, CLIENT_SECRET } from '../support/harness.js';
import { arrowEnv, batchOf, ids, TABLE } from './arrow-env.js';

const LIMIT = { timeout: 60_000 };

class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}

  async read(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const scope of (await this.collect()).resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        const point = (metric.dataPoints as DataPoint<number | Histogram>[]).find(
          (p) => p.attributes['zerobus.table'] === TABLE,
        );
        if (point) out[metric.descriptor.name] = typeof point.value === 'number' ? point.value : point.value.count;
      }
    }
    return out;
  }
}

describe('Arrow streams have what gRPC streams have (one engine)', () => {
  it('emits ack, recovering and recovered events, and counts in stats()', LIMIT, async () => {
    await using env = await arrowEnv();
    const stream = await env.openArrow({ recoveryBackoffMs: 10 });
    const events: unknown[][] = [];
    stream.on('ack', (offset) => events.push(['ack', offset]));
    stream.on('recovering', ({ attempt, error }: RecoveringEvent) => events.push(['recovering', attempt, error.code]));
    stream.on('recovered', ({ streamId, attempts }) => events.push(['recovered', streamId, attempts]));
    await stream.ingestBatchOffset(new Table([batchOf(0, 10), batchOf(10, 15)]));
    await stream.flush();
    env.emulator.faults.stopAcking();
    await stream.ingestBatchOffset(batchOf(15, 20));
    await env.emulator.waitFor(() => env.emulator.stats.flightBatches >= 3);
    env.emulator.faults.dropConnections();
    env.emulator.faults.resumeAcking();
    await stream.flush();
    const stats = stream.stats();
    assert.equal(stats.requestsIngested, 3, 'one request per batch');
    assert.equal(stats.recordsIngested, 20, 'records are rows');
    assert.equal(stats.recordsAcked, 20);
    assert.equal(stats.requestsAcked, 3);
    assert.equal(stats.inflightRequests, 0);
    assert.ok(stats.bytesAcked > 0 && stats.bytesAcked === stats.bytesIngested);
    assert.equal(stats.reconnects, 1);
    assert.ok(stats.ackLatencyMs.count >= 1);
    await stream.close();
    const [recovering, recovered] = events.filter((e) => e[0] !== 'ack');
    assert.deepEqual(recovering?.slice(0, 2), ['recovering', 1]);
    assert.deepEqual(recovered, ['recovered', undefined, 1], 'Arrow Flight calls have no stream id');
    const acked = events.filter((e) => e[0] === 'ack').map((e) => e[1] as number);
    assert.deepEqual(
      acked,
      [...acked].sort((a, b) => a - b),
      'ack events ascend',
    );
    assert.equal(acked.at(-1), 2);
    assert.deepEqual([...new Set((await env.rows()).map(Number))], ids(0, 20).map(Number));
  });

  it("emits 'error' once when it fails, with the failure", LIMIT, async () => {
    await using env = await arrowEnv();
    const stream = await env.openArrow();
    const errors: ZerobusError[] = [];
    stream.on('error', (error) => errors.push(error));
    env.emulator.faults.failFlightAfterRows(1, { status: 'PERMISSION_DENIED' });
    await assert.rejects(
      stream.ingestBatchOffset(batchOf(0, 3)).then((o) => stream.waitForOffset(o!)),
      { code: 'PERMISSION_DENIED' },
    );
    assert.deepEqual(
      errors.map((e) => e.code),
      ['PERMISSION_DENIED'],
    );
  });

  it('reports to an OpenTelemetry meter, as a gRPC stream does', LIMIT, async () => {
    await using env = await arrowEnv();
    const reader = new TestReader();
    const sdk = new ZerobusSdk(env.emulator.endpoint, env.emulator.unityCatalogEndpoint, {
      meter: new MeterProvider({ readers: [reader] }).getMeter('test'),
    });
    const stream = await sdk.createArrowStream({ table: TABLE, schema: batchOf(0, 1).schema, ...credentials() });
    await stream.ingestBatchOffset(batchOf(0, 7));
    await stream.flush();
    await stream.close();
    const got = await reader.read();
    assert.equal(got['zerobus.stream.records.ingested'], 7);
    assert.equal(got['zerobus.stream.records.acked'], 7);
    assert.equal(got['zerobus.stream.ack.latency'], 1);
  });

  it('writable() ends a pipeline of batches and row arrays; ingestAll() takes any iterable', LIMIT, async () => {
    await using env = await arrowEnv();
    const stream = await env.openArrow({ maxInflightBatches: 2 });
    const items = [batchOf(0, 4), [{ id: 4n, name: 'n4' }], new Table([batchOf(5, 8), batchOf(8, 10)])];
    await pipeline(Readable.from(items), stream.writable());
    assert.equal(stream.ackedOffset, 3, 'four batches, each acknowledged before the writable finished');
    async function* more() {
      for (let i = 10; i < 20; i += 2) yield batchOf(i, i + 2);
    }
    const last = await stream.ingestAll(more());
    assert.equal(last, 8);
    await assert.rejects(
      stream.ingestAll([batchOf(20, 21), [{ id: 21n, extra: true }]]),
      (e: unknown) => e instanceof InvalidRecordError && e.recordIndex === 1 && e.field === 'extra',
    );
    await stream.close();
    assert.deepEqual(await env.rows(), ids(0, 21), 'every item once, the one before the bad item included');
  });

  it('sdk.recreateStream re-sends the rows an Arrow stream left unacknowledged, once', LIMIT, async () => {
    await using env = await arrowEnv();
    const stream: ArrowStream = await env.openArrow();
    await stream.ingestBatchOffset(batchOf(0, 5));
    await stream.flush();
    env.emulator.faults.stopAcking();
    await stream.ingestBatchOffset(batchOf(5, 9));
    await stream.ingestBatchOffset(batchOf(9, 12));
    await assert.rejects(
      env.sdk.recreateStream(stream),
      { code: 'INVALID_STATE' },
      'an open stream has nothing to move',
    );
    await assert.rejects(stream.close({ signal: AbortSignal.timeout(200) }), { code: 'ABORTED' });
    assert.equal(stream.getUnackedBatches().length, 2);
    env.emulator.faults.resumeAcking();
    const next = await env.sdk.recreateStream(stream);
    assert.deepEqual(
      next.schema.fields.map((f) => f.name),
      stream.schema.fields.map((f) => f.name),
    );
    assert.equal(next.lastOffset, 1, 'the two batches, at offsets 0 and 1 of the new stream');
    await next.close();
    await assert.rejects(env.sdk.recreateStream(stream), (e: unknown) => {
      return e instanceof ZerobusError && e.code === 'INVALID_STATE' && /already recreated/.test(e.message);
    });
    const other = new ZerobusSdk(env.emulator.endpoint, env.emulator.unityCatalogEndpoint);
    await assert.rejects(other.recreateStream(next), /an Arrow stream created by this ZerobusSdk's createArrowStream/);
    // Rows 5..11 may have been stored by the first stream without an acknowledgement: at least once each.
    assert.deepEqual([...new Set((await env.rows()).map(Number))], ids(0, 12).map(Number));
  });

  it('warns once when the headers provider names another table, and sends its own', LIMIT, async () => {
    await using env = await arrowEnv();
    const stream = await env.openArrowOn({
      headersProvider: {
        getHeaders: async () => ({
          ...(await env.headersProvider.getHeaders()),
          'x-databricks-zerobus-table-name': 'main.other.table',
        }),
      },
    });
    await stream.ingestBatchOffset(batchOf(0, 2));
    await stream.close();
    const warned = env.logs.filter((l) => l.level === 'warn' && /names another table/.test(l.message ?? ''));
    assert.equal(warned.length, 1);
    assert.deepEqual((await env.rows()).map(Number), ids(0, 2).map(Number));
  });
});

function credentials() {
  return { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
}
