/**
 * A minimal Unity Catalog REST client for tests and benchmarks: a token from the token endpoint
 * (fetched once), then JSON calls. `bearer` replaces the token, to test how bad ones are refused.
 * `table` asks for the token exactly as the SDK does for a stream to that table (the same form
 * body, `authorization_details` scoping it to the table); `authorizationDetails` asks for any
 * other scope. Without either, the token is a workspace token (`scope=all-apis`), as the SDK and
 * the CLI use for Unity Catalog.
 */
import { tokenRequestBody } from '../../packages/sdk/src/auth/oauth.js';
import { parseTableName } from '../../packages/sdk/src/table-name.js';

export type UcCall = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; json: Record<string, unknown> }>;

/** One `authorization_details` entry, as the SDK writes them. */
export function grant(objectType: string, path: string, ...privileges: string[]) {
  return { type: 'unity_catalog_privileges', privileges, object_type: objectType, object_full_path: path };
}

export async function ucClient(
  unityCatalogEndpoint: string,
  options: {
    clientId?: string;
    secret?: string;
    bearer?: string;
    table?: string;
    authorizationDetails?: readonly unknown[];
  } = {},
): Promise<UcCall> {
  let token = options.bearer;
  if (token === undefined) {
    const credentials = `${options.clientId ?? 'emulator-client'}:${options.secret ?? 'emulator-secret'}`;
    const form =
      options.table !== undefined
        ? tokenRequestBody({ workspaceId: '1234567890123456', table: parseTableName(options.table) })
        : new URLSearchParams({
            grant_type: 'client_credentials',
            scope: 'all-apis',
            ...(options.authorizationDetails && {
              authorization_details: JSON.stringify(options.authorizationDetails),
            }),
          }).toString();
    const res = await fetch(`${unityCatalogEndpoint}/oidc/v1/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form,
    });
    if (res.status !== 200) throw new Error(`token endpoint answered HTTP ${res.status}: ${await res.text()}`);
    token = ((await res.json()) as { access_token: string }).access_token;
  }
  return async (method, path, body) => {
    const response = await fetch(`${unityCatalogEndpoint}/api/2.1/unity-catalog${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
}
