/**
 * Client `--ser http` after the handshake (docs/protocol.md §6.4 step 5): the application
 * talks to us as to a proxy, the tunnel delivers its bytes to an origin server. So every
 * request head on the connection — the first and every later one on a kept-alive
 * connection — is rewritten the way a proxy forwards (RFC 9112 §3.2.2, RFC 9110 §7.6.1):
 * - an absolute-form target (`GET http://h:8080/p?q HTTP/1.1`) becomes origin form
 *   (`GET /p?q HTTP/1.1`), and `Host` is set to the target's authority;
 * - the hop-by-hop `Proxy-Connection` and `Proxy-Authorization` headers are dropped.
 * Everything else passes unchanged, bodies included (delimited by Content-Length or
 * chunked coding, RFC 9112 §6). Pure: bytes in, bytes out, any split.
 *
 * What it cannot delimit it stops touching: a head over HTTP_HEADER_LIMIT, a bad
 * Content-Length, a non-chunked Transfer-Encoding, a bad chunk line, and anything after a
 * CONNECT or an `Upgrade` request (the bytes are no longer HTTP) pass through verbatim
 * from then on — bounded memory, never an exception.
 */
import { GrowableBytes, concatBytes, latin1Bytes, latin1String } from './bytes.js';
import { HTTP_HEADER_LIMIT } from './httpClient.js';

/** Longest chunk-size or trailer line we buffer (a chunk line is a hex size plus extensions). */
const CHUNK_LINE_LIMIT = 4096;

const DROPPED_HEADERS = new Set(['proxy-connection', 'proxy-authorization']);
const ABSOLUTE_FORM = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/;

type Phase =
  /** Reading a request head. */
  | 'head'
  /** `remaining` bytes of a Content-Length body. */
  | 'body'
  | 'chunk-size'
  /** `remaining` bytes of chunk data, then its CRLF (`chunk-end`). */
  | 'chunk-data'
  | 'chunk-end'
  | 'trailer'
  /** No longer HTTP we can delimit: pass through. */
  | 'opaque';

export class HttpRequestRewriter {
  private phase: Phase = 'head';
  /** The bytes of the head (or chunk line) being read. */
  private pending = new GrowableBytes(256);
  /** Where the line being scanned starts in `pending`. */
  private lineStart = 0;
  private remaining = 0;
  /** After this message: 'head' (more requests) or 'opaque' (CONNECT, Upgrade). */
  private afterMessage: 'head' | 'opaque' = 'head';
  private rewritten = 0;

  /** Request heads rewritten so far. */
  get requests(): number {
    return this.rewritten;
  }

  /** True once the rewriter passes everything through unchanged. */
  get opaque(): boolean {
    return this.phase === 'opaque';
  }

  /** Application bytes in; the bytes for the tunnel out (a head is held until it is complete). */
  push(chunk: Uint8Array): Uint8Array {
    const out: Uint8Array[] = [];
    let at = 0;
    while (at < chunk.length) {
      switch (this.phase) {
        case 'opaque':
          out.push(chunk.subarray(at));
          at = chunk.length;
          break;
        case 'body':
        case 'chunk-data': {
          const n = Math.min(this.remaining, chunk.length - at);
          out.push(chunk.subarray(at, at + n));
          at += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            if (this.phase === 'body') this.phase = this.afterMessage;
            else this.phase = 'chunk-end';
          }
          break;
        }
        case 'head':
          at = this.readHead(chunk, at, out);
          break;
        default:
          at = this.readChunkLine(chunk, at, out);
      }
    }
    return concatBytes(out);
  }

  /** Buffer head bytes up to the empty line; then emit the rewritten head. */
  private readHead(chunk: Uint8Array, from: number, out: Uint8Array[]): number {
    let at = from;
    while (at < chunk.length) {
      const nl = chunk.indexOf(0x0a, at);
      const end = nl < 0 ? chunk.length : nl + 1;
      this.pending.append(chunk.subarray(at, end));
      at = end;
      if (this.pending.length > HTTP_HEADER_LIMIT) return this.giveUp(out, chunk, at);
      if (nl < 0) return at;
      const b = this.pending.view();
      const lineEnd = b.length - 1;
      const contentEnd = lineEnd > this.lineStart && b[lineEnd - 1] === 0x0d ? lineEnd - 1 : lineEnd;
      const empty = contentEnd === this.lineStart;
      if (empty && this.lineStart === 0) {
        // An empty line before a request (RFC 9112 §2.2): pass it on, keep waiting.
        out.push(b.slice());
        this.resetPending();
        continue;
      }
      this.lineStart = b.length;
      if (!empty) continue;
      out.push(this.finishHead(latin1String(b)));
      this.resetPending();
      return at;
    }
    return at;
  }

  /** The chunk-size line, the CRLF after chunk data, or a trailer line (RFC 9112 §7.1). */
  private readChunkLine(chunk: Uint8Array, from: number, out: Uint8Array[]): number {
    const nl = chunk.indexOf(0x0a, from);
    const end = nl < 0 ? chunk.length : nl + 1;
    this.pending.append(chunk.subarray(from, end));
    if (this.pending.length > CHUNK_LINE_LIMIT) return this.giveUp(out, chunk, end);
    if (nl < 0) return end;
    const line = latin1String(this.pending.view()).replace(/\r?\n$/, '');
    out.push(this.pending.view().slice());
    this.resetPending();
    if (this.phase === 'chunk-end') {
      if (line !== '') return this.giveUp(out, chunk, end);
      this.phase = 'chunk-size';
    } else if (this.phase === 'chunk-size') {
      const size = /^([0-9A-Fa-f]{1,12})[ \t]*(;.*)?$/.exec(line);
      if (!size) return this.giveUp(out, chunk, end);
      this.remaining = parseInt(size[1]!, 16);
      this.phase = this.remaining === 0 ? 'trailer' : 'chunk-data';
    } else if (line === '') {
      this.phase = this.afterMessage; // the empty line after the trailers ends the message
    }
    return end;
  }

  /** Pass on what is buffered unchanged, and everything after it. */
  private giveUp(out: Uint8Array[], chunk: Uint8Array, at: number): number {
    out.push(this.pending.view().slice());
    this.resetPending();
    this.phase = 'opaque';
    out.push(chunk.subarray(at));
    return chunk.length;
  }

  private resetPending(): void {
    this.pending = new GrowableBytes(256);
    this.lineStart = 0;
  }

  /** Rewrite one complete head (text up to and including its empty line); set how its body is delimited. */
  private finishHead(head: string): Uint8Array {
    const eol = head.includes('\r\n') ? '\r\n' : '\n';
    const lines = head.split(/\r?\n/).slice(0, -2); // drop the empty line and what follows it
    const [requestLine = '', ...fieldLines] = lines;
    const request = /^(\S+)([ \t]+)(\S+)(.*)$/.exec(requestLine);
    const method = request?.[1] ?? '';
    let target = request?.[3] ?? '';
    const absolute = ABSOLUTE_FORM.exec(target);
    // userinfo is not part of Host (RFC 9110 §7.2); an empty authority leaves Host alone
    const authority = absolute ? absolute[2]!.replace(/^.*@/, '') || null : null;
    if (absolute && method !== 'CONNECT') {
      const rest = absolute[3]!;
      if (rest === '' && method === 'OPTIONS') target = '*'; // RFC 9112 §3.2.4
      else target = rest.startsWith('/') ? rest : `/${rest}`;
    }
    const fields: string[][] = [];
    for (const line of fieldLines) {
      const last = fields[fields.length - 1];
      if (/^[ \t]/.test(line) && last) last.push(line); // obs-fold: continues the field above
      else fields.push([line]);
    }
    const nameOf = (field: string[]) => (field[0] ?? '').split(':', 1)[0]!.trim().toLowerCase();
    const valueOf = (field: string[]) => field.map((l, i) => (i === 0 ? l.slice(l.indexOf(':') + 1) : l)).join(' ').trim();
    const replaceHost = authority !== null && method !== 'CONNECT';
    const kept = fields.filter((f) => !DROPPED_HEADERS.has(nameOf(f)) && !(replaceHost && nameOf(f) === 'host'));
    this.delimitBody(method, kept.map((f) => [nameOf(f), valueOf(f)] as const));
    const outLines = [request ? `${method}${request[2]}${target}${request[4]}` : requestLine];
    if (replaceHost) outLines.push(`Host: ${authority}`);
    for (const f of kept) outLines.push(...f);
    this.rewritten++;
    return latin1Bytes(outLines.join(eol) + eol + eol);
  }

  private delimitBody(method: string, fields: ReadonlyArray<readonly [string, string]>): void {
    const values = (name: string) => fields.filter(([n]) => n === name).map(([, v]) => v);
    const upgrade = values('upgrade').length > 0;
    this.afterMessage = method === 'CONNECT' || upgrade ? 'opaque' : 'head';
    const codings = values('transfer-encoding').join(',').split(',').map((c) => c.trim().toLowerCase()).filter(Boolean);
    if (codings.length > 0) {
      this.phase = codings[codings.length - 1] === 'chunked' ? 'chunk-size' : 'opaque';
      return;
    }
    const lengths = new Set(values('content-length').flatMap((v) => v.split(',').map((x) => x.trim())));
    if (lengths.size === 0) {
      this.phase = this.afterMessage;
      return;
    }
    const [length = ''] = lengths;
    if (lengths.size > 1 || !/^[0-9]{1,15}$/.test(length)) {
      this.phase = 'opaque';
      return;
    }
    this.remaining = Number(length);
    this.phase = this.remaining === 0 ? this.afterMessage : 'body';
  }
}
