import { defineConfig } from 'tsup';

export default defineConfig({
  // Entries of their own: worker threads load the encoding worker by URL (parquet-workers.ts), and
  // `console` is the readers `zerobus query` / `tail` use (the console page ships as is from console/).
  entry: {
    index: 'src/index.ts',
    'parquet-worker': 'src/tables/parquet-worker.ts',
    console: 'src/console/index.ts',
  },
  format: ['esm'],
  dts: true,
  // Maps point into the src/ the package ships instead of embedding a second copy of it
  // (sourcesContent): debuggers and stack traces still show the TypeScript, at half the size.
  sourcemap: true,
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
  clean: true,
  target: 'node20',
  platform: 'node',
  // An optional dependency, loaded only when a SQL query runs.
  external: ['@duckdb/node-api'],
});
