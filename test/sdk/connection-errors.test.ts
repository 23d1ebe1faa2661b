/**
 * A connection that cannot be made ends in an error a person can act on: it names the endpoint
 * and what was tried, suggests the fix, and keeps the gRPC status, the retriable flag and
 * grpc-js's own error as `cause`. Real sockets on loopback; the DNS case uses the reserved
 * `.invalid` TLD, which never resolves.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSelfSignedCertificate, startEmulator } from '@zerobus/emulator';
import { GrpcStatus, ZerobusError, ZerobusSdk, type ZerobusSdkOptions } from '@zerobus/sdk';
import { capturingLogger, type Harness, withHarness } from '../support/harness.js';
import { closedPort } from '../support/net-probes.js';

async function createFails(endpoint: string, options: ZerobusSdkOptions = {}): Promise<ZerobusError> {
  const logs: Harness['logs'] = [];
  const sdk = new ZerobusSdk(endpoint, 'http://127.0.0.1:9', { logger: capturingLogger(logs), ...options });
  try {
    await sdk.createStream({
      table: 'main.default.events',
      headersProvider: { getHeaders: async () => ({ authorization: 'Bearer test' }) },
      options: { recordType: 'json', recoveryRetries: 1, recoveryBackoffMs: 10 },
    });
  } catch (error) {
    assert.ok(error instanceof ZerobusError, String(error));
    // As before: UNAVAILABLE, retriable, the status kept, grpc-js's text in `cause`.
    assert.equal(error.code, 'UNAVAILABLE');
    assert.equal(error.grpcStatus, GrpcStatus.UNAVAILABLE);
    assert.equal(error.retriable, true);
    assert.ok(error.cause instanceof ZerobusError);
    assert.equal(error.cause.grpcStatus, GrpcStatus.UNAVAILABLE);
    assert.doesNotMatch(error.message, /Resolution note/);
    return error;
  }
  assert.fail(`createStream to ${endpoint} succeeded`);
}

describe('connection errors a person can act on', () => {
  it('a connection that drops after it was made is not explained as one that could not be made', async () => {
    await withHarness(async ({ emulator, jsonStream }) => {
      const stream = await jsonStream();
      const errors: ZerobusError[] = [];
      stream.on('recovering', ({ error }) => errors.push(error));
      await stream.ingestRecordOffset({ a: 1 });
      emulator.faults.dropConnections();
      await stream.ingestRecordOffset({ a: 2 });
      await stream.flush();
      assert.ok(errors.length > 0, 'the drop was noticed');
      for (const error of errors) assert.doesNotMatch(error.message, /cannot connect|Fix:/);
    });
  });

  it('a closed port: names the endpoint, says nothing listens, suggests checking the port', async () => {
    const port = await closedPort();
    const error = await createFails(`http://127.0.0.1:${port}`);
    assert.match(error.message, new RegExp(`http://127\\.0\\.0\\.1:${port} \\(plaintext\\)`));
    assert.match(error.message, /connection refused.*check the port/);
    assert.match((error.cause as Error).message, /ECONNREFUSED/);
  });

  it('https:// to a plaintext server: says it does not speak TLS and suggests http://', async () => {
    await using emulator = await startEmulator();
    const error = await createFails(emulator.endpoint.replace('http://', 'https://'));
    assert.match(error.message, /\(TLS\): the server at 127\.0\.0\.1:\d+ does not speak TLS\. Fix: use http:\/\//);
    assert.match((error.cause as Error).message, /wrong version number/);
  });

  it('http:// to a TLS server: suggests https://', async () => {
    await using emulator = await startEmulator({ tls: await generateSelfSignedCertificate() });
    const error = await createFails(emulator.endpoint.replace('https://', 'http://'));
    assert.match(
      error.message,
      /\(plaintext\): .*closed the connection before HTTP\/2 started\. Fix: .*use https:\/\//,
    );
  });

  it('a host name that does not resolve: says so (DNS)', async () => {
    const error = await createFails('https://1234567890.zerobus.example.invalid');
    assert.match(error.message, /https:\/\/1234567890\.zerobus\.example\.invalid:443 \(TLS\)/);
    assert.match(error.message, /host name 1234567890\.zerobus\.example\.invalid does not resolve \(DNS\)/);
  });

  it('an untrusted certificate: suggests tlsRootCerts or NODE_EXTRA_CA_CERTS, and names the wrong CA when roots were given', async () => {
    const tls = await generateSelfSignedCertificate();
    await using emulator = await startEmulator({ tls });
    const error = await createFails(emulator.endpoint);
    assert.match(
      error.message,
      /TLS certificate is not trusted\. Fix: pass the CA .* tlsRootCerts .* NODE_EXTRA_CA_CERTS/,
    );
    const other = await generateSelfSignedCertificate();
    const wrongCa = await createFails(emulator.endpoint, { tlsRootCerts: other.ca });
    assert.match(wrongCa.message, /the tlsRootCerts given do not include the CA that issued it/);
  });
});
