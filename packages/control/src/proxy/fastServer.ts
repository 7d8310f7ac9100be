/**
 * Server `--ser fast` (docs/protocol.md §6.2), sans I/O: the first bytes of a new stream
 * name the target, the runtime dials it, and a 10-byte socks5-style reply
 * tells the client how that went.
 *
 * kcptunB does ONE read of up to 320 bytes and parses it whole (address type
 * = byte 3, port = the read's last two bytes). Both kcptunB client modes send
 * the request as one write, so it is one smux frame, and send nothing more
 * before the reply. We accept it in pieces, and delimit it like this (the
 * runtime must push each stream read as it comes, never concatenated):
 * - ATYP 1 (IPv4) / 4 (IPv6): fixed 10 / 22 bytes; anything after = data for the target.
 * - ATYP 3 (domain): the length byte says 7 + L bytes. Wait for them; if
 *   exactly 7 + L bytes are buffered, the length byte is used. If more are
 *   buffered when the request completes, the length byte disagrees with what
 *   one write delivered (no kcptunB client sends data before the reply), so
 *   kcptunB's rule applies to all of it (≤ 320): host = b[5..n−2], port =
 *   the last two bytes. A length byte promising more than arrives waits
 *   (for more bytes, or `end()`): the runtime's handshake timeout applies.
 * - ATYP 5 (`host:port`, kcptunB's http client): no length field, so the
 *   request is everything buffered at the end of the push that brings the
 *   first byte after the address-type byte (≤ 320; beyond = data for the
 *   target) — i.e. the first frame, as kcptunB reads it.
 * - Anything else → `05 08 00 01 …` and close.
 * Deliberate differences: an empty host or port 0 is refused with REP 05
 * (Go would dial the local host / fail anyway); ATYP 5 ports must be
 * numeric (Go also resolves service names like `:http`).
 */
import { EMPTY_BYTES, GrowableBytes, HeldBytes, latin1String, uint16BE } from './bytes.js';
import { AddressTypeError, InvalidTargetError, ProxyStateError, TruncatedRequestError } from './errors.js';
import { holdWhileWaiting, type HeldStep, type NeedMoreStep, type RejectStep } from './handshakeStep.js';
import { SOCKS_ATYP_DOMAIN, SOCKS_ATYP_HOSTPORT, SOCKS_ATYP_IPV4, SOCKS_ATYP_IPV6, SocksRep, socksReply } from './socksReply.js';
import { formatIPv4, formatIPv6, parseHostPort, targetKind, type ProxyTarget } from './target.js';

/** kcptunB's read size for the request. */
export const FAST_REQUEST_LIMIT = 320;

/** How the request's end was found (see the top of this file). */
export type FastRequestRule = 'fixed' | 'length-byte' | 'kcptunb' | 'first-read';

export type FastServerStep =
  | NeedMoreStep
  /** Dial `target` (5 s timeout, docs/protocol.md §6.2), then call `dialed()`. */
  | {
      readonly kind: 'dial';
      readonly reply: Uint8Array;
      readonly target: ProxyTarget;
      readonly addressType: number;
      readonly rule: FastRequestRule;
    }
  | RejectStep
  /** Held bytes come back from `dialed()` in `toTarget`. */
  | HeldStep;

export type FastDialAnswer =
  /** Write `toStream` (the success reply) to the stream and `toTarget` to the target socket, then relay. */
  | { readonly ok: true; readonly toStream: Uint8Array; readonly toTarget: Uint8Array }
  /** Write `toStream` (the failure reply) to the stream, then close it. */
  | { readonly ok: false; readonly toStream: Uint8Array; readonly rep: number };

export type FastServerState = 'handshake' | 'dialing' | 'relaying' | 'closed';

/** kcptunB's REP for a dial error (docs/protocol.md §6.2): a timeout → 06, anything else → 05. */
export function dialErrorRep(error: NodeJS.ErrnoException | Error): number {
  const code = (error as NodeJS.ErrnoException).code;
  // ETIMEOUT: c-ares' DNS timeout (Go's resolver timeout is a timeout too); TimeoutError: AbortSignal.timeout().
  if (code === 'ETIMEDOUT' || code === 'ETIMEOUT' || error.name === 'TimeoutError') return SocksRep.TtlExpired;
  // ECONNREFUSED, ENOTFOUND, EAI_AGAIN, EHOSTUNREACH, ENETUNREACH, … — Go wraps them all in one dial error.
  return SocksRep.ConnectionRefused;
}

/** The 10-byte reply for a failed dial. */
export function dialErrorReply(error: NodeJS.ErrnoException | Error): Uint8Array {
  return socksReply(dialErrorRep(error));
}

export type FastRequestParse =
  | { readonly kind: 'need-more' }
  | RejectStep
  | {
      readonly kind: 'request';
      readonly target: ProxyTarget;
      readonly addressType: number;
      readonly rule: FastRequestRule;
      /** Bytes of `b` that belong to the request. */
      readonly length: number;
    };

const NEED_MORE = { kind: 'need-more' } as const;

function refuse(target: string, reason: string): FastRequestParse {
  return { kind: 'reject', reply: socksReply(SocksRep.ConnectionRefused), error: new InvalidTargetError(target, reason) };
}

/** The port in the last two bytes of a request `end` bytes long (`b` holds ≥ `end` bytes). */
function bigEndianPort(b: Uint8Array, end: number): number {
  return uint16BE(b, end - 2);
}

function utf8(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

function binaryTarget(kind: ProxyTarget['kind'], host: string, port: number, addressType: number, rule: FastRequestRule, length: number): FastRequestParse {
  if (host.length === 0) return refuse(`:${port}`, 'empty host');
  const target: ProxyTarget = { kind: kind === 'domain' ? targetKind(host) : kind, host, port };
  if (port === 0) return refuse(`${host}:0`, 'port 0');
  return { kind: 'request', target, addressType, rule, length };
}

/**
 * Parse the request at the start of `b`: all bytes buffered at the end of a
 * push (see the top of this file for where each address type ends).
 */
export function parseFastRequest(b: Uint8Array): FastRequestParse {
  const atyp = b[3];
  if (atyp === undefined) return NEED_MORE;
  switch (atyp) {
    case SOCKS_ATYP_IPV4:
      if (b.length < 10) return NEED_MORE;
      return binaryTarget('ipv4', formatIPv4(b.subarray(4, 8)), bigEndianPort(b, 10), atyp, 'fixed', 10);
    case SOCKS_ATYP_IPV6:
      if (b.length < 22) return NEED_MORE;
      return binaryTarget('ipv6', formatIPv6(b.subarray(4, 20)), bigEndianPort(b, 22), atyp, 'fixed', 22);
    case SOCKS_ATYP_DOMAIN: {
      const nameLength = b[4];
      if (nameLength === undefined) return NEED_MORE;
      const want = 7 + nameLength;
      if (b.length < want) return NEED_MORE;
      if (b.length === want) return binaryTarget('domain', utf8(b.subarray(5, want - 2)), bigEndianPort(b, want), atyp, 'length-byte', want);
      const n = Math.min(b.length, FAST_REQUEST_LIMIT);
      return binaryTarget('domain', utf8(b.subarray(5, n - 2)), bigEndianPort(b, n), atyp, 'kcptunb', n);
    }
    case SOCKS_ATYP_HOSTPORT: {
      if (b.length < 5) return NEED_MORE;
      const n = Math.min(b.length, FAST_REQUEST_LIMIT);
      const hostport = latin1String(b.subarray(4, n));
      try {
        const target = parseHostPort(hostport);
        return { kind: 'request', target, addressType: atyp, rule: 'first-read', length: n };
      } catch (error) {
        if (error instanceof InvalidTargetError) return { kind: 'reject', reply: socksReply(SocksRep.ConnectionRefused), error };
        throw error;
      }
    }
    default:
      return { kind: 'reject', reply: socksReply(SocksRep.AddressTypeNotSupported), error: new AddressTypeError(atyp) };
  }
}

export class FastServerHandshake {
  private phase: FastServerState = 'handshake';
  private readonly input = new GrowableBytes();
  private readonly held = new HeldBytes();
  private dialTarget: ProxyTarget | null = null;

  get state(): FastServerState {
    return this.phase;
  }

  /** The target, once the request is complete. */
  get target(): ProxyTarget | null {
    return this.dialTarget;
  }

  /** Feed one stream read (any split of the request; do not merge reads). */
  push(chunk: Uint8Array): FastServerStep {
    const early = holdWhileWaiting(this.phase, 'dialing', this.held, chunk, 'fast-mode');
    if (early) return early;
    this.input.append(chunk);
    const b = this.input.view();
    const parsed = parseFastRequest(b);
    if (parsed.kind === 'need-more') return { kind: 'need-more', reply: EMPTY_BYTES };
    if (parsed.kind === 'reject') {
      this.phase = 'closed';
      return { kind: 'reject', reply: parsed.reply, error: parsed.error };
    }
    this.phase = 'dialing';
    this.dialTarget = parsed.target;
    this.held.push(b.slice(parsed.length));
    return { kind: 'dial', reply: EMPTY_BYTES, target: parsed.target, addressType: parsed.addressType, rule: parsed.rule };
  }

  /** The stream ended. Before the request was complete: close without a reply. */
  end(): FastServerStep | null {
    if (this.phase !== 'handshake') return null;
    this.phase = 'closed';
    return { kind: 'reject', reply: EMPTY_BYTES, error: new TruncatedRequestError(this.input.length) };
  }

  /** The dial finished: `error` null/undefined = connected. */
  dialed(error?: NodeJS.ErrnoException | Error | null): FastDialAnswer {
    if (this.phase !== 'dialing') throw new ProxyStateError(`fast-mode handshake is ${this.phase}, not dialing`);
    if (!error) {
      this.phase = 'relaying';
      return { ok: true, toStream: socksReply(SocksRep.Succeeded), toTarget: this.held.take() };
    }
    this.phase = 'closed';
    this.held.take();
    const rep = dialErrorRep(error);
    return { ok: false, toStream: socksReply(rep), rep };
  }
}
