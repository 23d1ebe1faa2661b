import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
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
