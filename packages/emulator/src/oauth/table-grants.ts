/** The grants of a token that writes one table, so `Emulator.issueToken` can issue one without the token endpoint. */
import type { AuthorizationDetail } from './tokens.js';

/** USE CATALOG, USE SCHEMA and SELECT + MODIFY on `tableName`, as the SDK's token request asks for them. */
export function tableWriteGrants(tableName: string): AuthorizationDetail[] {
  const [catalog = '', schema = ''] = tableName.split('.');
  const detail = (privileges: string[], object_type: string, object_full_path: string) => ({
    type: 'unity_catalog_privileges',
    privileges,
    object_type,
    object_full_path,
  });
  return [
    detail(['USE CATALOG'], 'CATALOG', catalog),
    detail(['USE SCHEMA'], 'SCHEMA', `${catalog}.${schema}`),
    detail(['SELECT', 'MODIFY'], 'TABLE', tableName),
  ];
}
