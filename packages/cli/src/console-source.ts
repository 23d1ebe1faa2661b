/**
 * Where `zerobus query` and `zerobus tail` read tables from: a data directory (read directly, no
 * server needed) or a running local server (its console API, `/console/api`, with a token from
 * its token endpoint when client credentials are given). Both answer the same questions.
 */
import type { JsonRow, QueryResult } from '@zerobus/emulator/console';
import { UsageError } from './args.js';
import { credentialsFrom } from './credentials.js';
import { workspaceToken } from './uc-client.js';

export interface TableSource {
  /** Read-only SQL over the tables by their three-part names. */
  query(sql: string, maxRows: number): Promise<QueryResult>;
  /** Rows committed after `version` (none, and the newest version, when `version` is undefined). */
  changes(table: string, version: number | undefined): Promise<{ version: number; rows: JsonRow[] }>;
}

export interface SourceFlags {
  readonly 'data-dir'?: string | undefined;
  readonly 'uc-endpoint'?: string | undefined;
  readonly 'client-id'?: string | undefined;
  readonly 'client-secret'?: string | undefined;
  readonly 'client-secret-file'?: string | undefined;
}

export const SOURCE_OPTIONS = `  --data-dir DIR          read the Delta tables of this data directory (no server needed)
  --uc-endpoint URL       or ask a running local server (its HTTP endpoint; env DATABRICKS_HOST)
  --client-id ID          OAuth client id, when that server checks credentials
                          (env DATABRICKS_CLIENT_ID)
  --client-secret SECRET  its secret (env DATABRICKS_CLIENT_SECRET)
  --client-secret-file FILE
                          the secret from this file`;

/** A failure the command reports as it is (exit 1). */
/** The parseArgs options of the flags above, shared by `query` and `tail`. */
export const SOURCE_FLAGS = {
  'data-dir': { type: 'string' },
  'uc-endpoint': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'client-secret-file': { type: 'string' },
} as const;

export class SourceError extends Error {
  override readonly name = 'SourceError';
}

export async function tableSource(flags: SourceFlags, env: NodeJS.ProcessEnv = process.env): Promise<TableSource> {
  const dataDir = flags['data-dir'];
  if (dataDir !== undefined) {
    if (flags['uc-endpoint'] !== undefined) throw new UsageError('give --data-dir or --uc-endpoint, not both');
    return dataDirSource(dataDir);
  }
  const endpoint = flags['uc-endpoint'] ?? env.DATABRICKS_HOST;
  if (!endpoint)
    throw new UsageError('give --data-dir DIR, or --uc-endpoint URL (or DATABRICKS_HOST) of a running local server');
  const withClient = Boolean(flags['client-id'] ?? env.DATABRICKS_CLIENT_ID);
  const token = withClient ? await fetchToken({ ...flags, 'uc-endpoint': endpoint }, env) : undefined;
  return serverSource(endpoint.replace(/\/+$/, ''), token);
}

async function dataDirSource(dataDir: string): Promise<TableSource> {
  const { existsSync } = await import('node:fs');
  if (!existsSync(dataDir)) throw new UsageError(`--data-dir ${dataDir} does not exist`);
  const { TableData, dataDirTables } = await import('@zerobus/emulator/console');
  const data = new TableData(dataDir, dataDirTables(dataDir));
  return {
    query: (sql, maxRows) => data.query(sql, { maxRows }),
    async changes(table, version) {
      const reader = await data.reader(table);
      if (version === undefined) return { version: (await reader.summary()).version, rows: [] };
      const { readParquetRows } = await import('@zerobus/emulator/console');
      const added = await reader.filesAddedAfter(version);
      const rows: JsonRow[] = [];
      for (const file of added.files) rows.push(...(await readParquetRows(file.path)));
      return { version: added.version, rows };
    },
  };
}

/** A token of the server's principal, the way `zerobus tables` gets one. */
async function fetchToken(flags: SourceFlags, env: NodeJS.ProcessEnv): Promise<string> {
  return (await workspaceToken(credentialsFrom(flags, env))).token;
}

function serverSource(base: string, token: string | undefined): TableSource {
  const call = async (path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await reach(`${base}/console/api${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      const hint =
        response.status === 401 ? ' (give --client-id and --client-secret of a principal of that server)' : '';
      const message = typeof json.message === 'string' ? json.message : `HTTP ${response.status}`;
      throw new SourceError(`${message}${hint}`);
    }
    return json;
  };
  return {
    query: async (sql, maxRows) => (await call('/query', { sql, maxRows })) as unknown as QueryResult,
    async changes(table, version) {
      const after = version === undefined ? '' : `?after=${version}`;
      const json = await call(`/tables/${encodeURIComponent(table)}/changes${after}`);
      return json as unknown as { version: number; rows: JsonRow[] };
    },
  };
}

async function reach(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new SourceError(
      `cannot reach ${new URL(url).origin}${cause ? ` (${cause})` : ''}: is the local server running?`,
    );
  }
}
