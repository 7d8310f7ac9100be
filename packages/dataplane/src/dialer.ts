/**
 * Client sessions: one connected UDP socket per KCP session. A connected socket only receives
 * from the server's address, which is kcptun's "first source" rule (docs/protocol.md §3.9).
 */
import type { Socket } from 'node:dgram';
import type { DatagramBatch } from '@kcptunb/wasm';
import type { DialRequest, FromShard } from './protocol.js';
import type { SessionRegistry } from './sessionRegistry.js';
import { applySocketOptions, bindSocket, socketType } from './udp.js';

export async function dialSession(request: DialRequest, sessions: SessionRegistry, clock: () => number, post: (m: FromShard) => void): Promise<void> {
  const { id, host, port } = request;
  let socket: Socket;
  try {
    socket = await bindSocket(socketType(host), 0, undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    post({ type: 'dial-failed', id, error: (e as Error).message });
    return;
  }
  applySocketOptions(socket, request.settings.socket, (message) => post({ type: 'log', message }));
  const transmit = (batch: DatagramBatch) => {
    for (let i = 0; i < batch.count; i++) socket.send(Buffer.from(batch.view(i)));
  };
  const session = sessions.open({ id, conv: request.conv, settings: request.settings, rings: request.rings, transmit, passive: false, retire: () => socket.close() });
  socket.on('message', (msg: Buffer) => sessions.deliver(session, msg, clock()));
  socket.on('error', (e: NodeJS.ErrnoException) => {
    // a connected UDP socket reports ICMP port-unreachable as ECONNREFUSED (the server is not up
    // yet, or restarting); KCP retransmits, so this is not worth a log line
    if (e.code !== 'ECONNREFUSED') post({ type: 'log', message: `session ${id}: ${e.message}` });
  });
  const a = socket.address();
  post({ type: 'dialed', id, local: `${a.address}:${a.port}` });
}
