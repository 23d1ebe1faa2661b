/**
 * Child process for the telemetry tests: streams a few records against an in-process local
 * server in each mode given and prints, after each, how many @opentelemetry module files are
 * loaded (the package is published as CommonJS, so every file Node loads for it, through
 * `import()` too, lands in the CommonJS cache) and which instruments a stand-in meter was asked for.
 *
 *   none         no meter option, no global MeterProvider
 *   meter        an explicit meter (a plain object, not from @opentelemetry/api)
 *   fake-global  a global MeterProvider registered the way @opentelemetry/api registers one,
 *                without this process loading the package
 */
import { createRequire } from 'node:module';
import { startEmulator } from '@zerobus/emulator';
import { type MeterLike, TableProperties, ZerobusSdk } from '@zerobus/sdk';

const instruments: string[] = [];
/** Notes the instrument's name and hands back `instrument`. */
const made = <T>(name: string, instrument: T): T => {
  instruments.push(name);
  return instrument;
};
const meter: MeterLike = {
  createCounter: (name) => made(name, { add() {} }),
  createHistogram: (name) => made(name, { record() {} }),
  createObservableUpDownCounter: (name) => made(name, { addCallback() {} }),
};
const loadedCount = () =>
  Object.keys(createRequire(import.meta.url).cache).filter((path) => /[\\/]@opentelemetry[\\/]/.test(path)).length;

const emulator = await startEmulator({ tables: ['main.default.t'] }); // a schemaless table
try {
  for (const mode of process.argv.slice(2)) {
    instruments.length = 0;
    if (mode === 'fake-global') {
      (globalThis as Record<symbol, unknown>)[Symbol.for('opentelemetry.js.api.1')] = {
        version: '1.99.0', // the API accepts a global registered by its own minor version or a later one
        metrics: { getMeter: () => meter },
      };
    }
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, mode === 'meter' ? { meter } : {});
    const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties('main.default.t'), {
      recordType: 'json',
    });
    await stream.ingestAll([{ i: 0 }, { i: 1 }]);
    await stream.close();
    process.stdout.write(`${JSON.stringify({ mode, loaded: loadedCount(), instruments })}\n`);
  }
} finally {
  await emulator.close();
}
