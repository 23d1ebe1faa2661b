import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSelfSignedCertificate, startEmulator } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';

describe('TLS and periodic rotation', () => {
  it('streams over TLS to a server whose local CA the SDK is told to trust', async () => {
    const tls = await generateSelfSignedCertificate();
    await using emulator = await startEmulator({ tls, tables: ['main.tls.t'] });
    assert.match(emulator.endpoint, /^https:\/\//);
    assert.match(emulator.unityCatalogEndpoint, /^https:\/\//);
    // Only the CA: the server presents its own (CA:FALSE) certificate and the chain.
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, { tlsRootCerts: tls.ca });
    const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties('main.tls.t'), {
      recordType: 'json',
    });
    await stream.ingestRecordOffset({ secure: true });
    await stream.close();
    assert.deepEqual(
      emulator.records('main.tls.t').map((r) => r.payload),
      ['{"secure":true}'],
    );
  });

  it('refuses a server whose certificate it does not trust', async () => {
    const tls = await generateSelfSignedCertificate();
    const other = await generateSelfSignedCertificate();
    await using emulator = await startEmulator({ tls, tables: ['main.tls.t'] });
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint, { tlsRootCerts: other.ca });
    await assert.rejects(
      sdk.createStream('emulator-client', 'emulator-secret', new TableProperties('main.tls.t'), {
        recordType: 'json',
        recovery: false,
      }),
      (e: unknown) => (e as { code: string }).code === 'AUTH_UNAVAILABLE' && /certificate|self.signed/i.test(String(e)),
    );
  });

  it('follows periodic server rotation without losing or reordering records', async () => {
    await using emulator = await startEmulator({
      rotationIntervalMs: 40,
      rotationGraceMs: 1_000,
      tables: ['main.rot.t'],
    });
    const sdk = new ZerobusSdk(emulator.endpoint, emulator.unityCatalogEndpoint);
    const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties('main.rot.t'), {
      recordType: 'json',
      recoveryBackoffMs: 60_000, // rotation must not wait for a backoff
    });
    let i = 0;
    // Ingest across several rotations: one record at a time, each awaited.
    const deadline = emulator.stats.closeSignalsSent + 3;
    while (emulator.stats.closeSignalsSent < deadline) {
      const offset = await stream.ingestRecordOffset({ i: i++ });
      await stream.waitForOffset(offset);
    }
    await stream.close();
    const seen = emulator.records('main.rot.t').map((r) => JSON.parse(r.payload as string).i as number);
    assert.deepEqual(
      seen,
      Array.from({ length: i }, (_, k) => k),
    );
    // The first call plus at least the rotations completed before the last signal.
    assert.ok(emulator.calls.length >= 3, `${emulator.calls.length} calls`);
  });
});
