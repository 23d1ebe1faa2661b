import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { WireRecordType } from '@zerobus/sdk/wire';
import { fetchToken, type RawStream, ROW_DESCRIPTOR, setup } from './support/raw-client.js';

const TABLE = 'main.default.events';

async function expectStatus(stream: RawStream, code: number, details?: RegExp): Promise<string> {
  const result = await stream.status;
  assert.equal(result.code, code, `expected status ${code}, got ${result.code}: ${result.details}`);
  if (details) assert.match(result.details, details);
  return result.details;
}

describe('stream validation', () => {
  it('rejects RECORD_TYPE_UNSPECIFIED and proto streams without a usable descriptor', async (t) => {
    const { client } = await setup(t);
    const unspecified = client.open(TABLE);
    unspecified.create(TABLE, WireRecordType.UNSPECIFIED);
    await expectStatus(unspecified, status.INVALID_ARGUMENT, /RECORD_TYPE_UNSPECIFIED/);

    const noDescriptor = client.open(TABLE);
    noDescriptor.create(TABLE, WireRecordType.PROTO);
    await expectStatus(noDescriptor, status.INVALID_ARGUMENT, /descriptor_proto/);

    const badDescriptor = client.open(TABLE);
    badDescriptor.create(TABLE, WireRecordType.PROTO, new Uint8Array([0x0a, 0x09, 0x41]));
    await expectStatus(badDescriptor, status.INVALID_ARGUMENT, /not a valid DescriptorProto/);
  });

  it('requires create_stream first, and only once', async (t) => {
    const { client } = await setup(t);
    const ingestFirst = client.open(TABLE);
    ingestFirst.json(0, '{}');
    await expectStatus(ingestFirst, status.INVALID_ARGUMENT, /must be create_stream/);

    const twice = client.open(TABLE);
    twice.create(TABLE);
    await twice.created();
    twice.create(TABLE);
    await expectStatus(twice, status.INVALID_ARGUMENT, /first message/);
  });

  it('rejects bytes that are not an EphemeralStreamRequest with INVALID_ARGUMENT and keeps serving', async (t) => {
    const { client } = await setup(t);
    const garbage = client.open(TABLE);
    garbage.send(new Uint8Array([0x0a, 0x7f, 0x01]));
    await expectStatus(garbage, status.INVALID_ARGUMENT, /malformed EphemeralStreamRequest/);

    const next = client.open(TABLE);
    next.create(TABLE);
    await next.created();
  });

  it('rejects an offset gap or repeat, naming expected and received offsets', async (t) => {
    const { emulator, client } = await setup(t);
    const gap = client.open(TABLE);
    gap.create(TABLE);
    await gap.created();
    gap.json(0, '{}');
    gap.json(2, '{}');
    await expectStatus(gap, status.INVALID_ARGUMENT, /expected 1, got 2/);
    assert.equal(emulator.records(TABLE).length, 1);

    const repeat = client.open(TABLE);
    repeat.create(TABLE);
    await repeat.created();
    repeat.json(0, '{}');
    repeat.json(0, '{}');
    await expectStatus(repeat, status.INVALID_ARGUMENT, /expected 1, got 0/);
  });

  it('rejects a request whose record type differs from the stream', async (t) => {
    const { client } = await setup(t);
    const stream = client.open(TABLE);
    stream.create(TABLE, WireRecordType.JSON);
    await stream.created();
    stream.proto(0, new Uint8Array([0x08, 0x01]));
    await expectStatus(stream, status.INVALID_ARGUMENT, /created for json records/);
  });

  it('rejects an invalid JSON record naming its offset, keeping and acking the records before it', async (t) => {
    const { emulator, client } = await setup(t);
    const stream = client.open(TABLE);
    stream.create(TABLE);
    await stream.created();
    stream.json(0, '{"a":1}');
    stream.jsonBatch(1, '{"b":1}', '{"b":2}');
    stream.jsonBatch(2, '{"c":1}', '{"c":', '{"c":3}');
    await expectStatus(stream, status.INVALID_ARGUMENT, /offset_id 2 \(record 1 of the batch\).*not valid JSON/);
    assert.deepEqual(
      emulator.records(TABLE).map((r) => r.payload),
      ['{"a":1}', '{"b":1}', '{"b":2}'],
      'the bad request is stored all or nothing',
    );
    assert.equal(stream.acks().at(-1), 1, 'the durable requests were acked before the error');
    assert.equal(emulator.calls[0]?.status?.name, 'INVALID_ARGUMENT');
  });

  it('on a Delta table, a bad record waiting for earlier commits keeps its error: later requests and a half-close do not replace it', async (t) => {
    const { emulator, client } = await setup(t, { commitIntervalMs: 30 });
    await emulator.createDeltaTable('main.s.t', [{ name: 'n', type_text: 'int', nullable: false }]);
    const stream = client.open('main.s.t');
    stream.create('main.s.t');
    await stream.created();
    stream.json(0, '{"n":1}');
    stream.json(1, '{"n":"two"}');
    stream.json(2, '{"n":3}');
    stream.call.end();
    await expectStatus(stream, status.INVALID_ARGUMENT, /^invalid record at offset_id 1: field "n"/);
    assert.deepEqual(stream.acks(), [0]);
  });

  it('rejects JSON that is not an object, and proto records that are not protobuf', async (t) => {
    const { client } = await setup(t);
    for (const record of ['[1,2]', '42', 'null', '"text"']) {
      const stream = client.open(TABLE);
      stream.create(TABLE);
      await stream.created();
      stream.json(0, record);
      await expectStatus(stream, status.INVALID_ARGUMENT, /offset_id 0: record must be a JSON object/);
    }
    const proto = client.open(TABLE);
    proto.create(TABLE, WireRecordType.PROTO, ROW_DESCRIPTOR);
    await proto.created();
    proto.proto(0, new Uint8Array([0x0a, 0x05, 0x01]));
    await expectStatus(proto, status.INVALID_ARGUMENT, /offset_id 0: record is not a valid protobuf message/);
  });

  it('rejects malformed table names, a missing table header and a header for another table', async (t) => {
    const { client } = await setup(t, { auth: false });
    for (const name of ['events', 'a.b', 'a..c', 'a.b.c.d']) {
      const stream = client.open(name);
      stream.create(name);
      await expectStatus(stream, status.INVALID_ARGUMENT, /table name/);
    }
    const noHeader = client.open(TABLE, { tableHeader: null });
    noHeader.create(TABLE);
    await expectStatus(noHeader, status.INVALID_ARGUMENT, /missing x-databricks-zerobus-table-name/);

    const otherHeader = client.open(TABLE, { tableHeader: 'main.default.other' });
    otherHeader.create(TABLE);
    await expectStatus(otherHeader, status.INVALID_ARGUMENT, /does not match/);
  });

  it('answers NOT_FOUND for unknown tables when auto-creation is off', async (t) => {
    const { emulator, client } = await setup(t, { autoCreateTables: false, tables: [TABLE] });
    const unknown = client.open('main.default.missing');
    unknown.create('main.default.missing');
    await expectStatus(unknown, status.NOT_FOUND, /main\.default\.missing/);

    const known = client.open(TABLE);
    known.create(TABLE);
    await known.created();
    assert.deepEqual(emulator.tables, [TABLE]);
  });
});

describe('stream authentication and authorization', () => {
  it('answers UNAUTHENTICATED for a missing, malformed or unknown bearer token', async (t) => {
    const { client } = await setup(t);
    const missing = client.open(TABLE, { token: null });
    await expectStatus(missing, status.UNAUTHENTICATED, /missing authorization/);
    const unknown = client.open(TABLE, { token: 'not-a-token' });
    await expectStatus(unknown, status.UNAUTHENTICATED, /unknown access token/);
    const basic = client.open(TABLE, { token: null, extraHeaders: { authorization: 'Basic Zm9vOmJhcg==' } });
    await expectStatus(basic, status.UNAUTHENTICATED, /not a Bearer token/);
  });

  it('answers UNAUTHENTICATED for an expired token', async (t) => {
    const { emulator, client } = await setup(t, { tokenTtlSeconds: 0 });
    const stream = client.open(TABLE, { token: emulator.issueToken(TABLE) });
    await expectStatus(stream, status.UNAUTHENTICATED, /expired/);
  });

  it('answers UNAUTHENTICATED once tokens are expired by the fault hook', async (t) => {
    const { emulator, client } = await setup(t);
    const token = emulator.issueToken(TABLE);
    emulator.faults.expireTokens();
    const stream = client.open(TABLE, { token });
    await expectStatus(stream, status.UNAUTHENTICATED, /expired/);
  });

  it('answers PERMISSION_DENIED for a token scoped to another table', async (t) => {
    const { emulator, client } = await setup(t);
    const stream = client.open(TABLE, { token: emulator.issueToken('main.default.other') });
    stream.create(TABLE);
    await expectStatus(stream, status.PERMISSION_DENIED, /scoped to main\.default\.other/);
  });

  it('answers PERMISSION_DENIED when the token lacks MODIFY', async (t) => {
    const { emulator, client } = await setup(t);
    const details = JSON.stringify([
      { type: 'unity_catalog_privileges', privileges: ['SELECT'], object_type: 'TABLE', object_full_path: TABLE },
    ]);
    const response = await fetchToken(emulator, TABLE, { authorizationDetails: details });
    const { access_token } = (await response.json()) as { access_token: string };
    const stream = client.open(TABLE, { token: access_token });
    stream.create(TABLE);
    await expectStatus(stream, status.PERMISSION_DENIED, /lacks MODIFY/);
  });

  it('answers PERMISSION_DENIED when the principal has no grant on the table', async (t) => {
    const { emulator, client } = await setup(t, {
      principals: [{ clientId: 'reader', clientSecret: 'pw', tables: ['main.default.allowed'] }],
    });
    const allowed = client.open('main.default.allowed', { token: emulator.issueToken('main.default.allowed') });
    allowed.create('main.default.allowed');
    await allowed.created();
    const denied = client.open(TABLE, { token: emulator.issueToken(TABLE) });
    denied.create(TABLE);
    await expectStatus(denied, status.PERMISSION_DENIED, /principal reader has no SELECT and MODIFY grant/);
  });

  it('skips token checks with auth: false', async (t) => {
    const { client } = await setup(t, { auth: false });
    for (const token of [null, 'anything']) {
      const stream = client.open(TABLE, { token });
      stream.create(TABLE);
      await stream.created();
      stream.call.cancel();
    }
  });
});
