/** What a client or server reports as it runs: the library API's typed events (api/tunnel.ts). */

/** One KCP session (with its smux session), as events and stats() name it. */
export interface SessionInfo {
  /** Unique within the process while the session lives: `shard:id` of the data plane. */
  readonly id: string;
  /** The KCP conversation id. */
  readonly conv: number;
  /** The peer's UDP address (client: the server; server: the client). */
  readonly remote: string;
  /** How the log lines name the session. */
  readonly label: string;
  /** Date.now() when it opened. */
  readonly openedAt: number;
}

export interface SessionCloseInfo extends SessionInfo {
  /** Why it ended (the smux session's error), or null when it was closed locally or ended cleanly. */
  readonly reason: string | null;
}

export interface StreamInfo {
  /** The smux stream id (odd: opened by a client, even: by a server). */
  readonly id: number;
  readonly session: SessionInfo;
  /** 'duplex': a library stream (openStream, a server handler); 'tcp': relayed to a TCP socket. */
  readonly kind: 'duplex' | 'tcp';
}

/** Event name → listener arguments (for a typed node:events EventEmitter). */
export interface TunnelEvents {
  'session-open': [info: SessionInfo];
  'session-close': [info: SessionCloseInfo];
  'stream-open': [info: StreamInfo];
  'stream-close': [info: StreamInfo];
  /** One log line, without the CLI's time prefix. */
  log: [line: string];
}

/** How the runtime reports an event (the API's emitter; a no-op when nobody listens). */
export type TunnelEventSink = <K extends keyof TunnelEvents>(event: K, ...args: TunnelEvents[K]) => void;

export const NO_EVENTS: TunnelEventSink = () => {};
