/** A minimal Unity Catalog REST client for tests: a token from the token endpoint, then JSON calls. */
export async function ucClient(unityCatalogEndpoint: string, clientId = 'emulator-client', secret = 'emulator-secret') {
  const res = await fetch(`${unityCatalogEndpoint}/oidc/v1/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'all-apis' }),
  });
  const { access_token: token } = (await res.json()) as { access_token: string };
  return async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${unityCatalogEndpoint}/api/2.1/unity-catalog${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
}
