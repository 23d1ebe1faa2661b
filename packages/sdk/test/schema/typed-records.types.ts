/**
 * Typed records, checked by the compiler (`npm run typecheck` type-checks this file; nothing runs
 * it): a stream made from the `tableProperties` of a module `zerobus generate-proto --lang ts`
 * wrote (golden/all-types.ts) takes that module's record interface, so a wrong field name or
 * type is a compile error — each `@ts-expect-error` below fails the type-check if the error it
 * expects goes away. Untyped TableProperties keep taking anything.
 */
import { type StreamPool, TableProperties, type ZerobusSdk, type ZerobusStream } from '../../src/index.js';
import { type AllTypes, tableProperties } from './golden/all-types.js';

const row: AllTypes = { id: 1n, num: 2, ts: new Date(), big_price: '1.50', tags: [] };

export async function typedStreams(sdk: ZerobusSdk): Promise<void> {
  const stream: ZerobusStream<AllTypes> = await sdk.createStream('id', 'secret', tableProperties);
  stream.ingestRecordNowait(row);
  stream.ingestRecordNowait(new Uint8Array([8, 1])); // already encoded: always taken
  await stream.ingestRecordOffset({ ...row, name: 'pump-7', device_info: { model: 'x1' } });
  await stream.ingestRecordsOffset([row, row]);
  await stream.ingestAll([row]);

  // @ts-expect-error a field the table does not have
  stream.ingestRecordNowait({ ...row, nmae: 'pump-7' });
  // @ts-expect-error a wrong type: `num` is an INT
  await stream.ingestRecordOffset({ ...row, num: '2' });
  // @ts-expect-error a NOT NULL column left out
  stream.ingestRecordNowait({ id: 1n, ts: new Date(), big_price: '1', tags: [] });
  // @ts-expect-error a nested field of the wrong type
  await stream.ingestRecordsOffset([{ ...row, device_info: { model: 7 } }]);

  const params = await sdk.createStream({ table: tableProperties, clientId: 'id', clientSecret: 'secret' });
  // @ts-expect-error the params form infers the record type too
  params.ingestRecordNowait({ id: 'one' });

  const pool: StreamPool<AllTypes> = await sdk.createStreamPool({ table: tableProperties, clientId: 'id' });
  await pool.ingestRecordOffset(row);
  // @ts-expect-error pools take the table's records as well
  await pool.ingestRecordOffset({ ...row, tags: 'a' });

  const recreated: ZerobusStream<AllTypes> = await sdk.recreateStream(stream);
  recreated.ingestRecordNowait(row);

  // Without a record type, anything goes (checked at run time, against the schema if known).
  const untyped = await sdk.createStream('id', 'secret', new TableProperties('main.iot.readings'));
  untyped.ingestRecordNowait({ anything: true });
  const declared = await TableProperties.fromTable<{ device: string }>('main.iot.readings', {
    unityCatalogEndpoint: 'https://example.cloud.databricks.com',
    clientId: 'id',
    clientSecret: 'secret',
  });
  const typed = await sdk.createStream('id', 'secret', declared);
  // @ts-expect-error fromTable<T> gives the stream its type
  typed.ingestRecordNowait({ device: 1 });
}
