/**
 * The web console on the local server's HTTP port: the page at `/` (static files shipped in the
 * package, no build step) and its API under `/console/api/`. Served to loopback clients only
 * unless the server was started with `console: 'all'`; with auth on, every API route wants a
 * bearer token from the token endpoint (the page's login form gets one with a principal's
 * credentials), and a caller sees only the tables it holds a privilege on.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { GrpcStatus } from '@zerobus/sdk/wire';
import { holdsAny, tableObject, type UcCaller } from '../catalog/uc-grants.js';
import { failureKind, scrubPaths } from '../client-errors.js';
import { TOKEN_PATH } from '../oauth/token-endpoint.js';
import type { EmulatorState } from '../state.js';
import { LiveSampler } from './live-sampler.js';
import { servePageFile } from './page-files.js';
import { QueryError } from './sql-query.js';
import { TableData, UnknownTableError } from './table-data.js';

export const CONSOLE_API = '/console/api';
const MAX_BODY_BYTES = 64 * 1024;
const TABLE_READ = ['SELECT', 'MODIFY', 'MANAGE', 'BROWSE'];

interface Answer {
  readonly status: number;
  readonly json: unknown;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Whether a socket's peer is this machine. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

export class ConsoleServer {
  readonly sampler: LiveSampler;
  readonly data: TableData;
  readonly #closers = new Set<() => void>();

  constructor(private readonly state: EmulatorState) {
    this.sampler = new LiveSampler(state);
    this.data = new TableData(state.catalog.dataDir, async () => this.#catalogTables());
  }

  /** Handles the request if it is the console's (true), else leaves it to the router. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const isPage = path === '/' || path === '/index.html' || path.startsWith('/console/');
    if (!isPage || this.state.options.console === 'off') return false;
    if (this.state.options.console !== 'all' && !isLoopback(req.socket.remoteAddress)) {
      sendJson(res, { status: 403, json: error('FORBIDDEN', 'the console is served to loopback clients only') });
      return true;
    }
    if (!path.startsWith(`${CONSOLE_API}/`)) {
      servePageFile(path === '/' ? '/index.html' : path.replace(/^\/console/, ''), res);
      return true;
    }
    void this.#api(req, res, path.slice(CONSOLE_API.length));
    return true;
  }

  /** Ends every live event stream (the server is closing). */
  close(): void {
    for (const close of this.#closers) close();
    this.sampler.stop();
  }

  async #api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    try {
      const method = (req.method ?? 'GET').toUpperCase();
      const url = new URL(req.url ?? '/', 'http://console.invalid');
      if (method === 'GET' && path === '/config') {
        sendJson(res, { status: 200, json: { auth: this.state.options.auth, tokenPath: TOKEN_PATH } });
        return;
      }
      const caller = this.#caller(req);
      const visible = (name: string) => holdsAny(caller, tableObject(name), TABLE_READ);
      if (method === 'GET' && path === '/events') {
        this.#events(res);
        return;
      }
      const body = method === 'POST' ? await readJson(req) : {};
      sendJson(res, { status: 200, json: await this.#route(method, path, url.searchParams, body, caller, visible) });
    } catch (caught) {
      sendJson(res, answerFor(caught));
    }
  }

  async #route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Record<string, unknown>,
    caller: UcCaller | undefined,
    visible: (name: string) => boolean,
  ): Promise<unknown> {
    const table = /^\/tables\/([^/]+)(\/rows|\/changes)?$/.exec(path);
    if (method === 'GET' && path === '/tables') {
      const tables = (await this.data.tables()).filter((t) => visible(t.fullName)).map((t) => t.fullName);
      const unavailable = this.state.catalog.unavailableTables().filter((t) => visible(t.fullName));
      return { tables, unavailable: unavailable.map((t) => ({ table: t.fullName, reason: t.reason })) };
    }
    if (method === 'GET' && table) {
      const name = decodeURIComponent(table[1] as string);
      if (table[2] === '/rows') {
        return { rows: await this.data.recentRows(name, bounded(query.get('limit'), 50, 500), visible) };
      }
      if (table[2] === '/changes') return this.#changes(name, query, visible);
      const summary = await this.data.summary(name, visible);
      return { table: name, ...summary, history: await this.data.history(name, 20, visible) };
    }
    if (method === 'POST' && path === '/query') {
      if (typeof body.sql !== 'string') throw new HttpError(400, 'INVALID_PARAMETER_VALUE', 'sql must be a string');
      const maxRows = bounded(typeof body.maxRows === 'number' ? String(body.maxRows) : null, 1_000, 100_000);
      return this.data.query(body.sql, { visible, maxRows });
    }
    const fault = /^\/faults\/([a-z-]+)$/.exec(path);
    if (method === 'POST' && fault) return { affected: this.#fault(fault[1] as string, caller) };
    throw new HttpError(404, 'NOT_FOUND', `no console route for ${method} ${CONSOLE_API}${path}`);
  }

  /** Rows committed after version `after` (none for a table's first call without it): `zerobus tail`. */
  async #changes(name: string, query: URLSearchParams, visible: (name: string) => boolean) {
    const reader = await this.data.reader(name, visible);
    const after = query.get('after');
    if (after === null) return { version: (await reader.summary()).version, rows: [] };
    const version = Number(after);
    if (!Number.isInteger(version) || version < -1) {
      throw new HttpError(400, 'INVALID_PARAMETER_VALUE', `after must be a version number, got ${after}`);
    }
    const { readParquetRows } = await import('./parquet-rows.js');
    const added = await reader.filesAddedAfter(version);
    const rows = [];
    for (const file of added.files) rows.push(...(await readParquetRows(file.path)));
    return { version: added.version, rows };
  }

  #fault(name: string, caller: UcCaller | undefined): number {
    if (caller && (caller.revoked || !caller.principal || caller.principal.tables !== undefined)) {
      throw new HttpError(403, 'PERMISSION_DENIED', 'fault injection needs a principal granted every table');
    }
    const faults = this.state.faults;
    switch (name) {
      case 'drop-connections':
        return faults.dropConnections();
      case 'fail-streams':
        return faults.failActiveStreams(GrpcStatus.UNAVAILABLE, 'stream failed from the console');
      case 'rotate':
        return faults.sendCloseSignal(this.state.options.rotationGraceMs);
      case 'stop-acking':
        faults.stopAcking();
        return this.state.sessions.size;
      case 'resume-acking':
        faults.resumeAcking();
        return this.state.sessions.size;
      default:
        throw new HttpError(404, 'NOT_FOUND', `no fault named ${name}`);
    }
  }

  /** Server-sent events: the aggregated live state once a second, and the last minutes first. */
  #events(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(`event: history\ndata: ${JSON.stringify(this.sampler.history())}\n\n`);
    const unsubscribe = this.sampler.subscribe((tick) => res.write(`event: tick\ndata: ${JSON.stringify(tick)}\n\n`));
    const close = () => {
      unsubscribe();
      this.#closers.delete(close);
      res.end();
    };
    this.#closers.add(close);
    res.on('close', close);
  }

  #caller(req: IncomingMessage): UcCaller | undefined {
    if (!this.state.options.auth) return undefined;
    const lookup = this.state.tokens.lookup(req.headers.authorization);
    if (!lookup.ok) throw new HttpError(401, 'UNAUTHENTICATED', `the console needs a bearer token: ${lookup.reason}`);
    const { clientId } = lookup.token;
    return {
      token: lookup.token,
      principal: this.state.options.principals.find((p) => p.clientId === clientId),
      revoked: this.state.faults.isRevoked(clientId),
    };
  }

  async #catalogTables() {
    const { catalog } = this.state;
    const out = [];
    for (const c of catalog.listCatalogs()) {
      for (const s of catalog.listSchemas(c.name)) {
        for (const t of catalog.listTables(c.name, s.name)) {
          out.push({ fullName: t.full_name, dir: fileURLToPath(t.storage_location) });
        }
      }
    }
    return out;
  }
}

/** An error answer's body; its message never shows a server path (a failed read names its file). */
function error(code: string, message: string) {
  return { error_code: code, message: scrubPaths(message) };
}

function answerFor(caught: unknown): Answer {
  if (caught instanceof HttpError) return { status: caught.status, json: error(caught.code, caught.message) };
  if (caught instanceof UnknownTableError) return { status: 404, json: error('TABLE_DOES_NOT_EXIST', caught.message) };
  if (caught instanceof QueryError) {
    const status = caught.code === 'DUCKDB_MISSING' ? 501 : caught.code === 'READ_ONLY' ? 403 : 400;
    return { status, json: error(caught.code, caught.message) };
  }
  return { status: 500, json: error('INTERNAL_ERROR', `the local server failed: ${failureKind(caught)}`) };
}

function sendJson(res: ServerResponse, answer: Answer): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify(answer.json);
  res.writeHead(answer.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'INVALID_PARAMETER_VALUE', 'the request body is too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HttpError(400, 'INVALID_PARAMETER_VALUE', 'the request body must be a JSON object');
}

/** A positive integer query value, `fallback` when absent, at most `max`. */
function bounded(value: string | null, fallback: number, max: number): number {
  if (value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new HttpError(400, 'INVALID_PARAMETER_VALUE', `expected a positive integer, got ${value}`);
  return Math.min(n, max);
}
