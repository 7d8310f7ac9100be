/**
 * Client `--ser socks5` (docs/protocol.md §6.3), sans I/O. The greeting is answered here
 * (`05 00`); the CONNECT request is forwarded verbatim as the stream's first
 * write to a `fast` server, whose 10-byte reply decides what the app hears.
 *
 * Unlike kcptunB, which does one read per message, messages are delimited by
 * their own length fields, so a greeting and request pipelined in one
 * segment (or split across many) work, and bytes after the request are kept
 * for the stream. Deliberate differences from kcptunB:
 * - a greeting without method 00 gets `05 FF` and a close (kcptunB answers `05 00` regardless);
 * - a request whose version byte is not 5 → REP 01 (kcptunB does not look);
 * - a domain of length 0 → REP 01 locally (a kcptunB server would dial the local host);
 * - ATYP 1/4 are parsed by their fixed length (kcptunB wants the read to be exactly 10/22 bytes, else REP 07).
 */
import { EMPTY_BYTES, GrowableBytes, HeldBytes, concatBytes, uint16BE } from './bytes.js';
import type { ClientAnswer, ClientHandshakeState, ClientStep } from './clientHandshake.js';
import { holdWhileWaiting } from './handshakeStep.js';
import { AddressTypeError, InvalidTargetError, ProxyStateError, SocksCommandError, SocksNoAcceptableMethodError, SocksVersionError } from './errors.js';
import type { ProxyRequestError } from './errors.js';
import {
  SOCKS_ATYP_DOMAIN,
  SOCKS_ATYP_IPV4,
  SOCKS_ATYP_IPV6,
  SOCKS_CMD_CONNECT,
  SOCKS_METHOD_NO_AUTH,
  SOCKS_METHOD_NONE_ACCEPTABLE,
  SOCKS_VERSION,
  SocksRep,
  socksMethodSelection,
  socksReply,
} from './socksReply.js';
import { formatIPv4, formatIPv6, targetKind, type ProxyTarget } from './target.js';
import type { TunnelReplyOutcome } from './tunnelReply.js';

/** A parsed CONNECT request. */
export interface SocksConnectRequest {
  /** The request bytes exactly as the app sent them (`05 01 00 ATYP ADDR PORT`). */
  readonly bytes: Uint8Array;
  readonly addressType: number;
  readonly target: ProxyTarget;
}

export type Socks5RequestParse =
  | { readonly kind: 'need-more' }
  | { readonly kind: 'request'; readonly request: SocksConnectRequest }
  | { readonly kind: 'reject'; readonly rep: number; readonly error: ProxyRequestError };

const NEED_MORE = { kind: 'need-more' } as const;

/**
 * Parse one socks5 request at the start of `b` (which may hold more bytes
 * after it, or not all of it yet). Rejections are decided as soon as the
 * offending byte is in.
 */
export function parseSocks5Request(b: Uint8Array): Socks5RequestParse {
  const [version, command, , atyp] = b;
  if (version !== undefined && version !== SOCKS_VERSION) {
    return { kind: 'reject', rep: SocksRep.GeneralFailure, error: new SocksVersionError(version, 'request') };
  }
  if (command !== undefined && command !== SOCKS_CMD_CONNECT) {
    return { kind: 'reject', rep: SocksRep.CommandNotSupported, error: new SocksCommandError(command) };
  }
  if (atyp === undefined) return NEED_MORE;
  let length: number;
  switch (atyp) {
    case SOCKS_ATYP_IPV4:
      length = 4 + 4 + 2;
      break;
    case SOCKS_ATYP_IPV6:
      length = 4 + 16 + 2;
      break;
    case SOCKS_ATYP_DOMAIN:
      const nameLength = b[4];
      if (nameLength === undefined) return NEED_MORE;
      if (nameLength === 0) {
        return { kind: 'reject', rep: SocksRep.GeneralFailure, error: new InvalidTargetError('', 'empty domain name') };
      }
      length = 5 + nameLength + 2;
      break;
    default:
      return { kind: 'reject', rep: SocksRep.AddressTypeNotSupported, error: new AddressTypeError(atyp) };
  }
  if (b.length < length) return NEED_MORE;
  const bytes = b.slice(0, length);
  const port = uint16BE(bytes, length - 2);
  let target: ProxyTarget;
  if (atyp === SOCKS_ATYP_IPV4) target = { kind: 'ipv4', host: formatIPv4(bytes.subarray(4, 8)), port };
  else if (atyp === SOCKS_ATYP_IPV6) target = { kind: 'ipv6', host: formatIPv6(bytes.subarray(4, 20)), port };
  else {
    const host = Buffer.from(bytes.buffer, bytes.byteOffset + 5, length - 7).toString('utf8');
    target = { kind: targetKind(host), host, port };
  }
  return { kind: 'request', request: { bytes, addressType: atyp, target } };
}

export class Socks5ClientHandshake {
  private phase: 'greeting' | 'request' | ClientHandshakeState = 'greeting';
  /** Handshake bytes not yet consumed start at `consumed`. */
  private readonly input = new GrowableBytes();
  private consumed = 0;
  private readonly held = new HeldBytes();
  private connectRequest: SocksConnectRequest | null = null;

  get state(): ClientHandshakeState {
    return this.phase === 'greeting' || this.phase === 'request' ? 'handshake' : this.phase;
  }

  /** The CONNECT request, once complete. */
  get request(): SocksConnectRequest | null {
    return this.connectRequest;
  }

  /** Feed bytes from the application (any split). */
  push(chunk: Uint8Array): ClientStep {
    const early = holdWhileWaiting(this.phase, 'connecting', this.held, chunk, 'socks5');
    if (early) return early;
    this.input.append(chunk);
    const replies: Uint8Array[] = [];
    if (this.phase === 'greeting') {
      const greeting = this.input.view();
      const [version, methodCount] = greeting;
      if (version !== undefined && version !== SOCKS_VERSION) {
        // Not socks5 (docs/protocol.md §6.3 step 1: close silently; there is no socks5 code for it).
        return this.reject(EMPTY_BYTES, new SocksVersionError(version, 'greeting'));
      }
      if (methodCount === undefined || greeting.length < 2 + methodCount) return { kind: 'need-more', reply: EMPTY_BYTES };
      const methods = Array.from(greeting.subarray(2, 2 + methodCount));
      if (!methods.includes(SOCKS_METHOD_NO_AUTH)) {
        return this.reject(socksMethodSelection(SOCKS_METHOD_NONE_ACCEPTABLE), new SocksNoAcceptableMethodError(methods));
      }
      replies.push(socksMethodSelection(SOCKS_METHOD_NO_AUTH));
      this.consumed = 2 + methodCount;
      this.phase = 'request';
    }
    const rest = this.input.view().subarray(this.consumed);
    const parsed = parseSocks5Request(rest);
    if (parsed.kind === 'need-more') return { kind: 'need-more', reply: concatBytes(replies) };
    if (parsed.kind === 'reject') {
      replies.push(socksReply(parsed.rep));
      return this.reject(concatBytes(replies), parsed.error);
    }
    const { request } = parsed;
    this.connectRequest = request;
    this.phase = 'connecting';
    this.held.push(rest.slice(request.bytes.length)); // pipelined application data
    return { kind: 'connect', reply: concatBytes(replies), streamHead: request.bytes, target: request.target };
  }

  /** The tunnel's answer (from a TunnelReplyReader on the stream). */
  answer(outcome: TunnelReplyOutcome): ClientAnswer {
    if (this.phase !== 'connecting') throw new ProxyStateError(`socks5 handshake is ${this.state}, not waiting for the tunnel`);
    if (outcome.ok) {
      this.phase = 'relaying';
      return { ok: true, toApp: concatBytes([socksReply(SocksRep.Succeeded), outcome.leftover]), toStream: this.held.take() };
    }
    this.phase = 'closed';
    this.held.take();
    return { ok: false, toApp: socksReply(outcome.rep), rep: outcome.rep };
  }

  private reject(reply: Uint8Array, error: ProxyRequestError): ClientStep {
    this.phase = 'closed';
    return { kind: 'reject', reply, error };
  }
}
