/**
 * Runs Debian's `kcptun-client` against a UDP socket this process owns and
 * records every datagram it sends: real-peer bytes for the decoder tests.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { freeTcpPort, requireKcptun, sleep, startProcess, waitFor } from './processes.js';

export interface CaptureOptions {
  crypt: string;
  key: string;
  datashard?: number;
  parityshard?: number;
  nocomp?: boolean;
  /** Bytes written into the client's TCP listener once it accepts. */
  tcpPayload: Uint8Array;
  /** Stop once this many datagrams arrived… */
  minDatagrams: number;
  /** …or after this long. */
  timeoutMs?: number;
  extraArgs?: string[];
}

export async function captureKcptunClient(opts: CaptureOptions): Promise<Buffer[]> {
  const bin = requireKcptun('kcptun-client');
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
  const proc = startProcess(bin, args);
  const sock = { current: undefined as ReturnType<typeof connect> | undefined };
  try {
    // the listener appears shortly after start; retry connecting for up to 5 s
    const deadline = Date.now() + 5000;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect(tcpPort, '127.0.0.1');
        s.once('connect', () => {
          sock.current = s;
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`kcptun-client never listened on ${tcpPort}:\n${proc.output()}`);
      await sleep(50);
    }
    sock.current!.on('error', () => {});
    sock.current!.write(opts.tcpPayload);
    await waitFor(() => datagrams.length >= opts.minDatagrams, opts.timeoutMs ?? 5000, `${opts.minDatagrams} datagrams from kcptun-client --crypt ${opts.crypt}`).catch((e: Error) => {
      throw new Error(`${e.message} (got ${datagrams.length}); client said:\n${proc.output()}`);
    });
    return datagrams.slice();
  } finally {
    sock.current?.destroy();
    await proc.stop();
    await new Promise<void>((resolve) => udp.close(() => resolve()));
  }
}
