/**
 * A tiny router for the emulator's HTTP side. Today it serves the OAuth token endpoint; Unity
 * Catalog REST routes (`/api/2.1/unity-catalog/tables/:fullName`, PROTOCOL.md §6) plug in here
 * later, which is why paths may carry `:param` segments.
 */

import type { IncomingHttpHeaders } from 'node:http';

export interface RouteRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Values of the route's `:param` segments, URL-decoded. */
  readonly params: Readonly<Record<string, string>>;
}

export interface RouteResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Serialized as the JSON body. */
  readonly json?: unknown;
}

export type RouteHandler = (request: RouteRequest) => RouteResponse | Promise<RouteResponse>;

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

export function jsonError(status: number, error: string, description: string): RouteResponse {
  return { status, json: { error, error_description: description } };
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method: method.toUpperCase(), segments: splitPath(pattern), handler });
    return this;
  }

  /** Finds the handler for a request: 404 for an unknown path, 405 for a known path and another method. */
  async dispatch(request: Omit<RouteRequest, 'params'>): Promise<RouteResponse> {
    const segments = splitPath(request.path);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = match(route.segments, segments);
      if (!params) continue;
      if (route.method !== request.method) {
        allowed.push(route.method);
        continue;
      }
      return route.handler({ ...request, params });
    }
    if (allowed.length) {
      return {
        ...jsonError(405, 'method_not_allowed', `${request.method} is not allowed on ${request.path}`),
        headers: { allow: allowed.join(', ') },
      };
    }
    return jsonError(404, 'not_found', `no route for ${request.method} ${request.path}`);
  }
}

function match(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const s = segments[i] as string;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(s);
      } catch {
        return undefined;
      }
    } else if (p !== s) {
      return undefined;
    }
  }
  return params;
}
