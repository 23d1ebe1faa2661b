/**
 * `zerobus generate-proto`: reads a table's columns from Unity Catalog and writes the proto2
 * schema for it (the official generate_proto tool's flags), or a TypeScript module with a typed
 * record interface and the descriptor, with no protoc involved.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { fetchTableSchema } from '@zerobus/sdk';
import { schemaToProtoFile, schemaToTypeScript } from '@zerobus/sdk/schema';
import { UsageError } from '../args.js';
import { credentialsFrom } from '../credentials.js';

export const GENERATE_PROTO_USAGE = `Usage: zerobus generate-proto --table CATALOG.SCHEMA.TABLE [options]

Reads the table's columns from Unity Catalog and writes a proto2 schema for its records
(types as in the Zerobus documentation; DECIMAL as exact decimal text in a string field), or a
TypeScript module: a record interface, the descriptor and ready TableProperties.

Options:
  --table NAME            the table, catalog.schema.table (required)
  --uc-endpoint URL       workspace URL or local server HTTP endpoint (env DATABRICKS_HOST)
  --client-id ID          OAuth client id (env DATABRICKS_CLIENT_ID)
  --client-secret SECRET  OAuth client secret (env DATABRICKS_CLIENT_SECRET)
  --client-secret-file FILE
                          the secret from this file (trailing newline trimmed), kept out of
                          the process list and shell history
  --output FILE           where to write (default: standard output); with --lang both, the .proto
                          file, and the .ts next to it
  --proto-msg NAME        message name (default: the table's name; in PascalCase
                          with --lang ts or both, as the record interface's name)
  --lang proto|ts|both    what to write (default proto)
  --tls-ca FILE           extra trusted CA certificate (PEM) for the endpoint
  -h, --help              show this help

Exit codes: 0 written, 1 the table could not be read or mapped (the message names the column)
or bad usage.
`;

type Lang = 'proto' | 'ts' | 'both';

export async function runGenerateProto(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      table: { type: 'string' },
      'uc-endpoint': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'client-secret-file': { type: 'string' },
      output: { type: 'string' },
      'proto-msg': { type: 'string' },
      lang: { type: 'string' },
      'tls-ca': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(GENERATE_PROTO_USAGE);
    return;
  }
  const table = values.table;
  if (!table) throw new UsageError('--table is required');
  const lang = (values.lang ?? 'proto') as Lang;
  if (!['proto', 'ts', 'both'].includes(lang)) {
    throw new UsageError(`--lang must be proto, ts or both, got ${JSON.stringify(values.lang)}`);
  }
  if (lang === 'both' && (values.output === undefined || values.output === '-')) {
    throw new UsageError('--lang both writes two files: give --output FILE.proto');
  }
  const credentials = credentialsFrom(values);
  const tlsRootCerts = values['tls-ca'] === undefined ? undefined : await readFile(values['tls-ca']);
  const schema = await fetchTableSchema(table, { ...credentials, tlsRootCerts });
  const tableLeaf = table.split('.').at(-1)!;
  // The record interface of a TypeScript module reads as a type: `iot_readings` → `IotReadings`.
  const messageName = values['proto-msg'] ?? (lang === 'proto' ? tableLeaf : pascalCase(tableLeaf));
  const options = { messageName, tableName: table };
  const outputs: [string | undefined, string][] = [];
  if (lang !== 'ts') outputs.push([values.output, schemaToProtoFile(schema, options)]);
  if (lang !== 'proto') {
    const path = lang === 'both' ? values.output!.replace(/(\.proto)?$/, '.ts') : values.output;
    outputs.push([path, schemaToTypeScript(schema, options)]);
  }
  for (const [path, text] of outputs) {
    if (path === undefined || path === '-') process.stdout.write(text);
    else await writeFile(path, text);
  }
  const written = outputs.map(([path]) => path).filter((p) => p !== undefined && p !== '-');
  if (written.length > 0) {
    process.stderr.write(`zerobus: ${table} (${schema.fields.length} columns) → ${written.join(', ')}\n`);
  }
}

/** `iot_readings` → `IotReadings`; a name that would not start with a letter keeps its leading `_`. */
export function pascalCase(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
  const joined = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return /^[A-Za-z]/.test(joined) ? joined : `_${joined}`;
}
