/**
 * Connection failures a person can act on. grpc-js reports a connection that could not be made
 * as `UNAVAILABLE` with its own text ("No connection established. Last error: … Resolution
 * note:", an OpenSSL "wrong version number", "Name resolution failed for target dns:…"). This
 * turns those into a message naming the endpoint, what was tried (TLS or plaintext, proxy) and
 * the likely fix, keeping the gRPC status, the `retriable` flag and the original error as `cause`.
 */
import { ZerobusError } from '../errors.js';

/** What a channel tried: enough to say it, and to suggest the fix. */
export interface ConnectionAttempt {
  /** `host:port`, as dialled. */
  readonly target: string;
  readonly host: string;
  readonly secure: boolean;
  /** The proxy the connection went through, if any (no credentials). */
  readonly proxy?: string | undefined;
  /** Whether `tlsRootCerts` replaced the system roots. */
  readonly customRoots: boolean;
}

interface Diagnosis {
  readonly what: string;
  readonly fix: string;
}

const CERTIFICATE =
  /certificate|self[- ]signed|unable to (?:verify|get local issuer)|CERT_|UNABLE_TO_|DEPTH_ZERO|altnames|Hostname\/IP/i;
const NOT_TLS = /wrong version number|packet length too long|http request|unknown protocol|WRONG_VERSION_NUMBER/i;

/** grpc-js's words for a connection that was never made (not one that dropped later). */
const NEVER_CONNECTED = /No connection established|Name resolution failed/i;

function diagnose(details: string, attempt: ConnectionAttempt): Diagnosis | undefined {
  if (!NEVER_CONNECTED.test(details)) return undefined; // e.g. "Connection dropped": recovery's business
  const scheme = attempt.secure ? 'https' : 'http';
  if (/Name resolution failed/i.test(details) || /ENOTFOUND|EAI_AGAIN/.test(details)) {
    return {
      what: `the host name ${attempt.host} does not resolve (DNS)`,
      fix: 'check the host name in the endpoint (a Databricks Zerobus endpoint looks like https://<workspace-id>.zerobus.<region>.cloud.databricks.com)',
    };
  }
  if (/ECONNREFUSED/.test(details)) {
    return {
      what: `nothing accepts connections at ${attempt.target} (connection refused)`,
      fix: 'check the port, and that the server is running (the local server prints its endpoint when it starts)',
    };
  }
  if (/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/.test(details)) {
    return {
      what: `${attempt.target} cannot be reached (${/ETIMEDOUT/.test(details) ? 'timed out' : 'no route'})`,
      fix: 'check the host, the port and any firewall or proxy in between',
    };
  }
  if (attempt.secure && NOT_TLS.test(details)) {
    return {
      what: `the server at ${attempt.target} does not speak TLS`,
      fix: `use http:// for a plaintext server (e.g. the local server started without TLS), not ${scheme}://`,
    };
  }
  if (attempt.secure && CERTIFICATE.test(details)) {
    return /altnames|Hostname\/IP|does not match/i.test(details)
      ? {
          what: `the server's TLS certificate does not name ${attempt.host}`,
          fix: 'connect with a host name the certificate lists (for the local server: --tls-name)',
        }
      : {
          what: "the server's TLS certificate is not trusted",
          fix: attempt.customRoots
            ? 'the tlsRootCerts given do not include the CA that issued it: pass that CA'
            : "pass the CA that issued it as the tlsRootCerts option (PEM), or set NODE_EXTRA_CA_CERTS to its file (the local server's CA: --tls-self-signed FILE)",
        };
  }
  if (!attempt.secure && /Failed to connect|ECONNRESET/i.test(details)) {
    return {
      what: `the server at ${attempt.target} closed the connection before HTTP/2 started`,
      fix: 'if the server uses TLS (every Databricks endpoint does), use https://',
    };
  }
  return { what: 'the connection could not be made', fix: 'check the endpoint, its scheme and the network' };
}

/**
 * The error for a call grpc-js ended: `error` itself unless it is an `UNAVAILABLE` that says no
 * connection could be made, in which case a `CONNECTION`-explaining error with the same code,
 * status and `retriable` flag, caused by `error`.
 */
export function explainConnectionFailure(error: ZerobusError, attempt: ConnectionAttempt): ZerobusError {
  if (error.code !== 'UNAVAILABLE') return error;
  const details = error.message;
  const diagnosis = diagnose(details, attempt);
  if (!diagnosis) return error;
  const how = `${attempt.secure ? 'TLS' : 'plaintext'}${attempt.proxy ? ` through proxy ${attempt.proxy}` : ''}`;
  const url = `${attempt.secure ? 'https' : 'http'}://${attempt.target}`;
  return new ZerobusError(
    error.code,
    `UNAVAILABLE: cannot connect to the Zerobus endpoint ${url} (${how}): ${diagnosis.what}. Fix: ${diagnosis.fix}.`,
    { cause: error, grpcStatus: error.grpcStatus, retriable: error.retriable },
  );
}
