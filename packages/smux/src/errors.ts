/**
 * Typed smux errors: one class per violation, each with a stable `code`, so
 * callers and tests match on type rather than message text. Network input
 * never throws: a violation ends that session and is reported in its
 * `session-closed` event (and `session.error`).
 */
import { COMMAND_NAMES } from './frame.js';

export abstract class SmuxError extends Error {
  abstract readonly code: string;
}

/** Base class of the errors caused by what the peer sent. */
export abstract class SmuxProtocolError extends SmuxError {}

/** A frame's version byte was not 1 (docs/protocol.md §4.4: stock and kcptunB both check it). */
export class InvalidVersionError extends SmuxProtocolError {
  readonly code = 'ERR_SMUX_VERSION';
  constructor(readonly version: number, readonly expected: number) {
    super(`smux frame version ${version}, expected ${expected}`);
    this.name = 'InvalidVersionError';
  }
}

/** A command byte no implementation defines (> 6; docs/protocol.md §4.2). */
export class UnknownCommandError extends SmuxProtocolError {
  readonly code = 'ERR_SMUX_UNKNOWN_COMMAND';
  constructor(readonly cmd: number) {
    super(`unknown smux command ${cmd}`);
    this.name = 'UnknownCommandError';
  }
}

/** A frame longer than its command allows in this mode (control frames are zero-length, docs/protocol.md §4.4). */
export class FrameTooLargeError extends SmuxProtocolError {
  readonly code = 'ERR_SMUX_FRAME_TOO_LARGE';
  constructor(readonly cmd: number, readonly length: number, readonly limit: number) {
    super(`smux ${COMMAND_NAMES[cmd] ?? cmd} frame of ${length} bytes (limit ${limit})`);
    this.name = 'FrameTooLargeError';
  }
}

/** A stock UPD frame (cmd 4) whose length is not its 8-byte body (docs/protocol.md §4.7). */
export class BadUpdateFrameError extends SmuxProtocolError {
  readonly code = 'ERR_SMUX_BAD_UPD';
  constructor(readonly length: number) {
    super(`smux UPD frame of ${length} bytes (must be 8)`);
    this.name = 'BadUpdateFrameError';
  }
}

/** The peer went silent longer than the keepalive allows (docs/protocol.md §4.6.1, §4.6.2). */
export class KeepaliveTimeoutError extends SmuxError {
  readonly code = 'ERR_SMUX_KEEPALIVE_TIMEOUT';
  constructor(readonly mode: 'compat' | 'heartbeat' | 'stock', readonly windowMs: number) {
    super(`smux keepalive timeout: no frame from the peer in ${windowMs} ms (${mode})`);
    this.name = 'KeepaliveTimeoutError';
  }
}

/** Stream ids would wrap ("go away", docs/protocol.md §4.3): open a new session. */
export class StreamIdsExhaustedError extends SmuxError {
  readonly code = 'ERR_SMUX_GO_AWAY';
  constructor() {
    super('smux stream ids exhausted; a new session must be used');
    this.name = 'StreamIdsExhaustedError';
  }
}

/** An operation that needs a live session was attempted on a closed one. */
export class SessionClosedError extends SmuxError {
  readonly code = 'ERR_SMUX_SESSION_CLOSED';
  constructor() {
    super('smux session is closed');
    this.name = 'SessionClosedError';
  }
}

/** A bug inside the core surfaced while handling input; the session is ended instead of throwing. */
export class SmuxInternalError extends SmuxError {
  readonly code = 'ERR_SMUX_INTERNAL';
  constructor(cause: unknown) {
    super(`smux internal error: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'SmuxInternalError';
  }
}

/** A configuration value out of range; names the field. */
export class InvalidSmuxConfigError extends SmuxError {
  readonly code = 'ERR_SMUX_CONFIG';
  constructor(readonly field: string, readonly value: unknown, readonly expected: string) {
    super(`invalid smux ${field}: ${String(value)} (expected ${expected})`);
    this.name = 'InvalidSmuxConfigError';
  }
}
