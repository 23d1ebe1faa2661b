import { defineConfig } from 'tsup';

export default defineConfig({
  // The encoding worker is an entry of its own: worker threads load it by URL (parquet-workers.ts).
  entry: { index: 'src/index.ts', 'parquet-worker': 'src/tables/parquet-worker.ts' },
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
});
