/**
 * The local server's TLS: a local CA and a CA:FALSE server certificate it signs (rustls-based
 * clients refuse a CA used as the server's own), that a client trusting only the CA accepts for
 * localhost and 127.0.0.1 (::1 is in the SAN too); kept on disk and reused while valid, reissued when not.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateSelfSignedCertificate, loadOrCreateLocalTls, startEmulator } from '@zerobus/emulator';
import { servedCertificate } from '../../../test/support/net-probes.js';

const DAY_MS = 86_400_000;

function openssl(args: string[]): Promise<{ ok: boolean; output: string } | undefined> {
  return new Promise((resolve) =>
    execFile('openssl', args, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') resolve(undefined);
      else resolve({ ok: !error, output: stdout + stderr });
    }),
  );
}

describe('TLS of the local server', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zerobus-tls-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a CA and a CA:FALSE server certificate it signs, with the names in the SAN', async () => {
    const tls = await generateSelfSignedCertificate(['zerobus', '10.1.2.3']);
    const ca = new X509Certificate(tls.ca);
    const leaf = new X509Certificate(tls.cert);
    assert.equal(ca.ca, true);
    assert.equal(ca.issuer, ca.subject);
    assert.equal(leaf.ca, false);
    assert.equal(leaf.issuer, ca.subject);
    assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
    assert.equal(
      leaf.subjectAltName,
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:zerobus, IP Address:10.1.2.3',
    );
    assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1']); // EKU serverAuth only
    assert.ok(leaf.serialNumber.replace(/^0+/, '').length >= 30, `a 128-bit random serial: ${leaf.serialNumber}`);
    const leafDays = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / DAY_MS;
    assert.ok(leafDays < 825);
    const caYears = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / DAY_MS / 365;
    assert.ok(caYears > 9.9, `${caYears} years`);
    // The served chain is the server certificate, then the CA.
    assert.equal(tls.cert, `${leaf.toString()}${ca.toString()}`);
  });

  it('passes openssl verify with only the CA, and has the extensions mkcert gives (when openssl is installed)', async (t) => {
    const tls = await generateSelfSignedCertificate();
    const caFile = join(dir, 'verify-ca.pem');
    const leafFile = join(dir, 'verify-leaf.pem');
    await writeFile(caFile, tls.ca);
    await writeFile(leafFile, new X509Certificate(tls.cert).toString());
    const verified = await openssl(['verify', '-CAfile', caFile, leafFile]);
    if (!verified) {
      t.skip('openssl is not installed');
      return;
    }
    assert.ok(verified.ok, verified.output);
    assert.match(verified.output, /: OK/);
    const leafText = (await openssl(['x509', '-in', leafFile, '-noout', '-text']))!.output;
    assert.match(leafText, /Basic Constraints: critical\s+CA:FALSE/);
    assert.match(leafText, /Key Usage: critical\s+Digital Signature, Key Encipherment/);
    assert.match(leafText, /Extended Key Usage:\s*\n\s+TLS Web Server Authentication/);
    assert.match(leafText, /Authority Key Identifier/);
    const caText = (await openssl(['x509', '-in', caFile, '-noout', '-text']))!.output;
    assert.match(caText, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    assert.match(caText, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
    assert.match(caText, /Subject Key Identifier/);
  });

  it('is accepted by a Node TLS client that trusts only the CA, for localhost and 127.0.0.1', async () => {
    const tls = await generateSelfSignedCertificate();
    await using emulator = await startEmulator({ tls });
    for (const port of [emulator.port, emulator.httpPort]) {
      const served = await servedCertificate(port, tls.ca, 'localhost');
      assert.equal(served.ca, false);
      assert.equal(served.issuer, new X509Certificate(tls.ca).subject);
      await servedCertificate(port, tls.ca); // the name checked is the IP address
    }
    const other = await generateSelfSignedCertificate();
    await assert.rejects(
      servedCertificate(emulator.port, other.ca, 'localhost'),
      /unable to verify|self.signed|certificate/i,
    );
    await assert.rejects(servedCertificate(emulator.port, tls.ca, 'elsewhere.example'), /altnames|Hostname/i);
  });

  it('keeps the CA and server certificate on disk (keys 0600) and reuses them while valid', async () => {
    const caFile = join(dir, 'reuse', 'ca.pem');
    const first = await loadOrCreateLocalTls(caFile);
    assert.equal(first.created, 'new-ca');
    assert.equal(await readFile(caFile, 'utf8'), first.ca);
    for (const file of [first.files.caKeyFile, first.files.certFile, first.files.keyFile]) {
      assert.equal((await stat(file)).mode & 0o777, 0o600, file);
    }
    assert.deepEqual(first.files, {
      caFile,
      caKeyFile: join(dir, 'reuse', 'ca-key.pem'),
      certFile: join(dir, 'reuse', 'ca-server.pem'),
      keyFile: join(dir, 'reuse', 'ca-server-key.pem'),
    });
    const again = await loadOrCreateLocalTls(caFile);
    assert.equal(again.created, 'reused');
    assert.equal(again.ca, first.ca);
    assert.equal(again.cert, first.cert);
    assert.equal(again.key, first.key);
  });

  it('reissues a server certificate that expired, lacks a name or is not the CA’s; replaces an expired CA', async () => {
    const caFile = join(dir, 'renew', 'ca.pem');
    const longAgo = new Date(Date.now() - 900 * DAY_MS); // a server certificate lives < 825 days
    const old = await loadOrCreateLocalTls(caFile, { now: longAgo });
    const renewed = await loadOrCreateLocalTls(caFile);
    assert.equal(renewed.created, 'new-certificate');
    assert.equal(renewed.ca, old.ca, 'the CA is kept: clients keep trusting it');
    assert.notEqual(renewed.cert, old.cert);
    assert.ok(Date.parse(new X509Certificate(renewed.cert).validTo) > Date.now() + 800 * DAY_MS);
    assert.equal(await readFile(renewed.files.certFile, 'utf8'), new X509Certificate(renewed.cert).toString());

    const withName = await loadOrCreateLocalTls(caFile, { names: ['zerobus.test'] });
    assert.equal(withName.created, 'new-certificate');
    assert.equal(withName.ca, old.ca);
    assert.match(new X509Certificate(withName.cert).subjectAltName ?? '', /DNS:zerobus\.test/);
    assert.equal((await loadOrCreateLocalTls(caFile, { names: ['zerobus.test'] })).created, 'reused');
    // A name it already covers does not need a new certificate.
    assert.equal((await loadOrCreateLocalTls(caFile, { names: ['127.0.0.1'] })).created, 'reused');

    // A server certificate from another CA (say, an interrupted write) is replaced.
    const stranger = await generateSelfSignedCertificate();
    await writeFile(withName.files.certFile, stranger.cert);
    await writeFile(withName.files.keyFile, stranger.key);
    const fixed = await loadOrCreateLocalTls(caFile);
    assert.equal(fixed.created, 'new-certificate');
    assert.ok(new X509Certificate(fixed.cert).checkIssued(new X509Certificate(old.ca)));

    const later = new Date(Date.now() + 3651 * DAY_MS); // past the CA's ten years
    const replaced = await loadOrCreateLocalTls(caFile, { now: later });
    assert.equal(replaced.created, 'new-ca');
    assert.notEqual(replaced.ca, old.ca);

    // A CA whose key is not its own is replaced too.
    await writeFile(replaced.files.caKeyFile, stranger.key);
    assert.equal((await loadOrCreateLocalTls(caFile)).created, 'new-ca');
  });

  it('serves with { caFile } and the same CA after a restart', async () => {
    const caFile = join(dir, 'option', 'ca.pem');
    let served: string;
    {
      await using emulator = await startEmulator({ tls: { caFile, names: ['zerobus.test'] } });
      const ca = await readFile(caFile, 'utf8');
      served = (await servedCertificate(emulator.port, ca, 'zerobus.test')).toString();
      assert.equal(emulator.options.tls?.ca, ca);
    }
    await using restarted = await startEmulator({ tls: { caFile, names: ['zerobus.test'] } });
    const leaf = await servedCertificate(restarted.httpPort, await readFile(caFile, 'utf8'), 'localhost');
    assert.equal(leaf.toString(), served);
  });
});
