/**
 * A clean UDP relay that records every datagram it forwards, per direction: the
 * capture point between two real peers (one client address only).
 */
import { createSocket, type Socket } from 'node:dgram';

export interface RecordingRelay {
  readonly port: number;
  /** Client → server datagrams, in arrival order. */
  readonly up: Buffer[];
  /** Server → client datagrams, in arrival order. */
  readonly down: Buffer[];
  close(): Promise<void>;
}

export async function startRecordingRelay(serverPort: number): Promise<RecordingRelay> {
  const listener = createSocket('udp4');
  const upstream = createSocket('udp4');
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  let client: { port: number; address: string } | undefined;
  listener.on('message', (msg, rinfo) => {
    client ??= { port: rinfo.port, address: rinfo.address };
    if (rinfo.port !== client.port) return;
    up.push(msg);
    upstream.send(msg, serverPort, '127.0.0.1');
  });
  upstream.on('message', (msg) => {
    down.push(msg);
    if (client) listener.send(msg, client.port, client.address);
  });
  const bind = (s: Socket) => new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  await Promise.all([bind(listener), bind(upstream)]);
  return {
    port: listener.address().port,
    up,
    down,
    close: async () => {
      await Promise.all([listener, upstream].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
