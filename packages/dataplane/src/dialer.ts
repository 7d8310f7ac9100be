/**
 * Client sessions: one connected UDP socket per KCP session. A connected socket only receives
 * from the server's address, which is kcptun's "first source" rule (docs/protocol.md §3.9).
 */
import { lookup } from 'node:dns/promises';
import { openUdpEndpoint, type UdpEndpoint } from '@kcptunb/udp';
import type { Kernels } from '@kcptunb/wasm';
import { S, type Snmp } from '@kcptunb/snmp';
import type { DialRequest, FromShard } from './protocol.js';
import type { SessionRegistry } from './sessionRegistry.js';
import type { ShardSession } from './shardSession.js';

export interface DialContext {
  kernels: Kernels;
  snmp: Snmp;
  sessions: SessionRegistry;
  clock: () => number;
  post: (m: FromShard) => void;
}

export async function dialSession(request: DialRequest, context: DialContext): Promise<void> {
  const { id, host, port } = request;
  const { sessions, post } = context;
  let endpoint: UdpEndpoint;
  let session: ShardSession | undefined;
  let peerAddress = host;
  try {
    const peer = await lookup(host);
    peerAddress = peer.address;
    const family = peer.family === 6 ? 6 : 4;
    endpoint = await openUdpEndpoint({
      kernels: context.kernels,
      family,
      bindAddress: '',
      bindPort: 0,
      connect: { address: peer.address, port },
      ...request.settings.socket,
      onReceive: (batch) => {
        if (session) sessions.deliverBatch(session, batch, context.clock());
      },
      log: (message) => post({ type: 'log', message }),
      onDropped: (n) => (context.snmp.values[S.InErrs]! += n),
    });
  } catch (e) {
    post({ type: 'dial-failed', id, error: (e as Error).message });
    return;
  }
  session = sessions.open({ id, conv: request.conv, settings: request.settings, rings: request.rings, transmit: (batch) => endpoint.send(batch), passive: false, retire: () => endpoint.close(), remote: hostPort(peerAddress, port) });
  const a = endpoint.local;
  post({ type: 'dialed', id, local: hostPort(a.address, a.port) });
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
