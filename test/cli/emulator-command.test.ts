import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { startEmulatorProcess } from '../support/emulator-process.js';

const CLI = new URL('../../packages/cli/src/main.ts', import.meta.url).pathname;

function zerobus(...args: string[]) {
  return spawnSync(process.execPath, ['--conditions=@zerobus/source', '--import', 'tsx', CLI, ...args], {
    encoding: 'utf8',
  });
}

describe('zerobus emulator', () => {
  it('prints help with exit code 0 and refuses bad usage with exit code 1', () => {
    const help = zerobus('emulator', '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--data-dir DIR/);
    assert.match(help.stdout, /--tls-self-signed FILE/);
    const bad = zerobus('emulator', '--port', 'abc');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--port must be a port number, got "abc"/);
    const unknown = zerobus('emulator', '--nope');
    assert.equal(unknown.status, 1);
    assert.equal(zerobus('frobnicate').status, 1);
    assert.equal(zerobus('emulator', '--principal', 'no-secret').status, 1);
    assert.equal(zerobus('emulator', '--tls-cert', 'x.pem').status, 1);
  });

  it('prints its endpoints and the shell line that points the zerobus command at it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zerobus-cli-'));
    const child = spawn(process.execPath, [
      '--conditions=@zerobus/source',
      '--import',
      'tsx',
      CLI,
      'emulator',
      '--data-dir',
      dir,
    ]);
    try {
      let banner = '';
      child.stdout.setEncoding('utf8');
      for await (const chunk of child.stdout) {
        banner += chunk;
        if (banner.includes('Press Ctrl+C to stop.')) break;
      }
      const endpoint = /server endpoint +(\S+)/.exec(banner)?.[1];
      const catalog = /unity catalog endpoint +(\S+)/.exec(banner)?.[1];
      assert.match(endpoint ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(
        banner.includes(
          `  export ZEROBUS_ENDPOINT=${endpoint} DATABRICKS_HOST=${catalog} DATABRICKS_CLIENT_ID=emulator-client\n`,
        ),
        banner,
      );
      // The secret is never printed, not even the default one: where it comes from instead.
      assert.ok(!banner.includes('emulator-secret'), banner);
      assert.match(banner, /client id +emulator-client \(secret: the default, see zerobus emulator --help\)/);
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--auto-create-tables accepts streams to tables not in Unity Catalog, one log line per table', async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=@zerobus/source', '--import', 'tsx', CLI, 'emulator', '--json', '--auto-create-tables'],
      { env: { ...process.env, ZEROBUS_LOG: undefined } },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const { endpoint, unityCatalogEndpoint } = JSON.parse(line) as Record<string, string>;
      const sdk = new ZerobusSdk(endpoint as string, unityCatalogEndpoint as string);
      for (const name of ['Dev.Scratch.T', 'dev.scratch.t', 'dev.scratch.u']) {
        const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties(name), {
          recordType: 'json',
        });
        await stream.ingestRecordOffset({ name });
        await stream.close();
      }
      while (!stderr.includes('dev.scratch.u')) await once(child.stderr, 'data');
      assert.deepEqual(
        stderr
          .split('\n')
          .filter((l) => l.includes('auto-created'))
          .map((l) => /table (\S+)/.exec(l)?.[1]),
        ['dev.scratch.t', 'dev.scratch.u'],
      );
      assert.match(stderr, /^zerobus info: auto-created schemaless in-memory table dev\.scratch\.t /m);
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      await exited;
    }
  });

  it('serves over TLS with a self-signed certificate and the given principal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zerobus-cli-'));
    const certFile = join(dir, 'cert.pem');
    const server = await startEmulatorProcess([
      '--tls-self-signed',
      certFile,
      '--principal',
      'svc:s3cr:et',
      '--rotation-interval-ms',
      '60000',
      '--auto-create-tables', // main.cli.t is a schemaless table
    ]);
    try {
      assert.match(server.endpoint, /^https:/);
      const sdk = new ZerobusSdk(server.endpoint, server.unityCatalogEndpoint, {
        tlsRootCerts: await readFile(certFile, 'utf8'),
      });
      const stream = await sdk.createStream('svc', 's3cr:et', new TableProperties('main.cli.t'), {
        recordType: 'json',
      });
      await stream.ingestRecordOffset({ ok: true });
      await stream.close();
    } finally {
      await server.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
