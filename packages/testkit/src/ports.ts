/** Loopback ports: free ones to hand to processes (control's helpers), and readiness of a TCP listener. */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { freeTcpPort, freeUdpPort } from '@kcptunb/control';
import { waitFor } from './wait.js';

export { freeTcpPort, freeUdpPort };

/** Whether something accepts TCP on host:port (default 127.0.0.1; one attempt, at most 1 s). */
export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    const timer = setTimeout(() => done(false), 1000);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Resolve once something accepts TCP on 127.0.0.1:port; reject after `timeoutMs`. */
export function waitListening(port: number, timeoutMs: number, diag: () => string = () => ''): Promise<void> {
  return waitFor(() => canConnect(port), timeoutMs, `a TCP listener on 127.0.0.1:${port}`, { pollMs: 50, diag });
}

/**
 * Whether some socket is bound to UDP `port` (on any address), from /proc/net/udp{,6};
 * undefined where those files cannot be read. Looking never takes the port.
 */
export function udpBound(port: number): boolean | undefined {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let readable = false;
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    readable = true;
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1];
      if (local?.endsWith(hex)) return true;
    }
  }
  return readable ? false : undefined;
}
