/**
 * `zerobus emulator --tls-self-signed FILE` as a separate process: FILE is a CA that clients
 * trust, and a restart with the same FILE serves the same CA and server certificate, so a client
 * configured with the CA before the restart connects after it. An expired server certificate is
 * reissued by the same CA.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadOrCreateLocalTls } from '@zerobus/emulator';
import { TableProperties, ZerobusSdk } from '@zerobus/sdk';
import { startEmulatorProcess } from '../support/emulator-process.js';
import { servedCertificate } from '../support/net-probes.js';

const DAY_MS = 86_400_000;

/** One record over TLS, with the SDK trusting only `ca`. */
async function ingestOne(endpoint: string, catalog: string, ca: string, table: string): Promise<void> {
  const sdk = new ZerobusSdk(endpoint, catalog, { tlsRootCerts: ca });
  const stream = await sdk.createStream('emulator-client', 'emulator-secret', new TableProperties(table), {
    recordType: 'json',
    recovery: false,
  });
  await stream.ingestRecordOffset({ ok: true });
  await stream.close();
}

describe('zerobus emulator --tls-self-signed', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zerobus-cli-tls-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a certificate signed by the CA in FILE, and the same CA and certificate after a restart', async () => {
    const caFile = join(dir, 'ca.pem');
    const args = [
      '--tls-self-signed',
      caFile,
      '--tls-name',
      'zerobus.test',
      '--data-dir',
      join(dir, 'data'),
      '--auto-create-tables',
    ];
    const first = await startEmulatorProcess(args);
    let ca: string;
    let served: X509Certificate;
    try {
      assert.match(first.endpoint, /^https:\/\/127\.0\.0\.1:/);
      ca = await readFile(caFile, 'utf8');
      const caCert = new X509Certificate(ca);
      assert.equal(caCert.ca, true);
      served = await servedCertificate(first.port, ca, 'localhost');
      assert.equal(served.ca, false, 'the server certificate is not a CA (rustls refuses one)');
      assert.equal(served.issuer, caCert.subject);
      assert.match(served.subjectAltName ?? '', /DNS:localhost.*IP Address:127\.0\.0\.1.*DNS:zerobus\.test/);
      await servedCertificate(first.httpPort, ca, 'zerobus.test');
      await ingestOne(first.endpoint, first.unityCatalogEndpoint, ca, 'main.tls.first');
    } finally {
      await first.kill();
    }
    const keep = join(dir, 'ca-server-key.pem');
    assert.equal((await stat(keep)).mode & 0o777, 0o600);
    const kept = {
      ca: await readFile(caFile),
      caKey: await readFile(join(dir, 'ca-key.pem')),
      cert: await readFile(join(dir, 'ca-server.pem')),
      key: await readFile(keep),
    };

    const second = await startEmulatorProcess(args);
    try {
      assert.deepEqual(await readFile(caFile), kept.ca);
      assert.deepEqual(await readFile(join(dir, 'ca-key.pem')), kept.caKey);
      assert.deepEqual(await readFile(join(dir, 'ca-server.pem')), kept.cert);
      assert.deepEqual(await readFile(keep), kept.key);
      // A client holding the CA from before the restart connects.
      const again = await servedCertificate(second.port, ca, 'localhost');
      assert.equal(again.fingerprint256, served.fingerprint256);
      await ingestOne(second.endpoint, second.unityCatalogEndpoint, ca, 'main.tls.second');
    } finally {
      await second.kill();
    }
  });

  it('reissues an expired server certificate with the same CA, which clients keep trusting', async () => {
    const caFile = join(dir, 'expired', 'ca.pem');
    // As left by a server started long ago: the server certificate expired, the CA did not.
    const old = await loadOrCreateLocalTls(caFile, { now: new Date(Date.now() - 900 * DAY_MS) });
    assert.ok(Date.parse(new X509Certificate(old.cert).validTo) < Date.now());
    const server = await startEmulatorProcess(['--tls-self-signed', caFile, '--auto-create-tables']);
    try {
      assert.equal(await readFile(caFile, 'utf8'), old.ca);
      const served = await servedCertificate(server.port, old.ca, 'localhost');
      assert.ok(Date.parse(served.validTo) > Date.now() + 800 * DAY_MS);
      await ingestOne(server.endpoint, server.unityCatalogEndpoint, old.ca, 'main.tls.renewed');
    } finally {
      await server.kill();
    }
  });
});
