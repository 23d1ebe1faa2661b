/**
 * Workspace credentials from flags, else from the environment variables Databricks tools use
 * (DATABRICKS_HOST, DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET). Secrets are never echoed.
 */
import { UsageError } from './args.js';

export interface CredentialFlags {
  readonly 'uc-endpoint'?: string | undefined;
  readonly 'client-id'?: string | undefined;
  readonly 'client-secret'?: string | undefined;
}

export interface Credentials {
  readonly unityCatalogEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export function credentialsFrom(flags: CredentialFlags, env: NodeJS.ProcessEnv = process.env): Credentials {
  const pick = (flag: keyof CredentialFlags, variable: string): string => {
    const value = flags[flag] ?? env[variable];
    if (value === undefined || value === '') throw new UsageError(`--${flag} (or ${variable}) is required`);
    return value;
  };
  return {
    unityCatalogEndpoint: pick('uc-endpoint', 'DATABRICKS_HOST'),
    clientId: pick('client-id', 'DATABRICKS_CLIENT_ID'),
    clientSecret: pick('client-secret', 'DATABRICKS_CLIENT_SECRET'),
  };
}
