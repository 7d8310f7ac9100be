/** What a session routes a stream's events to: a relay (StreamPipe) or a proxy handshake in progress. */
export interface StreamHandler {
  /** The stream has data or EOF. */
  readable(): void;
  /** The stream went below its write high-water mark. */
  writable(): void;
  /** Tear down (the session died). */
  finish(): void;
  /** A graceful stop closes it this way when it has one (a library Duplex: closed without an error), else by `finish`. */
  stop?(): void;
  /** Done already: nothing to route to it. */
  readonly finished: boolean;
}
