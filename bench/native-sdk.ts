/**
 * The official TypeScript SDK's native core (`@databricks/zerobus-ingest-sdk-<platform>`), for
 * `npm run bench -- --vs-native`. The bench installs nothing: the platform package must be
 * installed by hand (see bench/README.md), or `ZEROBUS_NATIVE_SDK` must name its `.node` file.
 * The `.node` file is loaded directly (the package's JavaScript wrapper is not needed), and only
 * the calls the bench makes are typed here.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The version the bench was written and measured against. */
export const NATIVE_VERSION = '1.3.0';

export interface NativeStream {
  ingestRecordOffset(record: unknown): Promise<bigint>;
  ingestRecordsOffset(records: unknown[]): Promise<bigint | null>;
  waitForOffset(offset: bigint): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface NativeSdk {
  createStream(
    table: { tableName: string; descriptorProto?: string },
    clientId: string,
    clientSecret: string,
    options?: { recordType?: number },
  ): Promise<NativeStream>;
}

export interface NativeModule {
  readonly ZerobusSdk: new (endpoint: string, unityCatalogUrl: string) => NativeSdk;
  readonly RecordType: { readonly Json: number; readonly Proto: number };
}

/** The platform package's name, as the official SDK's loader would pick it. */
export function nativePackageName(): string {
  const { platform, arch } = process;
  if (platform !== 'linux') return `@databricks/zerobus-ingest-sdk-${platform}-${arch}`;
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
    ?.glibcVersionRuntime;
  return `@databricks/zerobus-ingest-sdk-linux-${arch}-${glibc ? 'gnu' : 'musl'}`;
}

const require = createRequire(import.meta.url);

/** Where the `.node` file is, or undefined when it is not installed. */
export function findNativeModule(): string | undefined {
  const fromEnv = process.env.ZEROBUS_NATIVE_SDK;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  try {
    return require.resolve(nativePackageName());
  } catch {
    return undefined;
  }
}

/** Why --vs-native cannot run, and what to do about it. */
export function nativeMissingMessage(): string {
  const name = nativePackageName();
  const fromEnv = process.env.ZEROBUS_NATIVE_SDK;
  return [
    fromEnv
      ? `--vs-native: ZEROBUS_NATIVE_SDK=${fromEnv} does not exist.`
      : `--vs-native: ${name} is not installed (the bench installs nothing by itself).`,
    `Install it without recording it in package.json, then run again:`,
    `  npm install --no-save ${name}@${NATIVE_VERSION}`,
    `or point ZEROBUS_NATIVE_SDK at its .node file. (npm ci removes a --no-save install again.)`,
  ].join('\n');
}

export function loadNativeModule(path: string): NativeModule {
  return require(path) as NativeModule;
}
