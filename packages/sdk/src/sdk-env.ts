/**
 * A `ZerobusSdk`'s endpoints and client credentials from the environment: the variables the
 * `zerobus` command reads and `zerobus emulator` prints as its `export` line, so that a program
 * moves between the local server and a workspace by its environment alone. Explicit arguments
 * and options always win. Error messages name variables, never a value: one of them is a secret.
 */
import { NonRetriableError } from './errors.js';

/** The variables, by what each holds. */
export const SDK_ENV = {
  serverEndpoint: 'ZEROBUS_ENDPOINT',
  unityCatalogEndpoint: 'DATABRICKS_HOST',
  clientId: 'DATABRICKS_CLIENT_ID',
  clientSecret: 'DATABRICKS_CLIENT_SECRET',
} as const;

type Setting = keyof typeof SDK_ENV;
export type Env = Readonly<Record<string, string | undefined>>;

/** What to set each variable to, for the error that finds it missing. */
const MEANING: Record<Setting, string> = {
  serverEndpoint: 'the Zerobus endpoint, https://<workspace-id>.zerobus.<region>.cloud.databricks.com',
  unityCatalogEndpoint: 'the workspace URL, e.g. https://dbc-a1b2c3d4-e5f6.cloud.databricks.com',
  clientId: "the service principal's OAuth client id",
  clientSecret: "the service principal's OAuth client secret",
};

const LOCAL_HINT = '(for the local server, `zerobus emulator` prints the export line)';

/** A service principal's OAuth client credentials. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** The client credentials an SDK was given once, for every stream that brings none of its own. */
export interface SdkCredentials {
  /** Both parts, from the options or else the environment; undefined when neither has both. */
  readonly credentials: ClientCredentials | undefined;
  /** The credential variables not set, when the options gave none. */
  readonly missing: readonly ('clientId' | 'clientSecret')[];
}

function envValue(env: Env, setting: Setting): string | undefined {
  const value = env[SDK_ENV[setting]]?.trim();
  return value === '' ? undefined : value;
}

/** "VARIABLE (meaning)" for each of `settings`. */
function describeMissing(settings: readonly Setting[]): string {
  return settings.map((setting) => `${SDK_ENV[setting]} (${MEANING[setting]})`).join(', ');
}

/**
 * The endpoints of `new ZerobusSdk(serverEndpoint?, unityCatalogEndpoint?)`: each one given, else
 * its variable's value; an `INVALID_OPTIONS` error naming every variable needed and not set.
 * `undefined` alone means "not given" (an empty string is an invalid endpoint, reported as such).
 */
export function endpointsOrEnv(
  serverEndpoint: string | undefined,
  unityCatalogEndpoint: string | undefined,
  env: Env,
  missingToo: readonly Setting[] = [],
): { serverEndpoint: string; unityCatalogEndpoint: string } {
  const server = serverEndpoint ?? envValue(env, 'serverEndpoint');
  const workspace = unityCatalogEndpoint ?? envValue(env, 'unityCatalogEndpoint');
  const missing: Setting[] = [
    ...(server === undefined ? (['serverEndpoint'] as const) : []),
    ...(workspace === undefined ? (['unityCatalogEndpoint'] as const) : []),
    ...missingToo,
  ];
  if (missing.length > 0) {
    const verb = missing.length === 1 ? 'is' : 'are';
    const instead = [
      ...(server === undefined || workspace === undefined
        ? ['pass the endpoints to new ZerobusSdk(serverEndpoint, unityCatalogEndpoint)']
        : []),
      ...(missingToo.length > 0 ? ['pass options { clientId, clientSecret }'] : []),
    ];
    throw new NonRetriableError(
      'INVALID_OPTIONS',
      `${missing.map((setting) => SDK_ENV[setting]).join(', ')} ${verb} not set: set ${describeMissing(missing)} ` +
        `${LOCAL_HINT}, or ${instead.join(' and ')}`,
    );
  }
  return { serverEndpoint: server as string, unityCatalogEndpoint: workspace as string };
}

/**
 * Options `clientId` and `clientSecret` (both or neither: `INVALID_OPTIONS` otherwise), else
 * DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET when both are set.
 */
export function sdkCredentials(options: { clientId?: unknown; clientSecret?: unknown }, env: Env): SdkCredentials {
  const { clientId, clientSecret } = options;
  for (const [name, value] of [
    ['clientId', clientId],
    ['clientSecret', clientSecret],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new NonRetriableError('INVALID_OPTIONS', `option ${name} must be a non-empty string`);
    }
  }
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    const [given, absent] = clientId === undefined ? ['clientSecret', 'clientId'] : ['clientId', 'clientSecret'];
    throw new NonRetriableError(
      'INVALID_OPTIONS',
      `option ${given} is given without ${absent}: give both, or neither to use ${SDK_ENV.clientId} and ${SDK_ENV.clientSecret}`,
    );
  }
  if (typeof clientId === 'string' && typeof clientSecret === 'string') {
    return { credentials: { clientId, clientSecret }, missing: [] };
  }
  const fromEnv = { clientId: envValue(env, 'clientId'), clientSecret: envValue(env, 'clientSecret') };
  if (fromEnv.clientId !== undefined && fromEnv.clientSecret !== undefined) {
    return { credentials: { clientId: fromEnv.clientId, clientSecret: fromEnv.clientSecret }, missing: [] };
  }
  const missing = (['clientId', 'clientSecret'] as const).filter((setting) => fromEnv[setting] === undefined);
  return { credentials: undefined, missing };
}

/**
 * The credentials of one stream: its own `clientId` and `clientSecret` (both, or neither), else
 * the SDK's; an `INVALID_OPTIONS` error saying where credentials can come from when there are none.
 */
export function streamCredentials(
  params: { clientId?: unknown; clientSecret?: unknown },
  sdk: SdkCredentials,
  call: string,
): ClientCredentials {
  const clientId = given(params.clientId, 'clientId', call);
  const clientSecret = given(params.clientSecret, 'clientSecret', call);
  if (clientId !== undefined && clientSecret !== undefined) return { clientId, clientSecret };
  if (clientId !== undefined || clientSecret !== undefined) {
    const [has, lacks] = clientId === undefined ? ['clientSecret', 'clientId'] : ['clientId', 'clientSecret'];
    throw new NonRetriableError('INVALID_OPTIONS', `${call} got ${has} without ${lacks}: give both, or neither`);
  }
  if (sdk.credentials) return sdk.credentials;
  // Only one of the pair set is worth pointing out: the other is then what is missing.
  const unset = sdk.missing.length === 1 ? ` (${SDK_ENV[sdk.missing[0] as 'clientId']} is not set)` : '';
  throw new NonRetriableError(
    'INVALID_OPTIONS',
    `${call} needs clientId and clientSecret (a service principal's OAuth credentials): pass them to ${call}, ` +
      `or once to new ZerobusSdk(serverEndpoint, unityCatalogEndpoint, { clientId, clientSecret }), ` +
      `or set ${SDK_ENV.clientId} and ${SDK_ENV.clientSecret}${unset}; or give a headersProvider`,
  );
}

/** A stream's own credential part: undefined when absent (`undefined`, `null` or empty). */
function given(value: unknown, name: string, call: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw new NonRetriableError('INVALID_OPTIONS', `${call}: ${name} must be a string, got ${typeof value}`);
  }
  return value;
}
