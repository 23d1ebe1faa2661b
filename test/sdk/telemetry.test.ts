import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { metrics } from '@opentelemetry/api';
import { type DataPoint, type Histogram, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { CLIENT_ID, CLIENT_SECRET, TABLE, withHarness } from '../support/harness.js';

/** A reader the test collects from when it wants: no timers. */
class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}

  /** Metric name → value of its data point for `table` (a histogram gives its count). */
  async read(table = TABLE): Promise<Record<string, number>> {
    const { resourceMetrics } = await this.collect();
    const out: Record<string, number> = {};
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        const points = metric.dataPoints as DataPoint<number | Histogram>[];
        const point = points.find((p) => p.attributes['zerobus.table'] === table);
        if (point) out[metric.descriptor.name] = typeof point.value === 'number' ? point.value : point.value.count;
      }
    }
    return out;
  }
}

function provider(): { provider: MeterProvider; reader: TestReader } {
  const reader = new TestReader();
  return { provider: new MeterProvider({ readers: [reader] }), reader };
}

const runProbe = promisify(execFile);
const probe = fileURLToPath(new URL('../support/otel-probe.ts', import.meta.url));

interface ProbeResult {
  mode: string;
  loaded: number;
  instruments: string[];
}

async function probeRun(...modes: string[]): Promise<ProbeResult[]> {
  const { stdout } = await runProbe(
    process.execPath,
    ['--conditions=@zerobus/source', '--import', 'tsx', probe, ...modes],
    {
      env: { ...process.env, ZEROBUS_LOG: 'silent' },
    },
  );
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ProbeResult);
}

describe('OpenTelemetry metrics', () => {
  it('records counters, the in-flight gauge and ack latency to the meter given', async () => {
    await withHarness(async ({ emulator }) => {
      const { provider: meterProvider, reader } = provider();
      const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, {
        meter: meterProvider.getMeter('test'),
      });
      const stream = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), {
        recordType: 'json',
        recoveryBackoffMs: 20,
      });
      for (let i = 0; i < 7; i++) await stream.ingestRecordOffset({ i }); // 7 bytes each
      stream.ingestRecordsNowait([{ i: 7 }, { i: 8 }, { i: 9 }]);
      await stream.flush();
      assert.deepEqual(await reader.read(), {
        'zerobus.stream.records.ingested': 10,
        'zerobus.stream.bytes.ingested': 70,
        'zerobus.stream.records.acked': 10,
        'zerobus.stream.bytes.acked': 70,
        'zerobus.stream.ack.latency': 8, // one per request: seven records and one batch
        'zerobus.stream.inflight.requests': 0,
      });

      emulator.faults.stopAcking();
      stream.ingestRecordNowait({ i: 10 });
      await emulator.waitForRecords(TABLE, 11);
      const during = await reader.read();
      assert.equal(during['zerobus.stream.records.ingested'], 11, 'up to date at every collection');
      assert.equal(during['zerobus.stream.inflight.requests'], 1);
      emulator.faults.dropConnections();
      emulator.faults.resumeAcking();
      await stream.close();
      const after = await reader.read();
      assert.equal(after['zerobus.stream.reconnects'], 1);
      assert.equal(after['zerobus.stream.records.acked'], 11);
      assert.equal(after['zerobus.stream.ack.latency'], 9);

      // A second stream to the same table adds to the same series.
      const second = await sdk.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), {
        recordType: 'json',
      });
      await second.ingestAll([{ i: 11 }, { i: 12 }]);
      await second.close();
      assert.equal((await reader.read())['zerobus.stream.records.acked'], 13);
      await meterProvider.shutdown();
    });
  });

  it('uses the global MeterProvider when no meter is given, and none with meter: null', async () => {
    await withHarness(async ({ emulator }) => {
      const { provider: meterProvider, reader } = provider();
      metrics.setGlobalMeterProvider(meterProvider);
      try {
        const viaGlobal = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
        const stream = await viaGlobal.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), {
          recordType: 'json',
        });
        await stream.ingestAll([{ i: 0 }, { i: 1 }, { i: 2 }]);
        await stream.close();
        const off = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, { meter: null });
        const quiet = await off.createStream(CLIENT_ID, CLIENT_SECRET, new TableProperties(TABLE), {
          recordType: 'json',
        });
        await quiet.ingestAll([{ i: 3 }]);
        await quiet.close();
        assert.equal((await reader.read())['zerobus.stream.records.acked'], 3);
      } finally {
        metrics.disable();
        await meterProvider.shutdown();
      }
    });
  });

  it('loads nothing from @opentelemetry without a meter; the global rule imports the API only when one is registered', async () => {
    const [[none, explicit], [global]] = await Promise.all([probeRun('none', 'meter'), probeRun('fake-global')]);
    assert.deepEqual(none, { mode: 'none', loaded: 0, instruments: [] });
    // A meter given directly is used as it is: the API package is not needed for it either.
    assert.equal(explicit?.loaded, 0);
    assert.ok(explicit?.instruments.includes('zerobus.stream.ack.latency'));
    // The probe does see the package when the SDK loads it.
    assert.ok(global && global.loaded > 0);
    assert.ok(global.instruments.includes('zerobus.stream.records.acked'));
  });
});
