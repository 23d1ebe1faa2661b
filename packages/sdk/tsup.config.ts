import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/wire.ts', 'src/schema.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  // Maps point into the src/ the package ships instead of embedding a second copy of it
  // (sourcesContent): debuggers and stack traces still show the TypeScript, at half the size.
  sourcemap: true,
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
  clean: true,
  // `npm run build --silent` (the demo) reaches tsup through npm's log level: the build script
  // runs a second command after tsup, so a trailing `-- --silent` would not.
  silent: process.env.npm_config_loglevel === 'silent',
  target: 'node20',
  platform: 'node',
});
