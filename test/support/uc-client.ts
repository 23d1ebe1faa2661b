/**
 * A minimal Unity Catalog REST client for tests and benchmarks: a token from the token endpoint
 * (fetched once), then JSON calls. `bearer` replaces the token, to test how bad ones are refused.
 */
export type UcCall = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; json: Record<string, unknown> }>;

export async function ucClient(
  unityCatalogEndpoint: string,
  options: { clientId?: string; secret?: string; bearer?: string } = {},
): Promise<UcCall> {
  let token = options.bearer;
  if (token === undefined) {
    const credentials = `${options.clientId ?? 'emulator-client'}:${options.secret ?? 'emulator-secret'}`;
    const res = await fetch(`${unityCatalogEndpoint}/oidc/v1/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'all-apis' }),
    });
    token = ((await res.json()) as { access_token: string }).access_token;
  }
  return async (method, path, body) => {
    const response = await fetch(`${unityCatalogEndpoint}/api/2.1/unity-catalog${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
}
