import { VigilError } from '@vigil/core';

/**
 * SQLSTATEs after which the same operation may simply be tried again: the connection went away (class 08),
 * the server is shutting down or restarting (57P01-57P03), or the transaction lost a race (serialization
 * failure, deadlock).
 */
const RETRIABLE_SQLSTATE = /^(08...|57P0[123]|40001|40P01|53300)$/;
const RETRIABLE_NODE_CODE = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)$/;
/**
 * Node's codes, while connecting, for a TLS handshake that failed on the server's certificate (untrusted CA, wrong
 * host name, expired) or on the protocol, and for a TLS file of the URL (`sslrootcert`, `sslcert`, `sslkey`) that
 * cannot be read: not retriable, the configuration must change.
 */
const TLS_NODE_CODE =
  /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|INVALID_CA$|INVALID_PURPOSE$|PATH_LENGTH_EXCEEDED$|HOSTNAME_MISMATCH$)/;
const FILE_NODE_CODE = /^(ENOENT|EACCES|EISDIR)$/;

/**
 * Turns a driver error into a VigilError that says what the store was doing. Errors that are already
 * VigilErrors, and errors thrown by caller code inside a transaction (a failing merge), pass through untouched:
 * only what the database or the network reported is translated.
 */
export function toStoreError(error: unknown, doing: string, options: { connecting?: boolean } = {}): unknown {
  if (error instanceof VigilError) return error;
  // Duck-typed rather than `instanceof Error`: PGlite's errors may come from another realm.
  if (typeof error !== 'object' || error === null || typeof (error as { message?: unknown }).message !== 'string')
    return error;
  const { code, message } = error as { code?: unknown; message: string };
  if (typeof code !== 'string') {
    // node-postgres, when the URL asks for TLS (sslmode) and the server has none.
    if (/The server does not support SSL connections/.test(message)) {
      return new VigilError('VIGIL_STORE_UNAVAILABLE', `${doing}: ${message}`, { cause: error, retriable: false });
    }
    if (/Connection terminated|connection timeout|Client has encountered a connection error/i.test(message)) {
      return new VigilError('VIGIL_STORE_UNAVAILABLE', `${doing}: ${message}`, { cause: error, retriable: true });
    }
    return error;
  }
  if (options.connecting && TLS_NODE_CODE.test(code)) {
    return new VigilError('VIGIL_STORE_UNAVAILABLE', `${doing}: TLS: ${message} (${code})`, {
      cause: error,
      retriable: false,
    });
  }
  if (options.connecting && FILE_NODE_CODE.test(code)) {
    return new VigilError(
      'VIGIL_STORE_UNAVAILABLE',
      `${doing}: cannot read a file the connection string names: ${message}`,
      { cause: error, retriable: false },
    );
  }
  if (RETRIABLE_NODE_CODE.test(code)) {
    return new VigilError('VIGIL_STORE_UNAVAILABLE', `${doing}: ${message}`, { cause: error, retriable: true });
  }
  if (/^[0-9A-Z]{5}$/.test(code)) {
    const retriable = RETRIABLE_SQLSTATE.test(code);
    return new VigilError(
      retriable && code.startsWith('08') ? 'VIGIL_STORE_UNAVAILABLE' : 'VIGIL_STORE_QUERY',
      `${doing}: ${message} (SQLSTATE ${code})`,
      {
        cause: error,
        retriable,
        details: { sqlstate: code },
      },
    );
  }
  return error;
}
