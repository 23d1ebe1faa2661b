import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/wire.ts', 'src/schema.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
});
