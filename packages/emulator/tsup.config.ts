import { defineConfig } from 'tsup';

export default defineConfig({
  // The encoding worker is an entry of its own: worker threads load it by URL (parquet-workers.ts).
  entry: { index: 'src/index.ts', 'parquet-worker': 'src/tables/parquet-worker.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
});
