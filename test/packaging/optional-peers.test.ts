/**
 * An app that installs only `@zerobus/sdk` — no apache-arrow, protobufjs or OpenTelemetry, the
 * optional peers — type-checks with `tsc --strict` and no `skipLibCheck`: the SDK's declarations
 * must not need a peer the app does not use. The built package (its package.json and dist/) is
 * copied into a temporary node_modules beside the SDK's own dependencies, and nothing else.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SDK = join(ROOT, 'packages/sdk');
/** The SDK's dependencies (and Node's types): what `npm install @zerobus/sdk` brings. */
const DEPENDENCIES = [
  '@bufbuild/protobuf',
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  '@js-sdsl/ordered-map',
  '@types/node',
];

const APP = `import { TableProperties, ZerobusSdk, type ZerobusStream } from '@zerobus/sdk';

interface Reading {
  device: string;
  temp?: number;
}
const sdk = new ZerobusSdk('localhost:50051', 'http://localhost:8080');
const table = new TableProperties<Reading>('main.iot.readings');
export async function send(): Promise<number> {
  const stream: ZerobusStream<Reading> = await sdk.createStream('id', 'secret', table, { recordType: 'json' });
  const offset = await stream.ingestRecordOffset({ device: 'a1', temp: 21.5 });
  await stream.close();
  return offset;
}
`;

describe('the SDK without its optional peers', () => {
  it('type-checks in an app with only @zerobus/sdk and its dependencies (strict, no skipLibCheck)', () => {
    assert.ok(existsSync(join(SDK, 'dist/index.d.ts')), 'packages are not built: run `npm run build` first');
    const app = mkdtempSync(join(tmpdir(), 'zerobus-peers-'));
    try {
      const modules = join(app, 'node_modules');
      cpSync(join(SDK, 'package.json'), join(modules, '@zerobus/sdk/package.json'));
      cpSync(join(SDK, 'dist'), join(modules, '@zerobus/sdk/dist'), { recursive: true });
      for (const name of DEPENDENCIES) {
        if (!existsSync(join(ROOT, 'node_modules', name))) continue;
        mkdirSync(dirname(join(modules, name)), { recursive: true });
        symlinkSync(join(ROOT, 'node_modules', name), join(modules, name), 'dir');
      }
      assert.ok(!existsSync(join(modules, 'apache-arrow')));
      writeFileSync(join(app, 'package.json'), '{ "name": "app", "type": "module" }\n');
      writeFileSync(join(app, 'app.ts'), APP);
      const tsc = spawnSync(
        join(ROOT, 'node_modules/.bin/tsc'),
        ['--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', 'app.ts'],
        { cwd: app, encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(tsc.status, 0, `tsc failed:\n${tsc.stdout}${tsc.stderr}`);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});
