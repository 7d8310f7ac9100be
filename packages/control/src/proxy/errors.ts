/**
 * Typed proxy errors (docs/protocol.md §6): one class per way a proxy request can be
 * wrong, each with a stable `code`, so the runtime and tests match on type
 * rather than on message text. The handshakes never throw these for bad
 * input: they come back inside a `reject` step next to the reply bytes that
 * tell the other side why (a socks5 REP code, an HTTP status). Only misuse of
 * a handshake object (`ProxyStateError`) is thrown.
 */

export abstract class ProxyError extends Error {
  abstract readonly code: string;
}

/** Base class of the errors caused by what the application or the peer sent. */
export abstract class ProxyRequestError extends ProxyError {}

/** A socks5 greeting or request whose version byte is not 5. */
export class SocksVersionError extends ProxyRequestError {
  readonly code = 'ERR_PROXY_SOCKS_VERSION';
  constructor(readonly version: number, readonly where: 'greeting' | 'request') {
    super(`socks ${where} with version ${version}, expected 5`);
    this.name = 'SocksVersionError';
  }
}

/** A socks5 greeting that does not offer "no authentication" (method 0x00). */
export class SocksNoAcceptableMethodError extends ProxyRequestError {
  readonly code = 'ERR_PROXY_SOCKS_METHOD';
  constructor(readonly methods: readonly number[]) {
    super(`socks5 greeting offers no acceptable method (offered: ${methods.length ? methods.join(', ') : 'none'}; only 0 = no authentication is supported)`);
    this.name = 'SocksNoAcceptableMethodError';
  }
}

/** A socks5 command other than CONNECT (BIND, UDP ASSOCIATE, …): REP 07. */
export class SocksCommandError extends ProxyRequestError {
  readonly code = 'ERR_PROXY_SOCKS_COMMAND';
  constructor(readonly command: number) {
    super(`socks5 command ${command} is not supported (only 1 = CONNECT)`);
    this.name = 'SocksCommandError';
  }
}

/** An address type other than 1 (IPv4), 3 (domain), 4 (IPv6) — or 5 (host:port) on the `fast` server: REP 08. */
export class AddressTypeError extends ProxyRequestError {
  readonly code = 'ERR_PROXY_ADDRESS_TYPE';
  constructor(readonly addressType: number) {
    super(`address type ${addressType} is not supported`);
    this.name = 'AddressTypeError';
  }
}

/** A target that cannot be dialled as written: empty host, bad or missing port, broken IPv6 literal. */
export class InvalidTargetError extends ProxyRequestError {
  readonly code = 'ERR_PROXY_TARGET';
  constructor(readonly target: string, readonly reason: string) {
    super(`invalid proxy target ${JSON.stringify(target)}: ${reason}`);
    this.name = 'InvalidTargetError';
  }
}

/** An HTTP proxy request that cannot be served; `status` is the HTTP status sent back. */
export class HttpRequestError extends ProxyRequestError {
  readonly code = 'ERR_PROXY_HTTP_REQUEST';
  constructor(readonly status: number, readonly reason: string) {
    super(`bad http proxy request (${status}): ${reason}`);
    this.name = 'HttpRequestError';
  }
}

/** The stream ended before the request was complete (`fast` server). */
export class TruncatedRequestError extends ProxyRequestError {
  readonly code = 'ERR_PROXY_TRUNCATED';
  constructor(readonly received: number) {
    super(`the proxy request ended after ${received} bytes`);
    this.name = 'TruncatedRequestError';
  }
}

/** A handshake object was used out of order (a bug in the caller, not bad input). */
export class ProxyStateError extends ProxyError {
  readonly code = 'ERR_PROXY_STATE';
  constructor(message: string) {
    super(message);
    this.name = 'ProxyStateError';
  }
}
