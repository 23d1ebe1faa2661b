import { defineConfig } from 'tsup';

export default defineConfig({
  // `console` is the readers `zerobus query` / `tail` use; the console page ships as is from console/.
  entry: { index: 'src/index.ts', console: 'src/console/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  // An optional dependency, loaded only when a SQL query runs.
  external: ['@duckdb/node-api'],
});
