/**
 * Client `--ser http` (docs/protocol.md §6.4), sans I/O. The request line names the
 * target; the stream's first write is kcptunB's `00 00 00 05` + ASCII
 * `host:port` (a socks5-shaped request with the private address type 5),
 * and the `fast` server's 10-byte reply decides the rest:
 * - CONNECT: the app gets `HTTP/1.1 200 Connection established`, then raw relay;
 * - any other method: every byte read so far (request line, headers, body
 *   bytes) goes to the stream unchanged, then raw relay (all later requests on
 *   a kept-alive connection go to the same host, as in kcptunB).
 *
 * `host:port` is taken from the request target as kcptunB does (Go's URL host
 * part, verbatim — no case folding), with these deliberate differences:
 * - the request line may be split across reads and may be up to 8 KiB long
 *   (kcptunB: one read of ≤ 1024 bytes); longer → 414 and close;
 * - CONNECT waits for the end of its header block (≤ 8 KiB, else 431) and
 *   keeps bytes after it for the stream (kcptunB drops them);
 * - a target without a port gets `:443` for `https://`/`wss://` (kcptunB: `:80`
 *   always) and a bracketed IPv6 literal gets a port too (kcptunB sends `[::1]`
 *   alone, which no dial accepts); an empty port (`h:`) gets the default;
 * - an unusable target (no host, bad port, `::1` without brackets, origin-form
 *   `GET /x`) → 400 and close, instead of a tunnel to `:80`;
 * - the tunnel failing → `502 Bad Gateway` (with `Connection: close` and a
 *   one-line body naming the socks5 reply), instead of a silent close.
 */
import { EMPTY_BYTES, GrowableBytes, HeldBytes, concatBytes, latin1Bytes, latin1String } from './bytes.js';
import type { ClientAnswer, ClientHandshakeState, ClientStep } from './clientHandshake.js';
import { holdWhileWaiting } from './handshakeStep.js';
import { HttpRequestError, InvalidTargetError, ProxyStateError } from './errors.js';
import { socksRepText } from './socksReply.js';
import { parseHostPort, type ProxyTarget } from './target.js';
import type { TunnelReplyOutcome } from './tunnelReply.js';

/** Bound on the request line, and on a CONNECT request's whole header block. */
export const HTTP_HEADER_LIMIT = 8 * 1024;

/** What the app gets when a CONNECT tunnel is up (kcptunB's exact bytes). */
export const HTTP_CONNECT_ESTABLISHED = 'HTTP/1.1 200 Connection established\r\n\r\n';

/** The stream head's first four bytes: socks5-shaped, address type 5 = ASCII `host:port` (docs/protocol.md §6.4). */
const STREAM_HEAD_PREFIX = [0x00, 0x00, 0x00, 0x05] as const;

export interface HttpProxyRequest {
  readonly method: string;
  readonly requestTarget: string;
  /** The `host:port` text sent on the tunnel. */
  readonly hostport: string;
  readonly target: ProxyTarget;
  readonly isConnect: boolean;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
};

/** A complete close-delimited error response: status line, `Connection: close`, a text body. */
export function httpErrorResponse(status: number, body: string): Uint8Array {
  const text = body.endsWith('\n') ? body : `${body}\n`;
  const payload = Buffer.from(text, 'utf8');
  const head =
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
    'Connection: close\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${payload.length}\r\n\r\n`;
  return concatBytes([latin1Bytes(head), new Uint8Array(payload)]);
}

/** The 502 the app gets when the tunnel cannot connect (`rep` = the server's REP; `truncated` = no whole reply came). */
export function httpBadGatewayResponse(hostport: string, rep: number, truncated = false): Uint8Array {
  const why = truncated
    ? 'the tunnel stream closed before the server replied'
    : `${socksRepText(rep)} (socks5 reply ${rep.toString(16).padStart(2, '0')})`;
  return httpErrorResponse(502, `kcptunb: could not connect to ${hostport} through the tunnel: ${why}`);
}

/** `00 00 00 05` + ASCII `host:port` — the stream's first write. */
export function httpStreamHead(hostport: string): Uint8Array {
  return concatBytes([Uint8Array.from(STREAM_HEAD_PREFIX), latin1Bytes(hostport)]);
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The `host:port` kcptunB derives from a request target (docs/protocol.md §6.4 step 2),
 * validated for dialling. Throws InvalidTargetError.
 */
export function httpProxyHostPort(requestTarget: string): { hostport: string; target: ProxyTarget } {
  let rest = requestTarget;
  let defaultPort = 80;
  const sep = requestTarget.indexOf('://');
  if (sep > 0 && SCHEME.test(requestTarget.slice(0, sep))) {
    const scheme = requestTarget.slice(0, sep).toLowerCase();
    if (scheme === 'https' || scheme === 'wss') defaultPort = 443;
    rest = requestTarget.slice(sep + 3);
  }
  // Go's URL authority: up to the path, query or fragment; userinfo dropped.
  const end = rest.search(/[/?#]/);
  let hostport = end < 0 ? rest : rest.slice(0, end);
  hostport = hostport.slice(hostport.lastIndexOf('@') + 1);
  if (hostport.length === 0) throw new InvalidTargetError(requestTarget, 'no host in the request target');
  if (hostport.endsWith(':')) hostport = hostport.slice(0, -1);
  const hasPort = hostport.startsWith('[') ? /\]:/.test(hostport) : hostport.includes(':');
  if (!hasPort) hostport = `${hostport}:${defaultPort}`;
  return { hostport, target: parseHostPort(hostport) };
}

function badRequest(status: number, reason: string): HttpRequestError {
  return new HttpRequestError(status, reason);
}

/** Parse one request line (without its line end). Throws HttpRequestError (400). */
export function parseHttpProxyRequestLine(line: string): HttpProxyRequest {
  const [method, requestTarget] = line.trim().split(/[ \t]+/);
  if (method === undefined || method === '' || requestTarget === undefined) throw badRequest(400, 'the request line has no request target');
  if (!TOKEN.test(method)) throw badRequest(400, `bad method ${JSON.stringify(method)}`);
  try {
    const { hostport, target } = httpProxyHostPort(requestTarget);
    return { method, requestTarget, hostport, target, isConnect: method === 'CONNECT' };
  } catch (error) {
    if (error instanceof InvalidTargetError) throw badRequest(400, error.message);
    throw error;
  }
}

export class HttpProxyHandshake {
  private phase: 'request-line' | 'connect-headers' | ClientHandshakeState = 'request-line';
  private readonly input = new GrowableBytes(256);
  /** Where the request line starts (leading empty lines are skipped, RFC 9112 §2.2). */
  private lineStart = 0;
  /** Where the line being scanned starts, and how far the scan got. */
  private scanLine = 0;
  private scanAt = 0;
  private parsed: HttpProxyRequest | null = null;
  private readonly held = new HeldBytes();

  get state(): ClientHandshakeState {
    return this.phase === 'request-line' || this.phase === 'connect-headers' ? 'handshake' : this.phase;
  }

  /** The request, once its line is parsed. */
  get request(): HttpProxyRequest | null {
    return this.parsed;
  }

  /** Feed bytes from the application (any split). */
  push(chunk: Uint8Array): ClientStep {
    const early = holdWhileWaiting(this.phase, 'connecting', this.held, chunk, 'http proxy');
    if (early) return early;
    this.input.append(chunk);
    const b = this.input.view();
    if (this.phase === 'request-line') {
      for (;;) {
        const nl = b.indexOf(0x0a, this.scanAt);
        if (nl < 0) {
          this.scanAt = b.length;
          if (b.length - this.lineStart > HTTP_HEADER_LIMIT) {
            return this.reject(badRequest(414, `no end of the request line within ${HTTP_HEADER_LIMIT} bytes`));
          }
          return { kind: 'need-more', reply: EMPTY_BYTES };
        }
        this.scanAt = nl + 1;
        const lineEnd = nl > this.lineStart && b[nl - 1] === 0x0d ? nl - 1 : nl;
        if (lineEnd === this.lineStart) {
          this.lineStart = nl + 1; // an empty line before the request
          if (this.lineStart > HTTP_HEADER_LIMIT) return this.reject(badRequest(400, 'only empty lines, no request line'));
          continue;
        }
        if (nl - this.lineStart > HTTP_HEADER_LIMIT) {
          return this.reject(badRequest(414, `request line longer than ${HTTP_HEADER_LIMIT} bytes`));
        }
        try {
          this.parsed = parseHttpProxyRequestLine(latin1String(b.subarray(this.lineStart, lineEnd)));
        } catch (error) {
          if (error instanceof HttpRequestError) return this.reject(error);
          throw error;
        }
        if (!this.parsed.isConnect) return this.connect(b.subarray(this.lineStart));
        this.phase = 'connect-headers';
        this.scanLine = nl + 1;
        break;
      }
    }
    // CONNECT: skip header lines up to the empty one; what follows is tunnel data.
    for (;;) {
      const nl = b.indexOf(0x0a, this.scanAt);
      if (nl < 0) {
        this.scanAt = b.length;
        if (b.length - this.lineStart > HTTP_HEADER_LIMIT) {
          return this.reject(badRequest(431, `CONNECT header block longer than ${HTTP_HEADER_LIMIT} bytes`));
        }
        return { kind: 'need-more', reply: EMPTY_BYTES };
      }
      const lineLength = nl - this.scanLine;
      this.scanAt = nl + 1;
      this.scanLine = nl + 1;
      if (nl + 1 - this.lineStart > HTTP_HEADER_LIMIT) {
        return this.reject(badRequest(431, `CONNECT header block longer than ${HTTP_HEADER_LIMIT} bytes`));
      }
      if (lineLength === 0 || (lineLength === 1 && b[nl - 1] === 0x0d)) return this.connect(b.subarray(nl + 1));
    }
  }

  /** The tunnel's answer (from a TunnelReplyReader on the stream). */
  answer(outcome: TunnelReplyOutcome): ClientAnswer {
    const request = this.parsed;
    if (this.phase !== 'connecting' || !request) {
      throw new ProxyStateError(`http proxy handshake is ${this.state}, not waiting for the tunnel`);
    }
    if (outcome.ok) {
      this.phase = 'relaying';
      const confirm = request.isConnect ? latin1Bytes(HTTP_CONNECT_ESTABLISHED) : EMPTY_BYTES;
      return { ok: true, toApp: concatBytes([confirm, outcome.leftover]), toStream: this.held.take() };
    }
    this.phase = 'closed';
    this.held.take();
    return { ok: false, toApp: httpBadGatewayResponse(request.hostport, outcome.rep, outcome.truncated), rep: outcome.rep };
  }

  private connect(forStream: Uint8Array): ClientStep {
    const request = this.parsed as HttpProxyRequest;
    this.phase = 'connecting';
    this.held.push(forStream.slice());
    return { kind: 'connect', reply: EMPTY_BYTES, streamHead: httpStreamHead(request.hostport), target: request.target };
  }

  private reject(error: HttpRequestError): ClientStep {
    this.phase = 'closed';
    return { kind: 'reject', reply: httpErrorResponse(error.status, `kcptunb: ${error.reason}`), error };
  }
}
