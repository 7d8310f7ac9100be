/**
 * Like `captureKcptunClient`, but the capture ends when the caller has seen
 * enough (`until` over the datagrams so far) rather than after a datagram
 * count: what the stream-layer test waits for (a keepalive NOP after the
 * payload) depends on timing, not on how many datagrams carried it. Also
 * returns the client's output for failure messages. Bounded: after
 * `timeoutMs` the datagrams so far come back with `timedOut` set.
 */
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { freeTcpPort, Proc, requireKcptun, requireUpstream, sleep } from '@kcptunb/testkit';

export interface CaptureUntilOptions {
  crypt: string;
  key: string;
  datashard?: number;
  parityshard?: number;
  nocomp?: boolean;
  /** Bytes written into the client's TCP listener once it accepts. */
  tcpPayload: Uint8Array;
  /** Checked every `pollMs` on a snapshot of the datagrams received so far. */
  until: (datagrams: readonly Buffer[]) => boolean;
  timeoutMs: number;
  pollMs?: number;
  extraArgs?: string[];
  /** Whose kcptun-client: Debian's (default) or upstream's 20260126. */
  peer?: 'debian' | 'upstream';
}

export interface CaptureUntilResult {
  datagrams: Buffer[];
  timedOut: boolean;
  /** Everything kcptun-client printed. */
  clientOutput: string;
}

export async function captureKcptunClientUntil(opts: CaptureUntilOptions): Promise<CaptureUntilResult> {
  const bin = opts.peer === 'upstream' ? requireUpstream('client') : requireKcptun('kcptun-client');
  const udp = createSocket('udp4');
  const datagrams: Buffer[] = [];
  udp.on('message', (msg) => datagrams.push(msg));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const udpPort = udp.address().port;
  const tcpPort = await freeTcpPort();
  const args = [
    '-l', `127.0.0.1:${tcpPort}`,
    '-r', `127.0.0.1:${udpPort}`,
    '--key', opts.key,
    '--crypt', opts.crypt,
    '--ds', String(opts.datashard ?? 10),
    '--ps', String(opts.parityshard ?? 3),
    '--quiet',
    ...(opts.nocomp ? ['--nocomp'] : []),
    ...(opts.extraArgs ?? []),
  ];
  const proc = new Proc('kcptun-client', bin, args);
  let sock: Socket | undefined;
  try {
    // the listener appears shortly after start; retry connecting for up to 5 s
    const listenDeadline = Date.now() + 5000;
    while (!sock) {
      sock = await new Promise<Socket | undefined>((resolve) => {
        const s = connect(tcpPort, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', () => resolve(undefined));
      });
      if (sock) break;
      if (Date.now() > listenDeadline) throw new Error(`kcptun-client never listened on ${tcpPort}:\n${proc.output()}`);
      await sleep(50);
    }
    sock.on('error', () => {});
    sock.write(opts.tcpPayload);
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      if (opts.until(datagrams.slice())) return { datagrams: datagrams.slice(), timedOut: false, clientOutput: proc.output() };
      if (Date.now() > deadline) return { datagrams: datagrams.slice(), timedOut: true, clientOutput: proc.output() };
      await sleep(opts.pollMs ?? 100);
    }
  } finally {
    sock?.destroy();
    await proc.stop();
    await new Promise<void>((resolve) => udp.close(() => resolve()));
  }
}
